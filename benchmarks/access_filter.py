"""What a reader's filter costs: query latency with and without the readable-reports filter on
a large index (admin.access; issue 23 asks p95 with the filter within 20% of without).

    .venv/bin/python -m benchmarks.access_filter --source .cache/eval/kb-reports-dev \\
        [--paragraphs 50000] [--readable 0.5] [--queries 70] [--out bench-out/access.json]

The index is synthesised from `--source` as phase 4 of benchmarks.bench does (perturbed copies
of its paragraphs and vectors; nothing is embedded), once, in `--work`. Each question is asked
twice through `KnowledgeBase.ask`, alternately without a filter and as a reader of a random
`--readable` share of the reports, so both see the same machine load. Questions: the
reports-dev questions in ../shared/eval-data (read at run time). Prints a Markdown table and
writes JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.synthesise import synthesise_index
from eval.metrics import percentile
from ingest import store
from ingest.config import PROJECT_ROOT, Settings
from ingest.embed import Embedder

QUESTIONS = PROJECT_ROOT.parent / "shared" / "eval-data" / "reports-dev" / "qa_dev.jsonl"


def questions(path: Path, limit: int) -> list[str]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [str(r["question"]) for r in rows][:limit]


def measure(
    index_dir: Path, asked: list[str], share: float, seed: int, embedder: Embedder | None = None
) -> dict[str, Any]:
    from rag.pipeline import KnowledgeBase

    kb = KnowledgeBase(Settings.from_env(index_dir=index_dir), embedder=embedder)
    docs = sorted(d.doc_id for d in kb.snapshot.documents)
    readable = frozenset(random.Random(seed).sample(docs, max(1, round(len(docs) * share))))
    kb.ask(asked[0])
    started = time.perf_counter()
    kb.view(readable)  # the reader's view is built once per index version, on first use
    view_ms = (time.perf_counter() - started) * 1000
    kb.ask(asked[0], readable=readable)
    times: dict[str, list[float]] = {"without": [], "with": []}
    for question in asked:
        for label, allowed in (("without", None), ("with", readable)):
            started = time.perf_counter()
            kb.ask(question, readable=allowed)
            times[label].append((time.perf_counter() - started) * 1000)
    out: dict[str, Any] = {
        "paragraphs": len(kb.snapshot.paragraphs),
        "documents": len(docs),
        "readable_documents": len(readable),
        "readable_paragraphs": len(kb.snapshot_for(readable).paragraphs),
        "questions": len(asked),
        "view_build_ms": view_ms,
    }
    for label, values in times.items():
        out[f"p50_ms_{label}"] = percentile(values, 50)
        out[f"p95_ms_{label}"] = percentile(values, 95)
    out["p95_ratio"] = out["p95_ms_with"] / out["p95_ms_without"]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, required=True, help="a real index to synthesise from")
    parser.add_argument("--paragraphs", type=int, default=50_000)
    parser.add_argument("--readable", type=float, default=0.5, help="share of reports the reader may read")
    parser.add_argument("--queries", type=int, default=70)
    parser.add_argument("--work", type=Path, default=Path("bench-out/access-index"))
    parser.add_argument("--out", type=Path, default=Path("bench-out/access.json"))
    parser.add_argument("--seed", type=int, default=23)
    args = parser.parse_args(argv)
    if store.current_version(args.work) is None:
        made = synthesise_index(args.source, args.work, args.paragraphs)
        built = f"synthesised {made['paragraphs']} paragraphs in {made['build_seconds']:.0f} s"
        print(built, file=sys.stderr)
    load = os.getloadavg()[0]
    result = measure(args.work, questions(QUESTIONS, args.queries), args.readable, args.seed)
    result["load_average_start"], result["load_average_end"] = load, os.getloadavg()[0]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    heads = ("index", "questions", "p50 without", "p50 with", "p95 without", "p95 with", "p95 ratio", "view")
    print("| " + " | ".join(heads) + " |")
    print("|---|---|---|---|---|---|---|---|")
    print(
        f"| {result['paragraphs']} paragraphs, reader of {result['readable_documents']}/{result['documents']}"
        f" reports ({result['readable_paragraphs']} paragraphs) | {result['questions']}"
        f" | {result['p50_ms_without']:.0f} ms | {result['p50_ms_with']:.0f} ms"
        f" | {result['p95_ms_without']:.0f} ms | {result['p95_ms_with']:.0f} ms | {result['p95_ratio']:.2f}"
        f" | {result['view_build_ms']:.0f} ms |"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
