"""The keyword index: BM25 over `ingest.terms`, kept as per-document term counts in the catalog.

Each document's chunks are counted once, when the document is indexed, and the counts are stored
beside it in the catalog: copied into the next version with it, deleted with it, published
atomically with it. The corpus statistics BM25 needs (number of chunks, document frequency of a
term, average chunk length) are sums over the stored documents; the formula is applied at query
time, to the query's terms only. Adding a report therefore costs counting that report and
writing its counts; nothing else in the index is read or rewritten.

Why not bm25s, which held the index before: bm25s stores, for every (term, chunk) pair, the
finished score idf(term) × tf-part(chunk). Both factors depend on the whole corpus, so one added
report changes every stored value; the library has no way to add or remove documents or to score
from raw counts, and `BM25.index` takes every chunk's term list in memory at once (4.4 GB at
50,000 paragraphs). The scores here are bm25s's defaults computed with the same floating-point
steps (method "lucene": idf = ln(1 + (N − df + 0.5) / (df + 0.5)), tf-part = tf / (tf + k1 ·
(1 − b + b · length / average length)), k1 = 1.5, b = 0.75, float32 scores summed term after
term; an empty chunk counts as one empty term), so they equal the scores of the bm25s index this
replaces (tests/ingest/test_bm25.py builds both and compares).

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

Loading reads the postings as they are stored: a term's postings are found in each document with
one vectorised binary search over all documents (document number and term id in one int64 key),
so nothing is re-sorted or transposed when an index opens.
"""

from __future__ import annotations

import hashlib
import math
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from ingest.terms import terms

K1 = 1.5
B = 0.75
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
_CACHED_TERMS = 2048  # terms whose columns an index keeps (those of the last questions)

TermFn = Callable[[str], list[str]]
Column = tuple[np.ndarray, np.ndarray]  # a term's chunk rows and its score in each
_UNKNOWN = object()  # not in the cache (None there means: in no chunk)


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
            chunk[order].astype(_narrowest(counts.chunks - 1)),
            counts.counts[order].astype(_narrowest(int(counts.counts.max(initial=0)))),
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


def _narrowest(largest: int) -> np.dtype:
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


# --- scoring -----------------------------------------------------------------------------


class BM25Index:
    """BM25 scores of all chunks of one index version, rows in `store.load_chunks` order.

    Immutable once built (its cache of recent terms is thread-safe); shared by threads."""

    def __init__(
        self, n_rows: int, docs: Sequence[tuple[np.ndarray, Postings]], vocabulary: Vocabulary
    ) -> None:
        """`docs`: each document's chunk rows (in stored order) and postings."""
        self.n_docs = n_rows
        self._vocabulary = vocabulary
        lengths = np.zeros(n_rows, dtype=np.int64)
        for rows, postings in docs:
            lengths[rows] = postings.lengths
        # Rows of document d's chunks: _row_of[_chunk_base[d] : _chunk_base[d] + its chunks].
        self._row_of = np.concatenate([rows for rows, _p in docs]).astype(np.int64)
        per_doc = np.asarray([len(rows) for rows, _p in docs], dtype=np.int64)
        self._chunk_base = np.cumsum(per_doc) - per_doc
        # One key per (document, term) pair, ascending: document number, then term id.
        pairs = np.asarray([len(p.terms) for _r, p in docs], dtype=np.int64)
        self._doc_keys = np.arange(len(docs), dtype=np.int64) << 32
        self._keys = np.repeat(self._doc_keys, pairs) | np.concatenate([p.terms for _r, p in docs])
        self._pair_end = np.cumsum(pairs)  # per document: one past its last pair
        # A pair's entries start at its document's base plus its own start and end where the
        # next pair's start, or at the end of the document's entries.
        self._starts = np.concatenate([p.starts for _r, p in docs])
        entries = np.asarray([p.entries for _r, p in docs], dtype=np.int64)
        self._entry_end = np.cumsum(entries)
        self._entry_base = self._entry_end - entries
        self._chunks = np.concatenate([p.chunks for _r, p in docs])
        self._tf = np.concatenate([p.counts for _r, p in docs])
        # As bm25s computes it: length over average length in float64.
        average = float(lengths.sum()) / n_rows
        self._norm = K1 * ((1 - B) + B * lengths.astype(np.float64) / average)
        # Recent terms' columns (a question's terms are asked for by retrieval, the answerer's
        # weights and the refusal features); cleared when full. Races between threads only
        # ever compute a column twice.
        self._cache: dict[str, Column | None] = {}

    def _columns(self, words: Iterable[str]) -> dict[str, Column | None]:
        """Each word's column: the rows of the chunks holding it and its score in each (None:
        in none). Uncached words are looked up together, in one pass over the postings."""
        columns: dict[str, Column | None] = {}
        missing: list[str] = []
        for word in dict.fromkeys(words):
            column = self._cache.get(word, _UNKNOWN)
            if column is _UNKNOWN:
                missing.append(word)
            else:
                columns[word] = column  # type: ignore[assignment]
        if missing:
            found = self._find(missing)
            if len(self._cache) + len(found) > _CACHED_TERMS:
                self._cache.clear()
            self._cache.update(found)
            columns.update(found)
        return columns

    def _find(self, words: list[str]) -> dict[str, Column | None]:
        found: dict[str, Column | None] = dict.fromkeys(words)
        known = [
            (w, tid) for w, tid in zip(words, self._vocabulary.ids(words), strict=True) if tid is not None
        ]
        if not known:
            return found
        known.sort(key=lambda item: item[1])
        # Every known word in every document, in key order (a sorted search is a local one).
        tids = np.asarray([tid for _w, tid in known], dtype=np.int64)
        needles = (self._doc_keys[:, None] + tids).ravel()
        at = np.searchsorted(self._keys, needles)
        hit = at < len(self._keys)
        hit[hit] = self._keys[at[hit]] == needles[hit]
        doc_of, word_of = np.divmod(np.flatnonzero(hit), len(tids))
        order = np.argsort(word_of, kind="stable")  # word after word, documents in order
        doc_of, word_of, pairs = doc_of[order], word_of[order], at[hit][order]
        base = self._entry_base[doc_of]
        starts = base + self._starts[pairs]
        following = np.minimum(pairs + 1, len(self._starts) - 1)
        ends = np.where(
            pairs + 1 == self._pair_end[doc_of], self._entry_end[doc_of], base + self._starts[following]
        )
        sizes = ends - starts
        entries = np.repeat(starts - (np.cumsum(sizes) - sizes), sizes) + np.arange(int(sizes.sum()))
        rows = self._row_of[np.repeat(self._chunk_base[doc_of], sizes) + self._chunks[entries]]
        df = np.bincount(word_of, weights=sizes, minlength=len(known)).astype(np.int64)
        # bm25s: idf by `math.log` in float64, kept as float32; the tf part in float64.
        idf = np.asarray(
            [math.log(1 + (self.n_docs - int(d) + 0.5) / (int(d) + 0.5)) for d in df], dtype=np.float32
        )
        tf = self._tf[entries].astype(np.float32)
        values = (np.repeat(idf[word_of], sizes) * (tf / (self._norm[rows] + tf))).astype(np.float32)
        ends_of_word = np.cumsum(df)
        for (word, _tid), end, size in zip(known, ends_of_word.tolist(), df.tolist(), strict=True):
            if size:
                found[word] = (rows[end - size : end], values[end - size : end])
        return found

    def _column(self, term: str) -> Column | None:
        column = self._cache.get(term, _UNKNOWN)  # the answerer asks for a question's terms often
        return self._columns([term])[term] if column is _UNKNOWN else column  # type: ignore[return-value]

    def __contains__(self, term: object) -> bool:
        return isinstance(term, str) and self._column(term) is not None

    def doc_freq(self, term: str) -> int:
        """How many chunks hold `term` (0 when none does)."""
        column = self._column(term)
        return 0 if column is None else len(column[0])

    def get_scores(self, tokens: Sequence[str]) -> np.ndarray:
        """Every chunk's score for the query `tokens`, float32; tokens the index lacks add
        nothing. A repeated token counts again and tokens are added one after the other, as in
        bm25s's `get_scores`: the same scores."""
        scores = np.zeros(self.n_docs, dtype=np.float32)
        columns = self._columns(tokens)
        for token in tokens:
            column = columns[token]
            if column is not None:
                scores[column[0]] += column[1]  # a term's rows are distinct: each added once
        return scores

    @classmethod
    def from_token_lists(cls, token_lists: Sequence[Sequence[str]]) -> BM25Index | None:
        """An index over term lists held in memory (row i: token_lists[i]); None when empty."""
        if not token_lists:
            return None
        counts = count_tokens(token_lists)
        vocabulary = Vocabulary()
        ids = np.fromiter((vocabulary.add(w) for w in counts.terms), dtype=np.int64, count=len(counts.terms))
        return cls(counts.chunks, [(np.arange(counts.chunks), Postings.of(counts, ids))], vocabulary)


def load(con: sqlite3.Connection, term_fn: TermFn | None = None) -> BM25Index | None:
    """The index of the catalog's chunks (None when it has none). Documents without stored
    counts, as in an index written before counts were kept (it had a bm25s folder), are counted
    here from their text, in memory only; the next ingest stores their counts."""
    by_doc: dict[str, list[int]] = {}
    for row, (doc_id,) in enumerate(con.execute("SELECT doc_id FROM chunks ORDER BY rowid")):
        by_doc.setdefault(doc_id, []).append(row)
    if not by_doc:
        return None
    rows = {doc_id: np.asarray(r, dtype=np.int64) for doc_id, r in by_doc.items()}
    vocabulary = Vocabulary.read(con)
    docs: list[tuple[np.ndarray, Postings]] = []
    stored = con.execute("SELECT doc_id, entries, lengths, terms, starts, chunks, counts FROM bm25_docs")
    for doc_id, entries, *blobs in stored:
        postings = Postings.from_blobs(entries, *blobs)
        if doc_id in rows and len(rows[doc_id]) == len(postings.lengths):  # else counted below
            docs.append((rows.pop(doc_id), postings))
    for doc_id, doc_rows in sorted(rows.items()):
        counts = count_terms(document_texts(con, doc_id), term_fn)
        ids = np.fromiter((vocabulary.add(w) for w in counts.terms), dtype=np.int64, count=len(counts.terms))
        docs.append((doc_rows, Postings.of(counts, ids)))
    return BM25Index(sum(len(r) for r, _p in docs), docs, vocabulary)
