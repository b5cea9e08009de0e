"""Where chunks are searched: one small interface (`ChunkIndex` to search a published version,
`IndexWriter` to change the version an ingest builds) and the factory choosing its backend.

Only the two searches over chunks live behind it: dense top-k and keyword top-k, each restricted
by a `SearchFilter` inside the search. Everything else — paragraphs, metadata, time scopes, the
BM25 term counts the answerer's idf and the glossary read — stays in the version's SQLite
catalog (`ingest.store`), published atomically by the CURRENT pointer whichever backend is used.

- `faiss` (default): a FAISS index in the version folder (`ingest.vectors`, searched through
  llama-index's FaissVectorStore) and our own BM25 over the catalog's postings (`ingest.bm25`).
  A version folder is complete in itself.
- `milvus` (`ingest.milvus`): a Milvus collection holding dense vectors and a jieba BM25
  full-text field, Milvus Lite in a file or a server by URI. The version's catalog says which
  rows of the collection it sees.

This module and the factory functions below are the only places that look at which backend is
configured.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from ingest import store
from ingest import vectors as dense
from ingest.chunk_table import ChunkTable
from ingest.records import Chunk, Paragraph
from ingest.search_types import Restriction, Scored, SearchFilter
from ingest.terms import terms

if TYPE_CHECKING:
    from ingest.bm25 import KeywordIndex
    from ingest.config import Settings

FAISS = "faiss"
MILVUS = "milvus"


class ChunkIndex(Protocol):
    """The searches over one published version's chunks. Thread-safe; shared by questions."""

    def restrict(self, where: SearchFilter) -> Restriction | None:
        """`where` prepared for the searches; None when it allows everything."""
        ...

    def search_dense(self, vector: np.ndarray, k: int, allowed: Restriction | None) -> Scored:
        """The `k` allowed chunks nearest the (unit) `vector`, cosine scores, best first."""
        ...

    def search_keywords(self, text: str, k: int, allowed: Restriction | None) -> Scored:
        """The `k` allowed chunks that best match `text` by BM25, best first; chunks sharing no
        term with it are left out."""
        ...

    def stored_vectors(self, chunk_ids: Sequence[str]) -> dict[str, np.ndarray]:
        """The stored vectors of these chunks (one round trip, for chunks no search ranked)."""
        ...


class IndexWriter(Protocol):
    """The changes one ingest makes, inside its new version folder, before it is published.

    Nothing a published version searches may change before `published` is called: a crash at
    any point before it leaves every published version answering as before."""

    def remove(self, doc_id: str, chunk_ids: Sequence[str]) -> None:
        """A document leaves the new version (removed, or about to be added again changed)."""
        ...

    def add(self, doc_id: str, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        """A document's chunks and their vectors (row i for chunks[i]) join the new version."""
        ...

    def finish(self) -> dict[str, str]:
        """Write what is pending; returns what the catalog's meta must record about the index."""
        ...

    def published(self, replaced: Path | None) -> list[str]:
        """CURRENT now names the new version; `replaced` (the version before, still kept for apps
        loading it) and the new one must stay searchable. Removes what neither needs; returns
        warnings (never raises: the ingest has succeeded)."""
        ...


# --- the factory -------------------------------------------------------------------------------


def identity(settings: Settings) -> dict[str, str]:
    """What a version's meta records about where its chunks are searched. Empty for FAISS, so
    that indexes written before there was a choice are the same as new FAISS ones."""
    if settings.store == MILVUS:
        from ingest.milvus.collection import identity as milvus_identity

        return milvus_identity(settings)
    return {}


def rebuild_reason(old_meta: dict[str, str], settings: Settings) -> str:
    """Why the live version's chunk index cannot be carried into the next version ("" when it
    can): another backend or Milvus address, or a Milvus collection that is gone."""
    was = old_meta.get("store", FAISS)
    if was != settings.store:
        return f"store: {was} → {settings.store}"
    if settings.store == MILVUS:
        from ingest.milvus.collection import rebuild_reason as milvus_reason

        return milvus_reason(old_meta, settings)
    return ""


def open_index(
    version: Path,
    meta: dict[str, str],
    chunks: ChunkTable,
    paragraphs: Mapping[str, Paragraph],
    bm25: KeywordIndex | None,
    settings: Settings | None = None,
) -> ChunkIndex:
    """The searches of a version, by the backend its meta names (a FAISS version needs no
    settings; a Milvus one is reached with `settings`' address and token, else the environment's)."""
    if meta.get("store", FAISS) == MILVUS:
        from ingest.config import Settings
        from ingest.milvus.search import MilvusChunkIndex

        return MilvusChunkIndex.open(version, meta, paragraphs, settings or Settings.from_env())
    return FaissChunkIndex.load(version, chunks, bm25)


def open_writer(
    settings: Settings, work: Path, dim: Callable[[], int], old_meta: dict[str, str], fresh: bool
) -> IndexWriter:
    """The writer for the version being built in `work` (a copy of the live version unless
    `fresh`); `old_meta` is the live version's meta (empty when there is none). `dim` is asked
    only when a new store is made: an ingest that changes nothing never loads the model."""
    if settings.store == MILVUS:
        from ingest.milvus.writer import MilvusWriter

        return MilvusWriter.open(settings, work, dim, old_meta, fresh)
    return FaissWriter(work, dim)


def version_vectors(version: Path, settings: Settings | None = None) -> tuple[list[str], np.ndarray] | None:
    """Every chunk text of a version with its stored vector (None when it has none): what fills
    a new vector cache."""
    with store.catalog(version) as con:
        meta = store.get_meta(con)
        if meta.get("store", FAISS) == FAISS:
            if not dense.exists(version):
                return None
            rows = con.execute("SELECT rowid, embed_text FROM chunks").fetchall()
            found = dense.open_vectors(version, con).get([rowid for rowid, _t in rows])
            texts = [text for rowid, text in rows if rowid in found]
            return (texts, np.vstack([found[r] for r, _t in rows if r in found])) if texts else None
        chunk_rows = con.execute("SELECT chunk_id, embed_text FROM chunks").fetchall()
        paragraphs = store.load_paragraphs(con)
    index = open_index(version, meta, ChunkTable.empty(), paragraphs, None, settings)
    stored = index.stored_vectors([chunk_id for chunk_id, _text in chunk_rows])
    texts = [text for chunk_id, text in chunk_rows if chunk_id in stored]
    return (texts, np.vstack([stored[c] for c, _t in chunk_rows if c in stored])) if texts else None


# --- FAISS and our own BM25 --------------------------------------------------------------------


# Document masks kept per index (readers' and chosen reports' sets; a handful in practice).
_MASKS_KEPT = 64


@dataclass(frozen=True)
class RowMask:
    """A FAISS restriction: which chunk rows (catalog order) a search may return."""

    rows: np.ndarray  # bool, one per chunk

    @property
    def empty(self) -> bool:
        return not bool(self.rows.any())


class FaissChunkIndex:
    """Dense search in FAISS (`ingest.vectors`: ids are chunk rowids), keyword search by our BM25
    over the catalog's postings. Filters are a boolean mask over chunk rows (catalog order): the
    allowed rowids for the dense search, zeroed scores for BM25."""

    def __init__(
        self,
        vectors: dense.Vectors | None,
        chunks: ChunkTable,
        bm25: KeywordIndex | None,
        term_fn: Callable[[str], list[str]] = terms,
    ) -> None:
        """`term_fn` must be the function `bm25` was built with."""
        self.vectors = vectors
        self.chunks = chunks
        self.bm25 = bm25
        self.term_fn = term_fn
        self._masks: dict[frozenset[str], RowMask] = {}

    @classmethod
    def load(cls, version: Path, chunks: ChunkTable, bm25: KeywordIndex | None) -> FaissChunkIndex:
        with store.catalog(version) as con:
            vectors = dense.open_vectors(version, con) if dense.exists(version) else None
        return cls(vectors, chunks, bm25)

    def restrict(self, where: SearchFilter) -> RowMask | None:
        if not where.restricts:
            return None
        docs = where.documents
        if docs is not None and where.paragraphs is None and not where.exclude:
            # Documents only (a reader's, a user's choice): the same few sets on every question.
            return self._documents_mask(docs)
        return RowMask(self.chunks.mask(where))

    def _documents_mask(self, docs: frozenset[str]) -> RowMask:
        mask = self._masks.get(docs)
        if mask is None:
            rows = self.chunks.documents_mask(docs)
            rows.setflags(write=False)  # shared by every question with this filter
            mask = RowMask(rows)
            if len(self._masks) >= _MASKS_KEPT:
                self._masks.pop(next(iter(self._masks)))
            self._masks[docs] = mask
        return mask

    def search_keywords(self, text: str, k: int, allowed: Restriction | None) -> Scored:
        if self.bm25 is None:
            return []
        scores = self.bm25.get_scores(self.term_fn(text))  # unknown terms add nothing
        if allowed is not None:
            scores = np.where(_mask(allowed), scores, 0.0)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(self.chunks.chunk_id(int(i)), float(scores[i])) for i in top if scores[i] > 0]

    def search_dense(self, vector: np.ndarray, k: int, allowed: Restriction | None) -> Scored:
        if not self.chunks or self.vectors is None:
            return []
        rowids = self.chunks.rowids
        found = self.vectors.search(vector, k, None if allowed is None else rowids[_mask(allowed)])
        at = np.searchsorted(rowids, [rowid for rowid, _s in found])
        return [(self.chunks.chunk_id(int(i)), score) for i, (_r, score) in zip(at, found, strict=True)]

    def with_keywords(self, bm25: KeywordIndex | None) -> FaissChunkIndex:
        """The same index, its keyword search scored with `bm25` (a reader's own statistics)."""
        return FaissChunkIndex(self.vectors, self.chunks, bm25, self.term_fn)

    def stored_vectors(self, chunk_ids: Sequence[str]) -> dict[str, np.ndarray]:
        if self.vectors is None:
            return {}
        rows = {c: int(self.chunks.rowids[r]) for c, r in self.chunks.rows_of(chunk_ids).items()}
        found = self.vectors.get(list(rows.values()))
        return {c: found[r] for c, r in rows.items() if r in found}


def _mask(allowed: Restriction) -> np.ndarray:
    if not isinstance(allowed, RowMask):
        raise TypeError(f"a FAISS search was given a {type(allowed).__name__}")
    return allowed.rows


class FaissWriter:
    """Changes the copy of the live vectors in the new version folder once the catalog holds the
    ingest's changes: rows of chunks no longer in it leave the index, the added chunks join it
    under their rowids (`ingest.vectors.update`)."""

    def __init__(self, work: Path, dim: Callable[[], int]) -> None:
        self._work = work
        self._dim = dim
        self._changed = False
        self._added: dict[str, np.ndarray] = {}

    def remove(self, doc_id: str, chunk_ids: Sequence[str]) -> None:
        self._changed = True

    def add(self, doc_id: str, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        rows = np.asarray(vectors, dtype=np.float32)
        self._added.update(zip((c.chunk_id for c in chunks), rows, strict=True))

    def finish(self) -> dict[str, str]:
        current = (self._work / dense.VECTORS / dense.INDEX_FILE).exists()
        if current and not (self._changed or self._added):
            return {}  # nothing to change (an older layout is rewritten even so)
        with store.catalog(self._work) as con:
            dim = self._dim() if not dense.exists(self._work) else 0
            vectors = dense.update(self._work, con, dim, self._added)
        dense.save(vectors, self._work)
        return {}

    def published(self, replaced: Path | None) -> list[str]:
        return []  # the version folders hold everything; the ingest removes the stale ones


@dataclass(frozen=True)
class PairedRestriction:
    """A backend's own restriction for its dense search, and a row mask for our keyword search."""

    inner: Restriction | None
    rows: RowMask

    @property
    def empty(self) -> bool:
        return self.rows.empty


class OwnKeywords:
    """A backend that scores keywords itself (Milvus) as a reader sees it: its dense search and
    filters as they are, its keyword search by our BM25 over the reader's reports alone (the
    backend's BM25 counts every report of the collection)."""

    def __init__(self, inner: ChunkIndex, keywords: FaissChunkIndex) -> None:
        self.inner, self.keywords = inner, keywords

    def restrict(self, where: SearchFilter) -> Restriction | None:
        rows = self.keywords.restrict(where)
        return None if rows is None else PairedRestriction(self.inner.restrict(where), rows)

    def search_dense(self, vector: np.ndarray, k: int, allowed: Restriction | None) -> Scored:
        inner = allowed.inner if isinstance(allowed, PairedRestriction) else allowed
        return self.inner.search_dense(vector, k, inner)

    def search_keywords(self, text: str, k: int, allowed: Restriction | None) -> Scored:
        rows = allowed.rows if isinstance(allowed, PairedRestriction) else allowed
        return self.keywords.search_keywords(text, k, rows)

    def stored_vectors(self, chunk_ids: Sequence[str]) -> dict[str, np.ndarray]:
        return self.inner.stored_vectors(chunk_ids)


def with_keywords(index: ChunkIndex, bm25: KeywordIndex | None, chunks: ChunkTable) -> ChunkIndex:
    """`index` as a reader sees it: its keyword search scored by our BM25 with `bm25` (the
    reader's own statistics; `chunks` in catalog order, the rows `bm25` numbers). FAISS's
    keyword search is ours already; Milvus's BM25 counts every report, so ours takes over."""
    if isinstance(index, FaissChunkIndex):
        return index.with_keywords(bm25)
    if isinstance(index, OwnKeywords):
        index = index.inner
    return OwnKeywords(index, FaissChunkIndex(None, chunks, bm25))
