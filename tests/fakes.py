"""Test doubles shared by the test modules."""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np


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
