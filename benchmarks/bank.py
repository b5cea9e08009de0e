"""How long the study question bank takes to generate (a script, not a test).

    .venv/bin/python -m benchmarks.bank [--corpus FILE.jsonl ...]

Without --corpus: the sample report in kb/. With passage files (JSON lines with id, title,
text, as in ../shared/eval-data/*/corpus.jsonl): each file's passages as one report's
paragraphs. Prints paragraphs, questions and seconds per corpus.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from ingest.config import PROJECT_ROOT
from ingest.loaders import load_document
from ingest.records import Paragraph
from ingest.segment import doc_id_for, segment
from study.bank import generate


def sample_paragraphs() -> list[Paragraph]:
    path = next((PROJECT_ROOT / "kb").glob("*.txt"))
    return segment(load_document(path), doc_id_for(path.name), path.stem)


def corpus_paragraphs(path: Path) -> list[Paragraph]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [
        Paragraph(r["id"], path.stem, r.get("title", ""), i, r["text"], (r.get("title", ""),))
        for i, r in enumerate(rows, start=1)
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time the study question bank")
    parser.add_argument("--corpus", type=Path, nargs="*", default=[])
    args = parser.parse_args(argv)
    corpora = [("kb/ (sample report)", sample_paragraphs())]
    corpora += [(str(p), corpus_paragraphs(p)) for p in args.corpus]
    print("| corpus | paragraphs | questions | seconds |\n|---|---|---|---|")
    for name, paragraphs in corpora:
        started = time.perf_counter()
        questions = generate(paragraphs)
        print(f"| {name} | {len(paragraphs)} | {len(questions)} | {time.perf_counter() - started:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
