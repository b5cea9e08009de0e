"""A published version's chunks as the searches and the fusion see them: per chunk row (catalog
order, the rows BM25 and the row masks number), its rowid, paragraph, part and kind in a few
numpy arrays (~20 bytes a chunk) instead of a `Chunk` object with its two texts (~1.4 KB). A
chunk's texts are read from the catalog when a `Chunk` is asked for (a hit's, a test's)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from ingest import store
from ingest.paragraph_store import ParagraphStore, listed, of_documents
from ingest.records import Chunk, Kind
from ingest.search_types import SearchFilter
from ingest.store import CatalogReader

_COLUMNS = "chunk_id, paragraph_id, text, embed_text, kind"
_READ = (
    "SELECT rowid, paragraph_id, CAST(substr(chunk_id, length(paragraph_id) + 2) AS INTEGER), kind != ? "
    "FROM chunks ORDER BY rowid"
)


class ChunkTable:
    """The chunks of one version, row by row (rows ascend with the catalog's rowids)."""

    def __init__(
        self,
        catalog: CatalogReader | None,
        rowids: np.ndarray,
        paragraph: np.ndarray,
        part: np.ndarray,
        minor: np.ndarray,
        paragraph_ids: Sequence[str],
        doc_of_paragraph: np.ndarray,
        doc_ids: Sequence[str],
    ) -> None:
        self._catalog = catalog
        self.rowids = rowids  # int64, ascending
        self._paragraph = paragraph  # per row: index into paragraph_ids
        self._part = part  # per row: its number within the paragraph ("<paragraph>/<n>")
        self.minor = minor  # per row: a caption's or byline's chunk, not body text
        self._paragraph_ids = paragraph_ids
        self.doc = doc_of_paragraph[paragraph] if len(paragraph) else np.zeros(0, dtype=np.int32)
        self._doc_ids = list(doc_ids)

    @classmethod
    def read(cls, con: sqlite3.Connection, path: Path, paragraphs: ParagraphStore) -> ChunkTable:
        """The catalog's chunks; `paragraphs`: its paragraphs (their ids and documents). SQLite
        works out each chunk's part ("<paragraph>/<n>") and whether it is body text (joining
        the paragraphs table instead, for their rowids, took longer at a million paragraphs)."""
        paragraph_ids, doc_of, doc_ids = paragraphs.layout()
        at = {pid: i for i, pid in enumerate(paragraph_ids)}
        rows = con.execute(_READ, (Kind.BODY.value,)).fetchall()
        count = len(rows)
        table = cls(
            CatalogReader(path),
            np.fromiter((r[0] for r in rows), np.int64, count),
            np.fromiter((at[r[1]] for r in rows), np.int32, count),
            np.fromiter((r[2] for r in rows), np.int32, count),
            np.fromiter((r[3] for r in rows), bool, count),
            paragraph_ids,
            doc_of,
            doc_ids,
        )
        paragraphs.bind_chunks(table.rowids, table._paragraph)  # mentions found as rows
        return table

    @classmethod
    def empty(cls) -> ChunkTable:
        none = np.zeros(0, dtype=np.int32)
        return cls(None, none.astype(np.int64), none, none, none.astype(bool), [], none, [])

    def __len__(self) -> int:
        return len(self.rowids)

    def __bool__(self) -> bool:
        return bool(len(self.rowids))

    def paragraph_id(self, row: int) -> str:
        return self._paragraph_ids[int(self._paragraph[row])]

    def chunk_id(self, row: int) -> str:
        return f"{self.paragraph_id(row)}/{int(self._part[row])}"

    def __getitem__(self, row: int) -> Chunk:
        """The chunk of a row, with its texts (one read from the catalog)."""
        if not -len(self) <= row < len(self):
            raise IndexError(row)
        return self.chunks([int(self.rowids[row])])[0]

    def chunks(self, rowids: Sequence[int]) -> list[Chunk]:
        """These chunks with their texts, in the order asked."""
        if self._catalog is None:
            raise LookupError("chunk texts are not available in this table")
        marks = ",".join("?" * len(rowids))
        found = {
            r[0]: Chunk(r[1], r[2], r[3], r[4], Kind(r[5]))
            for r in self._catalog.get().execute(
                f"SELECT rowid, {_COLUMNS} FROM chunks WHERE rowid IN ({marks})", list(rowids)
            )
        }
        return [found[r] for r in rowids]

    def __iter__(self) -> Iterator[Chunk]:
        """Every chunk with its texts, in row order (read as it goes)."""
        if self._catalog is None:
            raise LookupError("chunk texts are not available in this table")
        con = store.read_only(self._catalog.path)
        try:
            for r in con.execute(f"SELECT {_COLUMNS} FROM chunks ORDER BY rowid"):
                yield Chunk(r[0], r[1], r[2], r[3], Kind(r[4]))
        finally:
            con.close()

    def rows_of(self, chunk_ids: Sequence[str]) -> dict[str, int]:
        """The rows of these chunk ids (ids not in this version left out)."""
        if not chunk_ids or self._catalog is None:
            return {}
        marks = ",".join("?" * len(chunk_ids))
        found = self._catalog.get().execute(
            f"SELECT chunk_id, rowid FROM chunks WHERE chunk_id IN ({marks})", list(chunk_ids)
        )
        out: dict[str, int] = {}
        for chunk_id, rowid in found:
            at = int(np.searchsorted(self.rowids, rowid))
            if at < len(self.rowids) and self.rowids[at] == rowid:
                out[chunk_id] = at
        return out

    def documents_mask(self, docs: frozenset[str]) -> np.ndarray:
        """Per row: whether its document is one of `docs`."""
        return of_documents(self.doc, self._doc_ids, docs)

    def mask(self, where: SearchFilter) -> np.ndarray:
        """Per row: whether `where` allows its paragraph."""
        rows = np.ones(len(self), dtype=bool)
        if where.documents is not None:
            rows &= self.documents_mask(where.documents)
        if where.paragraphs is not None or where.exclude:
            rows &= listed(where, self._paragraph_ids)[self._paragraph]
        return rows
