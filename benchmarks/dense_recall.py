"""How much of the exact dense top-k a large index's inverted-file search finds (ingest.vectors).

    .venv/bin/python -m benchmarks.dense_recall --index bench-out/scale/1000000 [--questions 100]
        [--nprobe 128] [--refine 4] [--k 50]

The exact top-k of each question comes from every stored vector (the row file, read in blocks);
the index's own search (`Vectors.search`, with `--nprobe` lists visited and `--refine` candidates
per result re-ranked) is compared with it: recall@k and recall@10, and its latency. Questions:
the dev questions of ../shared/eval-data, evenly spread.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from benchmarks.scale import dev_questions
from eval.metrics import percentile
from ingest import store, vectors
from ingest.embed import make_embedder

_BLOCK = 200_000  # stored vectors compared at once


def exact_top(dense: vectors.Vectors, rowids: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    """Per query, the rowids of its `k` nearest stored vectors, best first."""
    best = np.full((len(queries), k), -np.inf, dtype=np.float32)
    ids = np.zeros((len(queries), k), dtype=np.int64)
    for at in range(0, len(rowids), _BLOCK):
        part = rowids[at : at + _BLOCK]
        scores = queries @ dense.rows.read(part).T
        every = np.concatenate([best, scores], axis=1)
        every_ids = np.concatenate([ids, np.broadcast_to(part, scores.shape)], axis=1)
        top = np.argpartition(-every, k - 1, axis=1)[:, :k]
        best, ids = np.take_along_axis(every, top, 1), np.take_along_axis(every_ids, top, 1)
    order = np.argsort(-best, axis=1)
    return np.take_along_axis(ids, order, 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--nprobe", type=int, default=vectors.NPROBE)
    parser.add_argument("--refine", type=int, default=vectors.REFINE)
    parser.add_argument("--k", type=int, default=50)
    args = parser.parse_args(argv)
    vectors.NPROBE, vectors.REFINE = args.nprobe, args.refine
    version = store.require_current(args.index)
    with store.catalog(version) as con:
        dense = vectors.open_vectors(version, con)
        embedder = store.get_meta(con)["embedder"]
        found = con.execute("SELECT rowid FROM chunks ORDER BY rowid")
        rowids = np.fromiter((r for (r,) in found), np.int64)
    every = dev_questions(10_000)
    asked = list(dict.fromkeys(every))[:: max(1, len(set(every)) // args.questions)][: args.questions]
    model = make_embedder(embedder)
    queries = np.vstack([model.embed_query(q) for q in asked]).astype(np.float32)
    exact = exact_top(dense, rowids, queries, args.k)
    recall, recall10, latency = [], [], []
    for query, expected in zip(queries, exact, strict=True):
        started = time.perf_counter()
        got = [rowid for rowid, _score in dense.search(query, args.k)]
        latency.append((time.perf_counter() - started) * 1000)
        recall.append(len(set(got) & set(expected.tolist())) / args.k)
        recall10.append(len(set(got[:10]) & set(expected[:10].tolist())) / 10)
    print(
        f"{dense.count:,} vectors ({'IVF' if dense.ivf else 'exact'}), nprobe {args.nprobe}, refine"
        f" {args.refine}, {len(asked)} questions: recall@{args.k} {np.mean(recall):.3f}, recall@10"
        f" {np.mean(recall10):.3f}; search p50 {percentile(latency, 50):.1f} ms,"
        f" p95 {percentile(latency, 95):.1f} ms"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
