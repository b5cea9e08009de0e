"""SIGKILL during an ingest, at each stage and at timed moments: the index still loads and
answers as before (or, killed after the switch, as after), and the next ingest completes."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import replace

import pytest

from ingest import store
from ingest.build import ingest
from ingest.config import PROJECT_ROOT, Settings
from rag.evidence.retrieve import HybridRetriever, Snapshot
from rag.figures.answer import ExtractiveAnswerer
from rag.pipeline import idf_weights
from tests.conftest import SAMPLE_DOC_ID
from tests.fakes import HashEmbedder

QUESTION = "2021年培训了多少人次党员干部?"
NEW_REPORT = "".join(
    f"第{i}项工作：全区新建党群服务中心{i}个，开展志愿服务{i * 10}次。\n" for i in range(1, 400)
)


def _answer(settings: Settings) -> tuple[str, str]:
    snap = Snapshot.load(settings.index_dir)
    retriever = HybridRetriever(snap, HashEmbedder())
    answer = ExtractiveAnswerer(weights=idf_weights(snap), paragraphs=snap.paragraphs).answer(
        QUESTION, retriever.retrieve(QUESTION, top_k=5)
    )
    return answer.text.split("。")[0], answer.citations[0].paragraph_id


def _driver(settings: Settings, stage: str = "") -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.ingest.crash_driver",
            str(settings.kb_dir),
            str(settings.index_dir),
            stage,
        ],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )


def _wait_for(proc: subprocess.Popen[str], line: str, timeout: float = 60) -> None:
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = proc.stdout.readline()
        if got.strip() == line:
            return
        if not got and proc.poll() is not None:
            break
    raise AssertionError(f"the ingest never printed {line!r}")


Answers = dict[bool, tuple[str, str]]  # switched to the new version or not -> the answer


@pytest.fixture
def expected(kb_settings: Settings) -> Answers:
    """The answer before the run, and the answer of the same run left to finish (on a copy)."""
    ingest(kb_settings, embedder=HashEmbedder(), progress=False)
    before = _answer(kb_settings)
    assert before == ("40822人次", f"{SAMPLE_DOC_ID}#9")
    (kb_settings.kb_dir / "新报告.txt").write_text(NEW_REPORT, encoding="utf-8")
    reference = replace(kb_settings, index_dir=kb_settings.index_dir.parent / "reference")
    shutil.copytree(kb_settings.index_dir, reference.index_dir)
    ingest(reference, embedder=HashEmbedder(), progress=False)
    return {False: before, True: _answer(reference)}


def _check_after_kill(settings: Settings, expected: Answers, switched: bool) -> None:
    snap = Snapshot.load(settings.index_dir)
    new = [p for p in snap.paragraphs.values() if p.doc_id == "新报告"]
    # All or nothing: the new report is either wholly in the live version or not at all.
    assert len(new) == (399 if switched else 0)
    assert sum(p.doc_id == SAMPLE_DOC_ID for p in snap.paragraphs.values()) == 37
    assert _answer(settings) == expected[switched]
    # The lock died with the process: the next ingest runs and finishes the job.
    report = ingest(settings, embedder=HashEmbedder(), progress=False)
    assert report.added == ([] if switched else [str(settings.kb_dir / "新报告.txt")])
    snap = Snapshot.load(settings.index_dir)
    assert sum(p.doc_id == "新报告" for p in snap.paragraphs.values()) == 399
    versions = [p.name for p in settings.index_dir.iterdir() if p.name.startswith("v-")]
    assert len(versions) <= 2  # half-written versions of the killed run are cleaned up


STAGES = ["copying", "embed", "bm25", "save_vectors", "publish", "switching", "published"]


@pytest.mark.parametrize("stage", STAGES)
def test_sigkill_at_each_stage(kb_settings: Settings, expected: Answers, stage: str) -> None:
    proc = _driver(kb_settings, stage)
    try:
        _wait_for(proc, f"STAGE {stage}")
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    _check_after_kill(kb_settings, expected, switched=stage == "published")


@pytest.mark.parametrize("fraction", [0.35, 0.6, 0.85])
def test_sigkill_at_timed_moments(kb_settings: Settings, expected: Answers, fraction: float) -> None:
    # How long an uninterrupted run takes here, measured on a copy, sets the moments.
    copy = Settings(kb_dir=kb_settings.kb_dir, index_dir=kb_settings.index_dir.parent / "copy-index")
    shutil.copytree(kb_settings.index_dir, copy.index_dir)
    started = time.monotonic()
    proc = _driver(copy)
    _wait_for(proc, "DONE", timeout=120)
    proc.wait()
    total = time.monotonic() - started
    proc = _driver(kb_settings)
    time.sleep(total * fraction)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.stdout is not None
    stages = [line.split()[1] for line in proc.stdout.read().splitlines() if line.startswith("STAGE")]
    live = store.current_version(kb_settings.index_dir)
    assert live is not None
    switched = any(p.startswith("新报告#") for p in Snapshot.load_version(live).paragraphs)
    # Where the kill landed (the last stage reached) is part of the report if this fails.
    landed = stages[-1] if stages else "start-up"
    if landed != "switching":  # killed mid-rename, either state is whole
        assert switched == (landed == "published"), landed
    _check_after_kill(kb_settings, expected, switched=switched)


def test_a_second_ingest_while_one_runs_in_another_process_is_refused(
    kb_settings: Settings, expected: Answers
) -> None:
    from ingest.build import IngestLocked

    proc = _driver(kb_settings, "embed")
    try:
        _wait_for(proc, "STAGE embed")  # the other process holds the lock, mid-ingest
        with pytest.raises(IngestLocked, match="另一个导入任务正在使用索引"):
            ingest(kb_settings, embedder=HashEmbedder(), progress=False)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    _check_after_kill(kb_settings, expected, switched=False)
