"""A knowledge base of a province's size: build, open, memory and query latency at N paragraphs.

    .venv/bin/python -m benchmarks.scale --source .cache/eval/kb-reports-dev \\
        --paragraphs 50000 --paragraphs 1000000 [--questions 1000] [--work bench-out/scale] \\
        [--out bench-out/scale.json]

For each size, the index is synthesised from `--source` as benchmarks.bench's phase 4 does
(perturbed copies of its paragraphs with their vectors plus noise; nothing embedded), once, in
`--work/<size>` (an index already there is reused; its build figures are then those recorded
beside it). Then, each in a fresh interpreter so that its memory is its own:

1. the app's view: the embedder's model and the libraries loaded and one question embedded
   (RSS "before"), the index opened as `kb serve` opens it (`KnowledgeBase`: seconds, RSS), then
   `--questions` questions through `KnowledgeBase.ask` (p50/p95/max latency, RSS after; RssAnon
   and RssFile apart: file pages are the catalog's and the libraries' mapped files);
2. adding one report: one text report of the source's knowledge base, renamed and with one line
   added (else it is a duplicate of its copy in the index), through `ingest` with
   the real embedder (seconds, peak RSS), twice: the first also fills the vector cache from the
   version's stored vectors, as the first ingest into an index built elsewhere does.

Questions: the dev questions of ../shared/eval-data (read at run time), cycled to `--questions`.
Prints a Markdown table and writes JSON; the load average is recorded beside the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from benchmarks.latency import time_questions
from benchmarks.measure import disk_mb, peak_rss_mb
from eval.metrics import percentile
from ingest import store
from ingest.config import PROJECT_ROOT, Settings

EVAL_DATA = PROJECT_ROOT.parent / "shared" / "eval-data"
BUILD_FILE = "build.json"  # the synthesis figures, kept beside a synthesised index


def dev_questions(limit: int) -> list[str]:
    """`limit` questions: the distinct dev questions of every set, cycled."""
    found: list[str] = []
    for path in sorted(EVAL_DATA.glob("*/qa_dev.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                found.append(str(json.loads(line)["question"]))
    distinct = list(dict.fromkeys(found))
    if not distinct:
        raise ValueError(f"no questions under {EVAL_DATA}")
    return [distinct[i % len(distinct)] for i in range(limit)]


def memory_mb() -> dict[str, float]:
    """This process's resident memory now: all of it, anonymous and file-backed pages."""
    wanted = {"VmRSS": "rss_mb", "RssAnon": "rss_anon_mb", "RssFile": "rss_file_mb"}
    out: dict[str, float] = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _sep, value = line.partition(":")
        if key in wanted:
            out[wanted[key]] = int(value.split()[0]) / 1024
    return out


def phase_build(source: Path, index_dir: Path, paragraphs: int) -> dict[str, Any]:
    from benchmarks.synthesise import synthesise_index

    return {**synthesise_index(source, index_dir, paragraphs), "peak_rss_mb": peak_rss_mb()}


def phase_app(index_dir: Path, questions: Sequence[str], embedder_name: str) -> dict[str, Any]:
    import llama_index.vector_stores.faiss  # noqa: F401  (libraries load before the clock, as in bench)

    from ingest.embed import make_embedder
    from rag.pipeline import KnowledgeBase

    embedder = make_embedder(embedder_name)
    embedder.embed_query(questions[0])  # the model loaded, as an app has it before any index
    before = memory_mb()
    started = time.perf_counter()
    kb = KnowledgeBase(Settings.from_env(index_dir=index_dir, embedder=embedder_name), embedder=embedder)
    open_seconds = time.perf_counter() - started
    opened = memory_mb()
    latencies, answered = time_questions(kb, questions)
    after = memory_mb()
    paragraphs = len(kb.snapshot.paragraphs)
    return {
        "paragraphs": paragraphs,
        "chunks": len(kb.snapshot.chunks),
        "open_seconds": open_seconds,
        "before": before,
        "opened": opened,
        "after": after,
        "index_bytes_per_paragraph": (after["rss_mb"] - before["rss_mb"]) * 2**20 / max(1, paragraphs),
        "questions": len(latencies),
        "p50_ms": percentile(latencies, 50),
        "p95_ms": percentile(latencies, 95),
        "max_ms": max(latencies),
        "answered_share": answered / len(latencies),
        "peak_rss_mb": peak_rss_mb(),
    }


def phase_add(index_dir: Path, report: Path, name: str, embedder_name: str) -> dict[str, Any]:
    from ingest.build import ingest
    from ingest.embed import make_embedder

    with tempfile.TemporaryDirectory() as folder:
        kb_dir = Path(folder)
        # A new report, not a copy of one already indexed (that is found a duplicate).
        text = report.read_text(encoding="utf-8") + f"\n\n（基准测试新增的报告：{name}）\n"
        (kb_dir / name).write_text(text, encoding="utf-8")
        settings = Settings.from_env(kb_dir=kb_dir, index_dir=index_dir, embedder=embedder_name)
        started = time.perf_counter()
        result = ingest(settings, embedder=make_embedder(embedder_name), progress=False)
        seconds = time.perf_counter() - started
    if result.failed or len(result.added) != 1:
        raise RuntimeError(f"adding {report} failed: {result.failed}")
    return {"seconds": seconds, "embedded": result.embedded, "peak_rss_mb": peak_rss_mb()}


def isolated(phase: Any, **kwargs: Any) -> dict[str, Any]:
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        result: dict[str, Any] = pool.submit(phase, **kwargs).result()
        return result


def measure(source: Path, paragraphs: int, work: Path, questions: Sequence[str]) -> dict[str, Any]:
    index_dir = work / str(paragraphs)
    record = index_dir / BUILD_FILE
    if store.current_version(index_dir) is None:
        shutil.rmtree(index_dir, ignore_errors=True)
        built = isolated(phase_build, source=source, index_dir=index_dir, paragraphs=paragraphs)
        record.write_text(json.dumps(built, ensure_ascii=False, indent=1), encoding="utf-8")
    built = json.loads(record.read_text(encoding="utf-8"))
    with store.catalog(store.require_current(source)) as con:
        embedder_name = store.get_meta(con)["embedder"]
        report = Path(
            max((d for d in store.documents(con) if d.path.endswith(".txt")), key=lambda d: d.path).path
        )
    app = isolated(phase_app, index_dir=index_dir, questions=questions, embedder_name=embedder_name)
    added = [
        isolated(
            phase_add,
            index_dir=index_dir,
            report=report,
            name=f"新增{time.strftime('%Y%m%d%H%M%S')}-{n}.txt",  # new on every run
            embedder_name=embedder_name,
        )
        for n in (1, 2)
    ]
    return {
        "paragraphs": paragraphs,
        "build": built,
        "app": app,
        "add_first": added[0],
        "add_next": added[1],
        "index_mb": disk_mb(store.require_current(index_dir)),
    }


def _mb(value: float | None) -> str:
    return "not recorded" if value is None else f"{value:,.0f} MB"


def render(results: Sequence[dict[str, Any]], loads: tuple[float, float]) -> str:
    lines = [
        "| paragraphs (chunks) | build | open | RSS: model + libraries / opened / after questions"
        " (anon + file) | memory per paragraph | p50 / p95 / max | adding one report (first / next) |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        b, a = r["build"], r["app"]
        after = a["after"]
        lines.append(
            f"| {r['paragraphs']:,} ({a['chunks']:,})"
            f" | {b['build_seconds']:.0f} s, peak {_mb(b.get('peak_rss_mb'))}"
            f", {r['index_mb']:,.0f} MB on disk"
            f" | {a['open_seconds']:.1f} s"
            f" | {a['before']['rss_mb']:,.0f} / {a['opened']['rss_mb']:,.0f} / {after['rss_mb']:,.0f} MB"
            f" ({after['rss_anon_mb']:,.0f} + {after['rss_file_mb']:,.0f})"
            f" | {a['index_bytes_per_paragraph']:,.0f} B"
            f" | {a['p50_ms']:.0f} / {a['p95_ms']:.0f} / {a['max_ms']:.0f} ms ({a['questions']} questions)"
            f" | {r['add_first']['seconds']:.0f} s / {r['add_next']['seconds']:.0f} s"
            f" (peak {r['add_next']['peak_rss_mb']:,.0f} MB) |"
        )
    lines.append(f"\nload average {loads[0]:.2f} at start, {loads[1]:.2f} at end")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, required=True, help="a real index to synthesise from")
    parser.add_argument("--paragraphs", type=int, action="append", help="sizes (repeatable)")
    parser.add_argument("--questions", type=int, default=1000)
    parser.add_argument("--work", type=Path, default=Path("bench-out/scale"))
    parser.add_argument("--out", type=Path, default=Path("bench-out/scale.json"))
    args = parser.parse_args(argv)
    sizes = args.paragraphs or [50_000]
    questions = dev_questions(args.questions)
    start_load = os.getloadavg()[0]
    results = [measure(args.source, n, args.work, questions) for n in sizes]
    loads = (start_load, os.getloadavg()[0])
    report(args.out, {"results": results, "load": loads}, render(results, loads))
    return 0


def report(out: Path, figures: dict[str, Any], table: str) -> None:
    """The figures as JSON in `out`, the table on standard output."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, ensure_ascii=False, indent=1))
    sys.stdout.write(table + "\n")


if __name__ == "__main__":
    raise SystemExit(main())
