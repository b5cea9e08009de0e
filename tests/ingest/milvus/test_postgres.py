"""App machines that share no disk: the vectors in a Milvus server (Milvus Lite's gRPC server, in
a process of its own), the versions and the published pointer in PostgreSQL, and every process
with an index folder of its own. Two app processes see what a third publishes, on their next
question; a SIGKILL at any stage of an ingest leaves the previous version answering."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from pymilvus import MilvusClient

from ingest import store
from ingest.build import blocks, ingest, publication
from ingest.build.publication import PostgresPublication
from ingest.config import PROJECT_ROOT, Settings
from rag.evidence.retrieve import Snapshot
from rag.pipeline import KnowledgeBase
from tests.conftest import sample_kb
from tests.fakes import HashEmbedder
from tests.ingest.milvus.helpers import EXTRA
from tests.ingest.test_crash import NEW_REPORT, QUESTION, _wait_for
from tests.postgres import free_port

ADDED = "新报告"
ADDED_PARAGRAPHS = len(NEW_REPORT.splitlines())


@pytest.fixture(scope="module")
def milvus_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Milvus Lite served over gRPC on a free port: several processes reach it at once."""
    port = free_port()
    data = tmp_path_factory.mktemp("milvus-server")
    where = ["--data-dir", str(data), "--host", "127.0.0.1", "--port", str(port)]
    server = subprocess.Popen(
        [sys.executable, "-m", "milvus_lite", "server", *where],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    uri = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            MilvusClient(uri=uri, timeout=2).list_collections()
            break
        except Exception:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail(f"the Milvus Lite server did not start on {uri}")
            time.sleep(0.3)
    yield uri
    server.terminate()
    server.wait(timeout=30)


def _machine(root: Path, name: str, milvus: str, database: str) -> Settings:
    """One machine's settings: its own folders, the shared servers."""
    home = root / name
    home.mkdir()
    return Settings(
        kb_dir=sample_kb(home),
        index_dir=home / "index",
        data_dir=home / "data",
        store="milvus",
        milvus_uri=milvus,
        database_url=database,
    )


@pytest.fixture
def machines(tmp_path: Path, milvus_server: str, postgres_url: str) -> dict[str, Settings]:
    names = ("ingest", "app1", "app2")
    return {name: _machine(tmp_path, name, milvus_server, postgres_url) for name in names}


def _environment(settings: Settings) -> dict[str, str]:
    return {
        **os.environ,
        "KB_DIR": str(settings.kb_dir),
        "KB_INDEX_DIR": str(settings.index_dir),
        "KB_DATA_DIR": str(settings.data_dir),
        "KB_STORE": "milvus",
        "KB_MILVUS_URI": settings.milvus_uri,
        "KB_DATABASE_URL": settings.database_url,
    }


def _ingest_process(settings: Settings, stage: str = "") -> subprocess.Popen[str]:
    where = [str(settings.kb_dir), str(settings.index_dir)]
    return subprocess.Popen(
        [sys.executable, "-m", "tests.ingest.crash_driver", *where, stage, "milvus"],
        cwd=PROJECT_ROOT,
        env=_environment(settings),
        stdout=subprocess.PIPE,
        text=True,
    )


def _run_ingest(settings: Settings) -> None:
    proc = _ingest_process(settings)
    _wait_for(proc, "DONE")
    assert proc.wait(timeout=60) == 0


class App:
    """An app process (tests/ingest/app_driver.py) on its own index folder."""

    def __init__(self, settings: Settings) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.ingest.app_driver"],
            cwd=PROJECT_ROOT,
            env=_environment(settings),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        _wait_for(self.proc, "READY")

    def ask(self, question: str) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(question + "\n")
        self.proc.stdin.flush()
        return dict(json.loads(self.proc.stdout.readline()))

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait(timeout=30)


def _published(settings: Settings) -> str | None:
    return publication.of(settings).name()


def test_two_apps_without_a_shared_folder_see_what_a_third_process_publishes(
    machines: dict[str, Settings],
) -> None:
    ingesting = machines["ingest"]
    _run_ingest(ingesting)
    first = _published(ingesting)
    assert first is not None and first.startswith("v-")
    apps = [App(machines["app1"]), App(machines["app2"])]
    try:
        for app in apps:
            assert app.ask(QUESTION) == {"version": first, "answer": "40822人次", "added": 0}
        (ingesting.kb_dir / f"{ADDED}.txt").write_text(NEW_REPORT, encoding="utf-8")
        _run_ingest(ingesting)
        second = _published(ingesting)
        assert second not in (None, first)
        for app in apps:  # no restart: the next question is answered from the new version
            assert app.ask(QUESTION) == {"version": second, "answer": "40822人次", "added": ADDED_PARAGRAPHS}
    finally:
        for app in apps:
            app.close()
    # Each machine holds its own copy; nothing was read from another machine's folder.
    for name in ("app1", "app2"):
        index = machines[name].index_dir
        assert (index / str(second) / store.CATALOG).exists() and not (index / store.CURRENT).exists()


def test_an_ingest_on_a_new_machine_starts_from_what_is_published(machines: dict[str, Settings]) -> None:
    """The second ingest runs where no version was ever built: it downloads the published one
    (and the one before it, which apps may still be reading) and adds to it."""
    _run_ingest(machines["ingest"])
    other = machines["app1"]  # as an ingest machine now: the sample report and the new one
    (other.kb_dir / f"{ADDED}.txt").write_text(NEW_REPORT, encoding="utf-8")
    report = ingest(other, embedder=HashEmbedder(), progress=False)
    assert report.added == [str(other.kb_dir / f"{ADDED}.txt")] and report.embedded == ADDED_PARAGRAPHS
    snapshot = Snapshot.load(machines["app2"].index_dir, machines["app2"])
    assert sum(p.startswith(f"{ADDED}#") for p in snapshot.paragraphs) == ADDED_PARAGRAPHS


def _answer(settings: Settings) -> tuple[str, int]:
    """An app started now on this machine: its answer, and how much of the new report it has."""
    kb = KnowledgeBase(settings, embedder=HashEmbedder())
    answer = kb.ask(QUESTION)
    return answer.text.split("。")[0], sum(p.startswith(f"{ADDED}#") for p in kb.snapshot.paragraphs)


STAGES = ["copying", "embed", "bm25", "milvus_insert", "publish", "uploading", "published", "milvus_clean"]


@pytest.mark.parametrize("stage", STAGES)
def test_sigkill_at_each_stage_leaves_the_previous_version_answering(
    machines: dict[str, Settings], stage: str
) -> None:
    ingesting, app = machines["ingest"], machines["app1"]
    ingest(ingesting, embedder=HashEmbedder(), progress=False)
    before = _published(ingesting)
    assert _answer(app) == ("40822人次", 0)
    # Two new reports: Milvus rows are inserted report by report (one stage is between them).
    added = [ingesting.kb_dir / f"{ADDED}.txt", ingesting.kb_dir / EXTRA]
    added[0].write_text(NEW_REPORT, encoding="utf-8")
    added[1].write_text("# 2022年总结\n\n## 人才工作\n\n引进高层次人才120名。\n", encoding="utf-8")
    proc = _ingest_process(ingesting, stage)
    try:
        _wait_for(proc, f"STAGE {stage}")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    switched = stage in ("published", "milvus_clean")
    assert (_published(ingesting) != before) == switched
    # Another machine answers from the published version, whole: the new report all or nothing.
    assert _answer(app) == ("40822人次", ADDED_PARAGRAPHS if switched else 0)
    # The advisory lock died with the killed process's connection: the next ingest completes.
    report = ingest(ingesting, embedder=HashEmbedder(), progress=False)
    assert sorted(report.added) == ([] if switched else sorted(str(p) for p in added))
    assert _answer(app) == ("40822人次", ADDED_PARAGRAPHS)
    assert _stored_versions(ingesting) <= 2  # the killed upload left nothing behind


def _stored_versions(settings: Settings) -> int:
    import psycopg

    with psycopg.connect(settings.database_url) as con:
        row = con.execute("SELECT COUNT(*) FROM kb_index_versions").fetchone()
    assert row is not None
    return int(row[0])


def test_versions_travel_as_blocks_and_only_changed_blocks_move(
    tmp_path: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(blocks, "BLOCK_BYTES", 4096)  # an SQLite page per block: many blocks
    writer = PostgresPublication(tmp_path / "writer", postgres_url)
    reader = PostgresPublication(tmp_path / "reader", postgres_url)
    assert reader.name() is None and reader.current() is None
    names: list[str] = []
    previous: Path | None = None
    for n in range(4):
        version = store.new_version_dir(writer.index_dir)
        store.copy_version(previous, version)  # as an ingest does: a copy changed in place
        with sqlite3.connect(version / store.CATALOG) as con:
            con.execute("CREATE TABLE IF NOT EXISTS t (x TEXT)")
            added = 2000 if n == 0 else 100  # a first report, then small additions
            con.executemany("INSERT INTO t VALUES (?)", [(f"第{n}版第{i}行" * 20,) for i in range(added)])
        (version / "sub").mkdir(exist_ok=True)
        (version / "sub" / "empty.bin").write_bytes(b"")
        writer.publish(version)
        names.append(version.name)
        size = (version / store.CATALOG).stat().st_size
        local = reader.current()
        assert local is not None and local.name == version.name and local.parent == reader.index_dir
        for path in (store.CATALOG, "sub/empty.bin"):
            assert (local / path).read_bytes() == (version / path).read_bytes()
        if previous is not None:  # the pages the new rows took moved, not the whole file
            assert 0 < writer.sent < size / 4 and 0 < reader.fetched < size / 4
        else:
            assert writer.sent == reader.fetched == size
        previous = version
    assert reader.published() == (names[-1], names[-2])
    assert _stored_versions(replace(Settings(), database_url=postgres_url)) == 2  # published and previous
    kept = sorted(p.name for p in reader.index_dir.glob("v-*") if p.is_dir())
    assert kept == names[-publication.KEPT_LOCALLY :]
    # The blocks of forgotten versions went; those of the two kept ones stayed.
    fresh = PostgresPublication(tmp_path / "third", postgres_url)
    local = fresh.current()
    assert previous is not None and local is not None
    assert (local / store.CATALOG).read_bytes() == (previous / store.CATALOG).read_bytes()
    assert fresh.fetched == (previous / store.CATALOG).stat().st_size


def test_an_app_machine_neither_ingests_at_start_nor_takes_uploads(machines: dict[str, Settings]) -> None:
    from ingest.startup import ensure_index
    from ingest.upload import UploadError, delete_report, store_upload

    ingesting, app = machines["ingest"], machines["app1"]
    _run_ingest(ingesting)
    published = _published(ingesting)
    (app.kb_dir / f"{ADDED}.txt").write_text(NEW_REPORT, encoding="utf-8")  # only on this machine
    ensure_index(app, refresh=True)  # what `kb serve` does at start
    assert _published(app) == published
    assert _answer(app) == ("40822人次", 0)
    with pytest.raises(UploadError, match="报告由导入服务器统一管理"):
        store_upload(app, app.kb_dir / f"{ADDED}.txt", f"{ADDED}.txt", HashEmbedder())
    with pytest.raises(UploadError, match="报告由导入服务器统一管理"):
        delete_report(app, str(next(app.kb_dir.glob("*.txt"))), HashEmbedder())
    assert _published(app) == published


@pytest.fixture
def app_kb(machines: dict[str, Settings]) -> KnowledgeBase:
    """An app on its own machine, after the ingest machine published one version."""
    _run_ingest(machines["ingest"])
    return KnowledgeBase(machines["app1"], embedder=HashEmbedder())


def test_an_unreachable_database_leaves_the_loaded_version_answering(
    app_kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    kb = app_kb
    loaded = kb.snapshot.version

    def down() -> str | None:
        raise publication.PublicationError("数据库连接中断")

    monkeypatch.setattr(kb._published, "name", down)
    assert kb.ask(QUESTION).text.split("。")[0] == "40822人次" and kb.snapshot.version == loaded
    # Asked again only after a pause, not at every question (each would wait for the timeout).
    asked: list[int] = []
    monkeypatch.setattr(kb._published, "name", lambda: asked.append(1) or loaded)
    kb.ask(QUESTION)
    assert asked == []


def test_a_failed_ingest_releases_the_lock_at_once(tmp_path: Path, postgres_url: str) -> None:
    """In a long-lived process (the app, an eval) a failure inside the lock must not leave the
    session lock held on a pooled connection."""
    first = PostgresPublication(tmp_path / "one", postgres_url)
    with pytest.raises(KeyError), first.lock():
        raise KeyError("读取失败")
    with PostgresPublication(tmp_path / "two", postgres_url).lock():  # another machine's ingest
        pass


def test_a_version_that_cannot_be_downloaded_leaves_the_loaded_one_answering(
    app_kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    kb = app_kb
    loaded = kb.snapshot.version
    published = publication.of(kb.settings)
    assert published is kb._published

    def broken() -> Path | None:
        raise publication.PublicationError("索引版本已不完整")

    monkeypatch.setattr(published, "name", lambda: "v-newer")
    monkeypatch.setattr(published, "current", broken)
    assert kb.ask(QUESTION).text.split("。")[0] == "40822人次" and kb.snapshot.version == loaded
