"""The two chunk searches of one version in Milvus (`ingest.index_backend.ChunkIndex`): dense and
keyword top-k, restricted to the version's rows and a `SearchFilter` inside the search.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ingest import store
from ingest.config import Settings
from ingest.milvus.collection import INSERT_BATCH, collection_problem, keyword_text
from ingest.milvus.connection import Address, Milvus
from ingest.milvus.rows import VersionRows, list_literal, row_id
from ingest.paragraph_store import scoped
from ingest.records import Paragraph
from ingest.search_types import IndexBackendError, Restriction, Scored, SearchFilter

# A filter lists at most this many paragraph ids (allowed ones, or the other ones in the allowed
# documents when fewer); a larger restriction over-fetches and filters the results here instead.
# Milvus Lite took 15-20 ms per search at 5,000 ids over 10,000 chunks (6-9 ms at 100); fetching
# 1,000 results instead of 50 took 31-43 ms.
MAX_FILTER_IDS = 5000
MAX_FETCH = 16384  # Milvus's largest top-k


@dataclass(frozen=True)
class MilvusFilter:
    """A Milvus restriction: a filter expression, and the paragraphs to keep when the allowed set
    is too large to list and the results are filtered here (`keep` None: the expression is exact)."""

    expression: str
    empty: bool = False
    keep: frozenset[str] | None = None


class MilvusChunkIndex:
    """The searches of one version over its rows of the collection."""

    def __init__(self, milvus: Milvus, rows: VersionRows, paragraphs: Mapping[str, Paragraph]) -> None:
        self.milvus = milvus
        self.rows = rows
        self._paragraphs = paragraphs
        self._by_doc: dict[str, list[str]] = {}
        for p in scoped(paragraphs):  # ids and documents only: no paragraph is read
            self._by_doc.setdefault(p.doc_id, []).append(p.paragraph_id)

    @classmethod
    def open(
        cls, version: Path, meta: dict[str, str], paragraphs: Mapping[str, Paragraph], settings: Settings
    ) -> MilvusChunkIndex:
        with store.catalog(version) as con:
            rows = VersionRows.read(con, meta)
        milvus = Milvus(Address.of(settings))
        problem = collection_problem(milvus, rows.collection, int(meta.get("dim", "0")))
        if problem:
            raise IndexBackendError(
                f"{problem}（{milvus.address.shown}）：索引与 Milvus 中的数据不一致，可能集合被删除，"
                "或 KB_MILVUS_URI 指向了另一处。请运行 kb ingest 重新建立（文本的向量取自缓存，"
                "不必重新向量化）。"
            )
        # Milvus Lite opens a file's collections released; a server keeps them loaded (no-op).
        milvus.call("load_collection", rows.collection)
        return cls(milvus, rows, paragraphs)

    def restrict(self, where: SearchFilter) -> MilvusFilter | None:
        if not where.restricts:
            return None
        parts = [self.rows.expression]
        docs = sorted(where.documents) if where.documents is not None else None
        if docs is not None:
            if not docs:
                return MilvusFilter("", empty=True)
            parts.append(f"doc_id in {list_literal(docs)}")
        if where.paragraphs is None:
            if where.exclude:
                parts.append(f"paragraph_id not in {list_literal(where.exclude)}")
            return MilvusFilter(" and ".join(parts))
        universe = [p for d in (docs if docs is not None else self._by_doc) for p in self._by_doc.get(d, [])]
        allowed = where.paragraphs - where.exclude
        others = [p for p in universe if p not in allowed]
        keep = allowed & set(universe)
        if not keep:
            return MilvusFilter("", empty=True)
        if len(keep) <= min(len(others), MAX_FILTER_IDS):
            return MilvusFilter(" and ".join([*parts, f"paragraph_id in {list_literal(keep)}"]))
        if len(others) <= MAX_FILTER_IDS:
            clause = [f"paragraph_id not in {list_literal(others)}"] if others else []
            return MilvusFilter(" and ".join(parts + clause))
        return MilvusFilter(" and ".join(parts), keep=frozenset(keep))

    def search_dense(self, vector: np.ndarray, k: int, allowed: Restriction | None) -> Scored:
        data = [np.asarray(vector, dtype=np.float32).tolist()]
        return self._search(data, "dense", {"metric_type": "IP"}, k, allowed)

    def search_keywords(self, text: str, k: int, allowed: Restriction | None) -> Scored:
        query = keyword_text(text)
        if not query.strip():
            return []
        return self._search([query], "sparse", {"metric_type": "BM25"}, k, allowed)

    def _search(
        self, data: list[Any], field: str, params: dict[str, Any], k: int, allowed: Restriction | None
    ) -> Scored:
        where = _milvus_filter(allowed) if allowed is not None else MilvusFilter(self.rows.expression)
        if where.empty or k <= 0:
            return []
        limit = k if where.keep is None else min(MAX_FETCH, 4 * k)
        while True:
            hits = self.milvus.call(
                "search",
                self.rows.collection,
                data=data,
                anns_field=field,
                limit=limit,
                filter=where.expression,
                output_fields=["chunk_id", "paragraph_id"],
                search_params=params,
            )[0]
            # Milvus Lite reports BM25 as a negative distance, a server as a positive score (both
            # list the best first); an inner product is the cosine in both, and may be negative.
            sign = -1.0 if field == "sparse" and hits and float(hits[0]["distance"]) < 0 else 1.0
            found = [
                (h["entity"]["chunk_id"], sign * float(h["distance"]))
                for h in hits
                if where.keep is None or h["entity"]["paragraph_id"] in where.keep
            ]
            if len(found) >= k or len(hits) < limit or limit >= MAX_FETCH:
                return found[:k]
            limit = min(MAX_FETCH, limit * 4)

    def stored_vectors(self, chunk_ids: Sequence[str]) -> dict[str, np.ndarray]:
        """By primary key ("<generation>:<chunk id>", the generation its document has in this
        version): a key look-up, where a filter on chunk ids scans."""
        keys = [key for key in map(self._row_id, chunk_ids) if key is not None]
        out: dict[str, np.ndarray] = {}
        for start in range(0, len(keys), INSERT_BATCH):
            part = keys[start : start + INSERT_BATCH]
            rows = self.milvus.call(
                "query",
                self.rows.collection,
                filter=f"row_id in {list_literal(part)}",
                output_fields=["chunk_id", "dense"],
                limit=len(part),
            )
            out.update((r["chunk_id"], np.asarray(r["dense"], dtype=np.float32)) for r in rows)
        return out

    def _row_id(self, chunk_id: str) -> str | None:
        paragraph = self._paragraphs.get(chunk_id.rpartition("/")[0])  # ingest.chunk: "<paragraph>/<n>"
        generation = self.rows.generations.get(paragraph.doc_id) if paragraph is not None else None
        return None if generation is None else row_id(generation, chunk_id)


def _milvus_filter(allowed: Restriction) -> MilvusFilter:
    if not isinstance(allowed, MilvusFilter):
        raise TypeError(f"a Milvus search was given a {type(allowed).__name__}")
    return allowed
