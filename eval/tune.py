"""Tune the fusion parameters on the dev sets (retrieval only, rankings computed once).

    python -m eval.tune [--sets rgb_zh rgb_zh_int cmrc2018]

Prints paragraph hit@1 / hit@5 for BM25 alone, dense alone and a grid of fusion settings, per
set and on average; the chosen defaults live in `rag.evidence.retrieve.RetrievalConfig`.
"""

from __future__ import annotations

import argparse
import itertools
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from tqdm import tqdm

from eval.metrics import hit_at, mean
from eval.run import QAItem, index_for, load_qa, open_kb
from ingest.bm25 import BM25Index
from ingest.index_backend import FaissChunkIndex
from ingest.terms import bigrams, terms, words
from rag.evidence.retrieve import HybridRetriever, fuse_rankings


@dataclass
class Rankings:
    item: QAItem
    bm25: list[tuple[int, float]]
    dense: list[tuple[int, float]]


def collect(retriever: HybridRetriever, items: list[QAItem], candidates: int) -> list[Rankings]:
    out = []
    for item in tqdm(items, unit="题"):
        vector = retriever.embedder.embed_query(item.question)
        out.append(
            Rankings(
                item,
                retriever.bm25_ranking(item.question, candidates),
                retriever.dense_ranking(vector, candidates),
            )
        )
    return out


def fuse(r: Rankings, chunk_para: list[str], k: int, wb: float, wd: float) -> list[str]:
    """Paragraphs ranked as HybridRetriever.retrieve ranks them, from cached rankings."""
    best: dict[str, float] = {}
    for row, value in fuse_rankings([(wb, r.bm25), (wd, r.dense)], k).items():
        pid = chunk_para[row]
        best[pid] = max(best.get(pid, 0.0), value)
    return sorted(best, key=lambda p: -best[p])


def score(
    rankings: list[Rankings], chunk_para: list[str], k: int, wb: float, wd: float
) -> tuple[float, float]:
    h1, h5 = [], []
    for r in rankings:
        ranked = fuse(r, chunk_para, k, wb, wd)
        h1.append(hit_at(ranked, set(r.item.gold), 1))
        h5.append(hit_at(ranked, set(r.item.gold), 5))
    return mean(h1), mean(h5)


TERM_VARIANTS: dict[str, Callable[[str], list[str]]] = {"both": terms, "words": words, "bigrams": bigrams}


def with_terms(retriever: HybridRetriever, term_fn: Callable[[str], list[str]]) -> HybridRetriever:
    """The same retriever with BM25 rebuilt in memory over other terms (index and query)."""
    snap = retriever.snapshot
    if not isinstance(snap.index, FaissChunkIndex):
        raise ValueError("--bm25-terms 只适用于 FAISS 索引（KB_STORE=faiss）")
    bm25 = BM25Index.from_token_lists([term_fn(c.embed_text) for c in snap.chunks])
    index = FaissChunkIndex(snap.index.vectors, snap.chunks, bm25, term_fn)
    return HybridRetriever(replace(snap, bm25=bm25, index=index), retriever.embedder, retriever.config)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.tune")
    parser.add_argument("--data", type=Path, default=Path("../shared/eval-data"))
    parser.add_argument("--sets", nargs="+", default=["rgb_zh", "rgb_zh_int", "cmrc2018"])
    parser.add_argument("--candidates", type=int, default=50)
    parser.add_argument(
        "--bm25-terms",
        choices=sorted(TERM_VARIANTS),
        default="both",
        help="rebuild the keyword index in memory with these terms (the product uses both)",
    )
    args = parser.parse_args(argv)
    grid = list(itertools.product([5, 10, 30, 60], [1.0], [0.0, 0.5, 0.75, 1.0, 1.5, 2.0]))
    grid.append((60, 0.0, 1.0))
    table: dict[tuple[int, float, float], list[tuple[float, float]]] = {g: [] for g in grid}
    for name in args.sets:
        corpus = args.data / name / "corpus.jsonl"
        kb = open_kb(corpus, None, index_for(corpus, None), progress=True)
        retriever, _ = kb.current()
        if args.bm25_terms != "both":
            retriever = with_terms(retriever, TERM_VARIANTS[args.bm25_terms])
        chunk_para = [c.paragraph_id for c in retriever.snapshot.chunks]
        rankings = collect(retriever, load_qa(args.data / name / "qa_dev.jsonl"), args.candidates)
        for g in grid:
            table[g].append(score(rankings, chunk_para, *g))
    print("| rrf_k | bm25 w | dense w | " + " | ".join(f"{s} h@1 / h@5" for s in args.sets) + " | mean h@1 |")
    for g, rows in sorted(table.items(), key=lambda kv: -mean([r[0] for r in kv[1]])):
        cells = " | ".join(f"{h1:.3f} / {h5:.3f}" for h1, h5 in rows)
        print(f"| {g[0]} | {g[1]} | {g[2]} | {cells} | {mean([r[0] for r in rows]):.3f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
