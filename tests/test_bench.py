"""Smoke test of the benchmark script: every phase on a tiny corpus with the fake embedder."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from benchmarks.bench import run_benchmark
from benchmarks.config import BenchConfig
from benchmarks.report import render_markdown, write_results
from benchmarks.runner import InProcess
from benchmarks.synthesise import perturb_text
from ingest.config import Settings
from rag.evidence.retrieve import Snapshot
from tests.conftest import SAMPLE
from tests.fakes import HashEmbedder, indexed_reports


def _write_jsonl(path: Path, rows: Sequence[Mapping[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def _tiny_corpus(tmp_path: Path) -> tuple[Path, Path]:
    """25 passages of the sample report and 3 questions, one about the 25th passage."""
    lines = [s.strip() for s in SAMPLE.read_text(encoding="utf-8").splitlines() if len(s.strip()) > 30]
    passages = [{"id": f"p{i}", "title": "綦江组工答卷", "text": t} for i, t in enumerate(lines[:25])]
    questions = [
        {"id": f"q{i}", "question": lines[i][:15] + "?", "gold_passage_ids": [f"p{i}"]} for i in (3, 10, 24)
    ]
    return _write_jsonl(tmp_path / "corpus.jsonl", passages), _write_jsonl(tmp_path / "qa.jsonl", questions)


def test_bench_synthesises_large_indexes_and_measures_latency(tmp_path: Path) -> None:
    corpus, qa = _tiny_corpus(tmp_path)
    cfg = BenchConfig(corpus=corpus, qa=qa, limit=20, small=50, large=200, queries=3)
    work = tmp_path / "work"
    native = HashEmbedder()
    native.name = "fake-native"
    runner = InProcess(HashEmbedder(), others={"fake-native": native})
    cfg = replace(cfg, native="fake-native", llamaindex_embedder="fake-native")
    results = run_benchmark(cfg, runner, work, command="bench --limit 20")

    ours = results["ingest"]["ours"]
    assert (ours["paragraphs"], ours["chunks"]) == (20, 20)
    assert ours["cold_paragraphs_per_s"] > 0 and ours["reingest_embedded"] == 0
    assert ours["embedder"] == "fake-hash" and ours["cpu_seconds_per_paragraph"] > 0
    other = results["ingest"]["native"]
    assert other["embedder"] == "fake-native" and other["paragraphs"] == 20 and other["embedded"] == 20
    assert Snapshot.load(work / "index-native").meta["embedder"] == "fake-native"  # really used
    assert results["ingest"]["ratio_ours_over_native"] > 0
    llama = results["ingest"]["llamaindex"]
    assert llama["paragraphs"] == 20 and llama["nodes"] >= 20 and llama["embedder"] == "fake-native"
    limit = results["matmul_limit"]
    # The fake has no tokenizer: characters + 2 tokens; e5-small's shapes; float32.
    assert limit["shapes"] == {"hidden": 384, "layers": 12, "heads": 12, "intermediate": 1536}
    assert limit["dtype"] == "float32" and limit["chunks"] == 20 and limit["paragraphs"] == 20
    assert limit["linear_gflops"] > 1 and limit["seconds"] > 0
    assert limit["limit_paragraphs_per_s"] == 20 / limit["seconds"]
    assert limit["ours_share"] == ours["cold_paragraphs_per_s"] / limit["limit_paragraphs_per_s"]
    assert results["ingest"]["ratio_ours_over_llamaindex"] > 0

    large = results["synthesised"]["large"]
    assert (large["paragraphs"], large["chunks"], large["copies"]) == (200, 200, 10)
    assert 0.8 < large["mean_cosine_to_source"] < 1.0
    snap = Snapshot.load(work / "index-large")
    assert len(snap.paragraphs) == 200 and snap.index.vectors.count == 200
    assert snap.meta["embedder"] == "fake-hash"
    # The gold passage p24 made it into the 20 sampled passages; copies keep length, change text.
    original, copy = snap.paragraphs["p24"], snap.paragraphs["p24~3"]
    assert len(copy.text) == len(original.text) and copy.text != original.text
    assert copy.heading_path[0] == "副本3"

    for label, size in (("real", 20), ("small", 50), ("large", 200)):
        latency = results["latency"][label]
        assert latency["paragraphs"] == size and latency["questions"] == 3
        assert 0 < latency["p50_ms"] <= latency["p95_ms"] and latency["peak_rss_mb"] > 0

    out = tmp_path / "out" / "results.json"
    write_results(results, out)
    saved = json.loads(out.read_text(encoding="utf-8"))
    keys = {
        "command",
        "code",
        "machine",
        "config",
        "corpus",
        "ingest",
        "matmul_limit",
        "synthesised",
        "latency",
    }
    assert keys <= saved.keys()
    table = render_markdown(saved)
    assert "Command: `bench --limit 20`" in table and "200 paragraphs (large)" in table
    assert "matmul-bound limit (float32" in table and "ours / ours with fake-native" in table


def test_perturbed_text_keeps_length_and_punctuation() -> None:
    rng = np.random.default_rng(0)
    digits = {ord(str(d)): str((d + 1) % 10) for d in range(10)}
    text = "2021年，培训党员干部3000人次。"
    out = perturb_text(text, rng, "甲", digits, rate=1.0)
    assert out == "3132甲，甲甲甲甲甲甲4111甲甲。"


def test_the_access_filter_benchmark_asks_each_question_with_and_without(tmp_path: Path) -> None:
    from benchmarks.access_filter import measure

    reports = {
        f"{2020 + i}年甲区工作总结.txt": f"{2020 + i}年甲区工作总结\n全年新建党群服务中心{i + 3}个。\n"
        for i in range(4)
    }
    settings = indexed_reports(tmp_path, reports)
    result = measure(settings.index_dir, ["新建党群服务中心多少个？"] * 3, 0.5, 7, HashEmbedder())
    assert (result["documents"], result["readable_documents"], result["questions"]) == (4, 2, 3)
    assert result["readable_paragraphs"] < result["paragraphs"]
    assert result["p95_ms_with"] > 0 and result["p95_ms_without"] > 0
    assert result["p95_ratio"] == result["p95_ms_with"] / result["p95_ms_without"]


def test_the_publication_benchmark_moves_less_for_a_version_adding_one_report(
    kb_settings: Settings, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from benchmarks.publication import measure
    from ingest.build import blocks, ingest

    monkeypatch.setattr(blocks, "BLOCK_BYTES", 4096)  # the sample's catalog is smaller than a block

    ingest(kb_settings, embedder=HashEmbedder(), progress=False)
    (kb_settings.kb_dir / "新报告.txt").write_text("全区新建党群服务中心3个。\n", encoding="utf-8")
    ingest(kb_settings, embedder=HashEmbedder(), progress=False)
    first, second = measure(kb_settings.index_dir, postgres_url)
    # The first version: every distinct block (equal blocks within the file travel once).
    assert 0.8 * first["catalog_mb"] < first["sent_mb"] == first["fetched_mb"] <= first["catalog_mb"]
    assert 0 < second["sent_mb"] == second["fetched_mb"] < 0.5 * second["catalog_mb"]


def test_the_milvus_benchmark_copies_text_reports_each_one_unique_until_the_size(
    kb_settings: Settings, tmp_path: Path
) -> None:
    """Its knowledge base is real files the product ingests: copies of the source's text
    reports, each with a line added so that none is a duplicate, until the paragraphs asked."""
    from benchmarks.scale_milvus import copies
    from ingest.build import ingest

    ingest(kb_settings, embedder=HashEmbedder(), progress=False)
    held = len(Snapshot.load(kb_settings.index_dir).paragraphs)
    folder = tmp_path / "copies"
    files = copies(kb_settings.index_dir, folder, 2 * held + 5)
    written = sorted(folder.iterdir())
    assert files == 3 == len(written)  # two copies hold 2 * (held + 1): a third is needed
    texts = [p.read_text(encoding="utf-8") for p in written]
    assert len(set(texts)) == 3 and all(t.startswith(SAMPLE.read_text(encoding="utf-8")) for t in texts)
    assert {p.name for p in written} == {f"{SAMPLE.stem}（副本{n}）.txt" for n in range(3)}
