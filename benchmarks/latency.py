"""Phase 4: query latency (p50 / p95) through `KnowledgeBase.ask` on one index."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from benchmarks.measure import disk_mb
from eval.metrics import percentile
from ingest import store
from ingest.config import Settings
from ingest.embed import Embedder

if TYPE_CHECKING:
    from rag.pipeline import KnowledgeBase


def time_questions(kb: KnowledgeBase, questions: Sequence[str]) -> tuple[list[float], int]:
    """Each question once through `kb.ask`: its latency in ms, and how many were answered."""
    latencies: list[float] = []
    answered = 0
    for question in questions:
        started = time.perf_counter()
        answer = kb.ask(question)
        latencies.append((time.perf_counter() - started) * 1000)
        answered += not answer.refused
    return latencies, answered


def phase_latency(embedder: Embedder, index_dir: Path, questions: Sequence[str]) -> dict[str, Any]:
    """Each question once through `KnowledgeBase.ask` (the path of `kb ask`), after one
    warm-up question (the model and jieba's dictionary load on first use)."""
    from rag.pipeline import KnowledgeBase

    if not questions:
        raise ValueError("no questions to ask")
    settings = Settings.from_env(index_dir=index_dir, embedder=embedder.name)
    started = time.perf_counter()
    kb = KnowledgeBase(settings, embedder=embedder)
    open_seconds = time.perf_counter() - started
    kb.ask(questions[0])
    latencies, answered = time_questions(kb, questions)
    status = kb.status()
    return {
        "paragraphs": status.paragraphs,
        "chunks": len(kb.snapshot.chunks),
        "questions": len(latencies),
        "open_seconds": open_seconds,
        "p50_ms": percentile(latencies, 50),
        "p95_ms": percentile(latencies, 95),
        "mean_ms": float(np.mean(latencies)),
        "max_ms": max(latencies),
        "answered_share": answered / len(latencies),
        "index_mb": disk_mb(store.require_current(index_dir)),
    }
