"""The keyword index's term counts: each document's chunks counted once, when the document is
indexed, and stored beside it in the catalog (copied into the next version with it, deleted with
it, published atomically with it), and the vocabulary read back in memory. `ingest.bm25` scores
from them.

Catalog tables:

    bm25_terms(term, term_id)     the vocabulary, for finding a term's id while indexing; ids
                                  are dense, in order of first use, and never reused
    bm25_term_parts(first_id, …)  the same vocabulary in blocks (the terms one document added,
                                  with their hashes): what loading reads
    bm25_docs(doc_id, …)          per document, its postings: each chunk's length, the
                                  document's distinct terms (ascending ids) with where each
                                  one's entries start, and per entry the chunk and the count
                                  (little-endian arrays: int32; chunks and counts in the
                                  narrowest unsigned type that holds them)
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from ingest.terms import terms

EMPTY = ""  # the term an empty chunk is indexed as (as bm25s does), so it still has a length

SCHEMA = """
CREATE TABLE IF NOT EXISTS bm25_terms (term TEXT PRIMARY KEY, term_id INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS bm25_term_parts (
    first_id INTEGER PRIMARY KEY, size INTEGER NOT NULL, words TEXT NOT NULL, hashes BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS bm25_docs (
    doc_id TEXT PRIMARY KEY, entries INTEGER NOT NULL, lengths BLOB NOT NULL, terms BLOB NOT NULL,
    starts BLOB NOT NULL, chunks BLOB NOT NULL, counts BLOB NOT NULL);
"""
_INT = np.dtype("<i4")
_HASH = np.dtype("<i8")
_SEPARATOR = "\n"  # between the words of a vocabulary block
_LOOKUP_BATCH = 500  # terms per "IN (...)" lookup (SQLite's bound-parameter limit is far above)

TermFn = Callable[[str], list[str]]


# --- counting ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TermCounts:
    """One document's chunks as BM25 sees them, chunk after chunk."""

    lengths: np.ndarray  # terms per chunk, repeats included: its BM25 length
    sizes: np.ndarray  # distinct terms per chunk
    terms: list[str]  # each chunk's distinct terms
    counts: np.ndarray  # how often each of `terms` occurs in its chunk

    @property
    def chunks(self) -> int:
        return len(self.lengths)


def count_terms(texts: Iterable[str], term_fn: TermFn | None = None) -> TermCounts:
    """Count the terms of each text (a document's chunks' `embed_text`)."""
    term_fn = term_fn or terms
    return count_tokens(term_fn(text) for text in texts)


def count_tokens(token_lists: Iterable[Sequence[str]]) -> TermCounts:
    lengths: list[int] = []
    sizes: list[int] = []
    words: list[str] = []
    counts: list[int] = []
    for tokens in token_lists:
        found = Counter(tokens or [EMPTY])
        lengths.append(sum(found.values()))
        sizes.append(len(found))
        words.extend(found)
        counts.extend(found.values())
    return TermCounts(
        np.asarray(lengths, dtype=_INT), np.asarray(sizes, dtype=_INT), words, np.asarray(counts, dtype=_INT)
    )


@dataclass(frozen=True)
class Postings:
    """One document's counts by term: what is stored per document and searched at query time."""

    lengths: np.ndarray  # per chunk, in stored order: its BM25 length
    terms: np.ndarray  # the document's distinct term ids, ascending
    starts: np.ndarray  # per term: where its entries start (they end where the next term's start)
    chunks: np.ndarray  # per (term, chunk) entry, term after term: the chunk (0-based, stored order)
    counts: np.ndarray  # per entry: how often the term occurs in the chunk

    @classmethod
    def of(cls, counts: TermCounts, ids: np.ndarray) -> Postings:
        """From counts whose terms have the vocabulary ids `ids`."""
        chunk = np.repeat(np.arange(counts.chunks, dtype=np.int64), counts.sizes)
        order = np.lexsort((chunk, ids))  # by term, then chunk
        term_ids, starts = np.unique(ids[order], return_index=True)
        return cls(
            counts.lengths.astype(_INT),
            term_ids.astype(_INT),
            starts.astype(_INT),
            chunk[order].astype(narrowest(counts.chunks - 1)),
            counts.counts[order].astype(narrowest(int(counts.counts.max(initial=0)))),
        )

    @property
    def entries(self) -> int:
        return len(self.chunks)

    def blobs(self) -> tuple[bytes, ...]:
        return tuple(a.tobytes() for a in (self.lengths, self.terms, self.starts, self.chunks, self.counts))

    @classmethod
    def from_blobs(cls, entries: int, *blobs: bytes) -> Postings:
        lengths, term_ids, starts = (np.frombuffer(b, dtype=_INT) for b in blobs[:3])
        chunks, counts = (
            np.frombuffer(b, dtype=f"<u{len(b) // entries if entries else 1}") for b in blobs[3:]
        )
        return cls(lengths, term_ids, starts, chunks, counts)


def narrowest(largest: int) -> np.dtype:
    """The smallest unsigned type holding 0..largest (chunk numbers and counts: mostly small)."""
    for dtype in (np.dtype("<u1"), np.dtype("<u2")):
        if largest <= np.iinfo(dtype).max:
            return dtype
    return np.dtype("<u4")


def _hash(word: str) -> int:
    """A hash that is the same in every process (Python's `hash` of a str is not)."""
    return int.from_bytes(
        hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest(), "little", signed=True
    )


# --- the catalog -------------------------------------------------------------------------


def term_ids(con: sqlite3.Connection, words: Sequence[str]) -> dict[str, int]:
    """The vocabulary ids of `words`, adding the words not yet in it (as one block)."""
    distinct = list(dict.fromkeys(words))
    ids: dict[str, int] = {}
    for start in range(0, len(distinct), _LOOKUP_BATCH):
        part = distinct[start : start + _LOOKUP_BATCH]
        marks = ",".join("?" * len(part))
        ids.update(con.execute(f"SELECT term, term_id FROM bm25_terms WHERE term IN ({marks})", part))
    new = [w for w in distinct if w not in ids]
    if not new:
        return ids
    bad = next((w for w in new if _SEPARATOR in w), None)
    if bad is not None:
        raise ValueError(f"BM25 terms cannot hold a line break: {bad!r}")
    last = con.execute(
        "SELECT first_id + size FROM bm25_term_parts ORDER BY first_id DESC LIMIT 1"
    ).fetchone()
    first = last[0] if last else 0
    added = dict(zip(new, range(first, first + len(new)), strict=True))
    con.executemany("INSERT INTO bm25_terms VALUES (?, ?)", list(added.items()))
    hashes = np.fromiter((_hash(w) for w in new), dtype=_HASH, count=len(new))
    con.execute(
        "INSERT INTO bm25_term_parts VALUES (?, ?, ?, ?)",
        (first, len(new), _SEPARATOR.join(new), hashes.tobytes()),
    )
    return ids | added


def store_counts(con: sqlite3.Connection, doc_id: str, counts: TermCounts) -> None:
    ids = term_ids(con, counts.terms)
    id_array = np.fromiter((ids[w] for w in counts.terms), dtype=np.int64, count=len(counts.terms))
    postings = Postings.of(counts, id_array)
    con.execute(
        "INSERT OR REPLACE INTO bm25_docs VALUES (?, ?, ?, ?, ?, ?, ?)",
        (doc_id, postings.entries, *postings.blobs()),
    )


def delete_counts(con: sqlite3.Connection, doc_id: str) -> None:
    con.execute("DELETE FROM bm25_docs WHERE doc_id = ?", (doc_id,))


def uncounted_documents(con: sqlite3.Connection) -> list[str]:
    """Documents with chunks but no stored counts: an index written before counts were stored."""
    rows = con.execute(
        "SELECT DISTINCT c.doc_id FROM chunks c LEFT JOIN bm25_docs d USING (doc_id) WHERE d.doc_id IS NULL"
    )
    return [r[0] for r in rows]


def document_texts(con: sqlite3.Connection, doc_id: str) -> list[str]:
    """A document's chunk texts in stored order: the order its counts are kept in."""
    rows = con.execute("SELECT embed_text FROM chunks WHERE doc_id = ? ORDER BY rowid", (doc_id,))
    return [r[0] for r in rows]


def count_missing(con: sqlite3.Connection, term_fn: TermFn | None = None) -> list[str]:
    """Count and store the terms of every document that has none stored (one document at a
    time); returns their ids."""
    missing = uncounted_documents(con)
    for doc_id in missing:
        store_counts(con, doc_id, count_terms(document_texts(con, doc_id), term_fn))
    return missing


# --- the vocabulary in memory ------------------------------------------------------------


class Vocabulary:
    """Term -> id, held as arrays and one string rather than a dict with millions of entries
    (building that dict alone took 2 s at 50,000 paragraphs): the terms' hashes sorted, and the
    terms themselves, to confirm a hash's match. Terms added in memory (`add`) go in a dict."""

    def __init__(self, words: str = "", hashes: np.ndarray | None = None) -> None:
        hashes = np.zeros(0, dtype=_HASH) if hashes is None else hashes
        self._size = len(hashes)
        self._words = words
        if self._size:
            codes = np.frombuffer(words.encode("utf-32-le"), dtype=np.uint32)
            breaks = np.flatnonzero(codes == ord(_SEPARATOR))
            if len(breaks) != self._size - 1:
                raise ValueError("BM25 vocabulary damaged: words and hashes do not match")
            self._starts = np.concatenate(([0], breaks + 1))
            self._ends = np.concatenate((breaks, [len(codes)]))
        self._order = np.argsort(hashes)  # equal hashes: all are compared with the word
        self._sorted = hashes[self._order]
        self._extra: dict[str, int] = {}

    @classmethod
    def read(cls, con: sqlite3.Connection) -> Vocabulary:
        words: list[str] = []
        hashes: list[np.ndarray] = []
        expected = 0
        for first, size, block, hash_blob in con.execute(
            "SELECT first_id, size, words, hashes FROM bm25_term_parts ORDER BY first_id"
        ):
            if first != expected:
                raise ValueError(f"BM25 vocabulary damaged: block at {first}, expected {expected}")
            words.append(block)
            hashes.append(np.frombuffer(hash_blob, dtype=_HASH))
            expected += size
        return cls(_SEPARATOR.join(words), np.concatenate(hashes) if hashes else None)

    def __len__(self) -> int:
        return self._size + len(self._extra)

    def get(self, word: str) -> int | None:
        return self.ids([word])[0]

    def ids(self, words: Sequence[str]) -> list[int | None]:
        """Each word's id (None: not in the vocabulary), looked up together."""
        found = [self._extra.get(w) for w in words]
        todo = [i for i, tid in enumerate(found) if tid is None]
        if not todo or not self._size:
            return found
        keys = np.fromiter((_hash(words[i]) for i in todo), dtype=_HASH, count=len(todo))
        for i, key, at in zip(todo, keys.tolist(), np.searchsorted(self._sorted, keys).tolist(), strict=True):
            while at < self._size and self._sorted[at] == key:
                tid = int(self._order[at])
                if self._words[self._starts[tid] : self._ends[tid]] == words[i]:
                    found[i] = tid
                    break
                at += 1
        return found

    def add(self, word: str) -> int:
        """The word's id, giving it the next one if it has none (in memory only)."""
        tid = self.get(word)
        if tid is None:
            tid = self._extra[word] = len(self)
        return tid
