"""The keyword index by term, on disk: each term's postings (the chunks holding it and how often)
in the catalog, so that a question reads only its own terms' lists and an app process holds no
posting in memory.

`ingest.bm25_counts` keeps each document's counts by document (the forward index: what an ingest
counts, and what tells which terms a removed document had). This module keeps the same entries
by term:

    bm25_postings(term_id, first_row, last_row, entries, rows, counts)
        one block of a term's entries: chunk rows (the chunks table's rowid, ascending within
        the block; int32) and counts (narrowest unsigned type); a term's blocks hold disjoint
        rows
    bm25_indexed(doc_id, rowids, lengths)
        the documents whose entries are in bm25_postings, with their chunks' rowids and BM25
        lengths (stored order): what an index reads when it opens

A chunk's rowid never changes while its document stays (versions are copies of the catalog file),
so adding a document appends blocks and removing one rewrites only the blocks holding its rows;
nothing else is read or written. Entries are added in batches (`sync`, at the end of an ingest):
one new block per term and batch, and a term's blocks are merged once they are many.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from ingest.bm25_counts import Postings, count_terms, document_texts, narrowest, store_counts

SCHEMA = """
CREATE TABLE IF NOT EXISTS bm25_postings (
    term_id INTEGER NOT NULL, first_row INTEGER NOT NULL, last_row INTEGER NOT NULL,
    entries INTEGER NOT NULL, rows BLOB NOT NULL, counts BLOB NOT NULL, PRIMARY KEY (term_id, first_row));
CREATE TABLE IF NOT EXISTS bm25_indexed (
    doc_id TEXT PRIMARY KEY, rowids BLOB NOT NULL, lengths BLOB NOT NULL);
"""
_ROW = np.dtype("<i4")
_BATCH_ENTRIES = 8_000_000  # entries transposed at once while syncing (~120 MB)
_MERGE_AT = 16  # blocks of one term before they are merged
BLOCK = 1 << 16  # entries per merged block


@dataclass(frozen=True)
class Column:
    """A term's entries over the whole catalog: chunk rowids (each once) and counts."""

    rowids: np.ndarray
    counts: np.ndarray


@dataclass(frozen=True)
class IndexedDocument:
    doc_id: str
    rowids: np.ndarray  # its chunks' rowids, stored order
    lengths: np.ndarray  # each chunk's BM25 length


def indexed_documents(con: sqlite3.Connection) -> list[IndexedDocument]:
    rows = con.execute("SELECT doc_id, rowids, lengths FROM bm25_indexed")
    return [
        IndexedDocument(d, np.frombuffer(r, dtype=_ROW), np.frombuffer(n, dtype=_ROW)) for d, r, n in rows
    ]


def unsynced(con: sqlite3.Connection) -> list[str]:
    """Documents with stored counts whose entries are not in bm25_postings yet."""
    rows = con.execute(
        "SELECT d.doc_id FROM bm25_docs d LEFT JOIN bm25_indexed i USING (doc_id)"
        " WHERE i.doc_id IS NULL ORDER BY d.rowid"
    )
    return [r[0] for r in rows]


def stored_documents(con: sqlite3.Connection) -> list[IndexedDocument] | None:
    """The indexed documents when every chunk of the catalog is in bm25_postings; None when some
    are not (a catalog written before postings were kept: the index is then built in memory,
    until the next ingest syncs it)."""
    if unsynced(con):
        return None
    docs = indexed_documents(con)
    chunks = con.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
    return docs if chunks == sum(len(d.rowids) for d in docs) else None


def read(con: sqlite3.Connection, term_id: int) -> Column:
    blocks = con.execute(
        "SELECT rows, counts FROM bm25_postings WHERE term_id = ? ORDER BY first_row", (term_id,)
    ).fetchall()
    return _concatenate(blocks)


def sync(con: sqlite3.Connection) -> int:
    """Add the entries of every document counted but not yet here; returns how many documents."""
    pending = unsynced(con)
    for batch in _batches(con, pending):
        _append(con, batch)
    return len(pending)


def remove(con: sqlite3.Connection, doc_id: str) -> None:
    """Take a document's entries out (before its counts are deleted: they say which terms)."""
    found = con.execute("SELECT rowids FROM bm25_indexed WHERE doc_id = ?", (doc_id,)).fetchone()
    stored = con.execute(
        "SELECT entries, lengths, terms, starts, chunks, counts FROM bm25_docs WHERE doc_id = ?", (doc_id,)
    ).fetchone()
    con.execute("DELETE FROM bm25_indexed WHERE doc_id = ?", (doc_id,))
    if found is None or stored is None:
        return
    rowids = np.frombuffer(found[0], dtype=_ROW)
    if not len(rowids):
        return
    low, high = int(rowids.min()), int(rowids.max())
    gone = np.unique(rowids)
    for term_id in Postings.from_blobs(*stored).terms.tolist():
        blocks = con.execute(
            "SELECT first_row, rows, counts FROM bm25_postings"
            " WHERE term_id = ? AND first_row <= ? AND last_row >= ?",
            (term_id, high, low),
        ).fetchall()
        for first, rows_blob, counts_blob in blocks:
            column = _concatenate([(rows_blob, counts_blob)])
            keep = ~np.isin(column.rowids, gone, assume_unique=True)
            con.execute("DELETE FROM bm25_postings WHERE term_id = ? AND first_row = ?", (term_id, first))
            if keep.any():
                _insert(con, term_id, column.rowids[keep], column.counts[keep])


# --- batches --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Batch:
    documents: list[IndexedDocument]
    terms: np.ndarray  # per entry
    rowids: np.ndarray
    counts: np.ndarray


def _batches(con: sqlite3.Connection, doc_ids: Sequence[str]) -> Iterator[_Batch]:
    """The pending documents' entries, a few million at a time."""
    docs: list[IndexedDocument] = []
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    held = 0
    for doc_id in doc_ids:
        postings, rowids = _document(con, doc_id)
        docs.append(IndexedDocument(doc_id, rowids, postings.lengths))
        sizes = np.diff(np.append(postings.starts, postings.entries))
        parts.append(
            (np.repeat(postings.terms, sizes), rowids[postings.chunks.astype(np.int64)], postings.counts)
        )
        held += postings.entries
        if held >= _BATCH_ENTRIES:
            yield _batch(docs, parts)
            docs, parts, held = [], [], 0
    if docs:
        yield _batch(docs, parts)


def _document(con: sqlite3.Connection, doc_id: str) -> tuple[Postings, np.ndarray]:
    stored = con.execute(
        "SELECT entries, lengths, terms, starts, chunks, counts FROM bm25_docs WHERE doc_id = ?", (doc_id,)
    ).fetchone()
    postings = Postings.from_blobs(*stored)
    rowids = np.fromiter(
        (r for (r,) in con.execute("SELECT rowid FROM chunks WHERE doc_id = ? ORDER BY rowid", (doc_id,))),
        dtype=_ROW,
    )
    if len(rowids) != len(postings.lengths):  # counts that are not of these chunks: count again
        store_counts(con, doc_id, count_terms(document_texts(con, doc_id)))
        return _document(con, doc_id)
    return postings, rowids


def _batch(docs: list[IndexedDocument], parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> _Batch:
    terms = np.concatenate([t for t, _r, _c in parts]).astype(np.int64)
    rowids = np.concatenate([r for _t, r, _c in parts]).astype(_ROW)
    counts = np.concatenate([c.astype(np.uint32) for _t, _r, c in parts])
    order = np.lexsort((rowids, terms))  # by term, then row
    return _Batch(docs, terms[order], rowids[order], counts[order])


def _append(con: sqlite3.Connection, batch: _Batch) -> None:
    """One new block per term of the batch (no earlier block is read), then the terms with many
    blocks merged, and the documents marked as indexed."""
    term_ids, starts = np.unique(batch.terms, return_index=True)
    ends = np.append(starts[1:], len(batch.terms))
    for term_id, start, end in zip(term_ids.tolist(), starts.tolist(), ends.tolist(), strict=True):
        _insert(con, term_id, batch.rowids[start:end], batch.counts[start:end])
    _merge_crowded(con, term_ids.tolist())
    con.executemany(
        "INSERT OR REPLACE INTO bm25_indexed VALUES (?, ?, ?)",
        [
            (d.doc_id, d.rowids.astype(_ROW).tobytes(), d.lengths.astype(_ROW).tobytes())
            for d in batch.documents
        ],
    )


def _merge_crowded(con: sqlite3.Connection, term_ids: Sequence[int]) -> None:
    """Merge a term's partly filled blocks once it has many (full blocks are left as they are)."""
    for start in range(0, len(term_ids), 500):
        part = term_ids[start : start + 500]
        marks = ",".join("?" * len(part))
        crowded = con.execute(
            f"SELECT term_id FROM bm25_postings WHERE term_id IN ({marks}) AND entries < {BLOCK}"
            f" GROUP BY term_id HAVING COUNT(*) > {_MERGE_AT}",
            part,
        ).fetchall()
        for (term_id,) in crowded:
            small = f"FROM bm25_postings WHERE term_id = ? AND entries < {BLOCK}"
            column = _concatenate(con.execute(f"SELECT rows, counts {small}", (term_id,)))
            con.execute(f"DELETE {small}", (term_id,))
            order = np.argsort(column.rowids, kind="stable")
            rowids, counts = column.rowids[order], column.counts[order]
            for at in range(0, len(rowids), BLOCK):
                _insert(con, term_id, rowids[at : at + BLOCK], counts[at : at + BLOCK])


def _insert(con: sqlite3.Connection, term_id: int, rowids: np.ndarray, counts: np.ndarray) -> None:
    con.execute(
        "INSERT INTO bm25_postings VALUES (?, ?, ?, ?, ?, ?)",
        (
            term_id,
            int(rowids[0]),
            int(rowids[-1]),
            len(rowids),
            rowids.astype(_ROW).tobytes(),
            counts.astype(narrowest(int(counts.max()))).tobytes(),
        ),
    )


def _concatenate(blocks: Iterable[tuple[bytes, bytes]]) -> Column:
    rowids: list[np.ndarray] = []
    counts: list[np.ndarray] = []
    for rows_blob, counts_blob in blocks:
        rows = np.frombuffer(rows_blob, dtype=_ROW)
        rowids.append(rows)
        counts.append(
            np.frombuffer(counts_blob, dtype=f"<u{len(counts_blob) // len(rows)}").astype(np.uint32)
        )
    if not rowids:
        return Column(np.zeros(0, dtype=_ROW), np.zeros(0, dtype=np.uint32))
    return Column(np.concatenate(rowids), np.concatenate(counts))
