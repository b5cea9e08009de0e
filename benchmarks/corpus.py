"""The benchmark's corpus and questions: a sample of a passage .jsonl (or a knowledge-base
folder), its QA file, or questions derived from the indexed paragraphs."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.config import QA_FILE, BenchConfig
from ingest import store
from ingest.records import Paragraph


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def sample_passages(rows: Sequence[dict[str, Any]], limit: int, gold: set[str]) -> list[dict[str, Any]]:
    """`limit` passages in file order, the questions' gold passages first: every question then
    has its answer in the index, so latency is that of answering, not of refusing."""
    first = [r for r in rows if r["id"] in gold][:limit]
    rest = [r for r in rows if r["id"] not in gold][: limit - len(first)]
    chosen = {r["id"] for r in first + rest}
    return [r for r in rows if r["id"] in chosen]


def prepare_corpus(cfg: BenchConfig, work: Path, gold: set[str]) -> Path:
    """The folder to ingest: --kb-dir as it is, or a sample of --corpus written to a temp
    folder (so the corpus size is controlled by --limit)."""
    if cfg.kb_dir is not None:
        return cfg.kb_dir
    assert cfg.corpus is not None
    folder = work / "corpus"
    folder.mkdir(parents=True, exist_ok=True)
    rows = sample_passages(read_jsonl(cfg.corpus), cfg.limit, gold)
    with open(folder / "corpus.jsonl", "w", encoding="utf-8") as fh:
        fh.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    return folder


def qa_path(cfg: BenchConfig) -> Path | None:
    if cfg.qa is not None:
        return cfg.qa
    if cfg.corpus is not None and cfg.kb_dir is None and (cfg.corpus.parent / QA_FILE).exists():
        return cfg.corpus.parent / QA_FILE
    return None


def derived_questions(paragraphs: Sequence[Paragraph], n: int) -> list[str]:
    """Without a QA file (a kb/ folder), ask for the first clause of evenly spaced paragraphs."""
    step = max(1, len(paragraphs) // max(n, 1))
    clauses = [re.split(r"[，。；！？,;!?]", p.text, maxsplit=1)[0][:30] for p in paragraphs[::step]]
    return [c for c in clauses if c.strip()][:n]


def read_paragraphs(index_dir: Path) -> list[Paragraph]:
    with store.catalog(store.require_current(index_dir)) as con:
        return list(store.load_paragraphs(con).values())
