"""The keyword index: BM25 over `ingest.terms`, scored from the per-document term counts the
catalog keeps (`ingest.bm25_counts`).

The corpus statistics BM25 needs (number of chunks, document frequency of a term, average chunk
length) are sums over the stored documents; the formula is applied at query time, to the query's
terms only. Adding a report therefore costs counting that report and writing its counts; nothing
else in the index is read or rewritten.

Why not bm25s, which held the index before: bm25s stores, for every (term, chunk) pair, the
finished score idf(term) × tf-part(chunk). Both factors depend on the whole corpus, so one added
report changes every stored value; the library has no way to add or remove documents or to score
from raw counts, and `BM25.index` takes every chunk's term list in memory at once (4.4 GB at
50,000 paragraphs). The scores here are bm25s's defaults computed with the same floating-point
steps (method "lucene": idf = ln(1 + (N − df + 0.5) / (df + 0.5)), tf-part = tf / (tf + k1 ·
(1 − b + b · length / average length)), k1 = 1.5, b = 0.75, float32 scores summed term after
term; an empty chunk counts as one empty term), so they equal the scores of the bm25s index this
replaces (tests/ingest/test_bm25.py builds both and compares).

A published version keeps every term's postings on disk (`ingest.bm25_postings`): `StoredBM25`
reads a question's terms' lists from the catalog when asked and holds only per-chunk lengths, so
an app's memory does not grow with the postings. A catalog written before those were kept loads
into `BM25Index`, in memory: each document's postings as stored, a term found in each document by
one vectorised binary search over all documents (document number and term id in one int64 key);
the next ingest writes its postings.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from ingest import bm25_postings, store
from ingest.bm25_counts import Postings, TermFn, Vocabulary, count_terms, count_tokens, document_texts

K1 = 1.5
B = 0.75

_CACHED_ENTRIES = 4_000_000  # entries of recent terms' columns an index keeps (~50 MB)

Column = tuple[np.ndarray, np.ndarray]  # a term's chunk rows and its score in each
_UNKNOWN = object()  # not in the cache (None there means: in no chunk)


class KeywordIndex(Protocol):
    """BM25 over one version's chunks, rows in `store.load_chunks` order."""

    n_rows: int  # every chunk of the catalog
    n_docs: int  # the chunks whose statistics count (a reader's view: its reports' alone)

    def __contains__(self, term: object) -> bool: ...

    def doc_freq(self, term: str) -> int: ...

    def get_scores(self, tokens: Sequence[str]) -> np.ndarray: ...


class _ColumnScores:
    """BM25 scores term by term from each term's column (its chunk rows and its score in
    each): what both indexes share. Recent terms' columns are kept (a question's terms are
    asked for by retrieval, the answerer's weights and the refusal features), up to
    `_CACHED_ENTRIES` entries, then dropped together. Races between threads only ever compute
    a column twice."""

    n_rows: int
    n_docs: int

    def __init__(self) -> None:
        self._cache: dict[str, Column | None] = {}
        self._cached = 0

    def _find(self, words: list[str]) -> dict[str, Column | None]:
        raise NotImplementedError

    def _columns(self, words: Iterable[str]) -> dict[str, Column | None]:
        """Each word's column (None: in no chunk); uncached words are looked up together."""
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
            size = sum(len(c[0]) for c in found.values() if c is not None)
            if self._cached + size > _CACHED_ENTRIES:
                self._cache, self._cached = {}, 0
            self._cache.update(found)
            self._cached += size
            columns.update(found)
        return columns

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
        scores = np.zeros(self.n_rows, dtype=np.float32)
        columns = self._columns(tokens)
        for token in tokens:
            column = columns[token]
            if column is not None:
                scores[column[0]] += column[1]  # a term's rows are distinct: each added once
        return scores


class BM25Index(_ColumnScores):
    """BM25 scores of all chunks of one index version, rows in `store.load_chunks` order.

    Immutable once built (its cache of recent terms is thread-safe); shared by threads."""

    def __init__(
        self,
        n_rows: int,
        docs: Sequence[tuple[np.ndarray, Postings]],
        vocabulary: Vocabulary,
        n_docs: int | None = None,
    ) -> None:
        """`docs`: each document's chunk rows (in stored order) and postings; `n_rows`: all the
        catalog's chunks; `n_docs`: the chunks of `docs` (fewer, in a reader's view, whose
        statistics are those of the documents it may read alone)."""
        self.n_rows = n_rows
        self.n_docs = n_rows if n_docs is None else n_docs
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
        average = float(lengths.sum()) / max(1, self.n_docs)
        self._norm = K1 * ((1 - B) + B * lengths.astype(np.float64) / average)
        super().__init__()

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

    @classmethod
    def from_token_lists(cls, token_lists: Sequence[Sequence[str]]) -> BM25Index | None:
        """An index over term lists held in memory (row i: token_lists[i]); None when empty."""
        if not token_lists:
            return None
        counts = count_tokens(token_lists)
        vocabulary = Vocabulary()
        ids = np.fromiter((vocabulary.add(w) for w in counts.terms), dtype=np.int64, count=len(counts.terms))
        return cls(counts.chunks, [(np.arange(counts.chunks), Postings.of(counts, ids))], vocabulary)


class StoredBM25(_ColumnScores):
    """BM25 scores from the postings on disk (`ingest.bm25_postings`): a term's list is read
    from the catalog when a question asks for it (the lists of the last questions are kept, up
    to `_CACHED_ENTRIES` entries). In memory: each chunk's length and row number, ~24 bytes
    per chunk. Scores equal `BM25Index`'s over the same counts (the same steps, in the same
    order). Thread-safe: one read-only connection per thread."""

    def __init__(
        self, path: Path, docs: Sequence[bm25_postings.IndexedDocument], only: frozenset[str] | None
    ):
        rowids = np.concatenate([d.rowids for d in docs]).astype(np.int64)
        lengths = np.concatenate([d.lengths for d in docs]).astype(np.int64)
        kept = np.concatenate([np.full(len(d.rowids), only is None or d.doc_id in only) for d in docs])
        order = np.argsort(rowids)  # rows are numbered in rowid order, as the chunks are loaded
        self.n_rows = len(rowids)
        self._row_of = np.full(int(rowids.max()) + 1, -1, dtype=np.int32)
        self._row_of[rowids[order]] = np.arange(self.n_rows, dtype=np.int32)
        lengths, kept = lengths[order], kept[order]
        self._kept = None if only is None else kept
        self.n_docs = int(kept.sum())
        lengths[~kept] = 0
        average = float(lengths.sum()) / max(1, self.n_docs)
        self._norm = K1 * ((1 - B) + B * lengths.astype(np.float64) / average)
        super().__init__()
        self._catalog = store.CatalogReader(path)

    def _find(self, words: list[str]) -> dict[str, Column | None]:
        found: dict[str, Column | None] = dict.fromkeys(words)
        con = self._catalog.get()
        ids: dict[str, int] = {}
        for start in range(0, len(words), 500):
            part = words[start : start + 500]
            marks = ",".join("?" * len(part))
            ids.update(con.execute(f"SELECT term, term_id FROM bm25_terms WHERE term IN ({marks})", part))
        for word in words:
            if word not in ids:
                continue
            stored = bm25_postings.read(con, ids[word])
            rows = self._row_of[stored.rowids]
            tf = stored.counts
            if self._kept is not None:
                keep = self._kept[rows]
                rows, tf = rows[keep], tf[keep]
            if not len(rows):
                continue
            # As BM25Index computes it: idf by `math.log` in float64, kept as float32; the tf
            # part in float64; the product cast to float32.
            idf = np.float32(math.log(1 + (self.n_docs - len(rows) + 0.5) / (len(rows) + 0.5)))
            tf32 = tf.astype(np.float32)
            found[word] = (
                rows.astype(np.int64),
                (idf * (tf32 / (self._norm[rows] + tf32))).astype(np.float32),
            )
        return found


def _database_path(con: sqlite3.Connection) -> Path:
    return Path(next(row[2] for row in con.execute("PRAGMA database_list") if row[1] == "main"))


def load(
    con: sqlite3.Connection, term_fn: TermFn | None = None, only: frozenset[str] | None = None
) -> KeywordIndex | None:
    """The index of the catalog's chunks (None when it has none): read from its postings on disk
    when every chunk is in them, else built in memory. Documents without stored counts, as in an
    index written before counts were kept (it had a bm25s folder), are counted here from their
    text, in memory only; the next ingest stores their counts and postings. With `only`, the
    statistics are those of these documents alone (a reader's view); rows keep their numbers
    among all the catalog's chunks."""
    stored = bm25_postings.stored_documents(con)
    if stored is not None:
        held = [d for d in stored if only is None or d.doc_id in only]
        if not any(len(d.rowids) for d in held):
            return None
        return StoredBM25(_database_path(con), stored, only)
    return load_in_memory(con, term_fn, only)


def load_in_memory(
    con: sqlite3.Connection, term_fn: TermFn | None = None, only: frozenset[str] | None = None
) -> BM25Index | None:
    """`load` with every posting read into memory (catalogs written before postings were kept)."""
    by_doc: dict[str, list[int]] = {}
    for row, (doc_id,) in enumerate(con.execute("SELECT doc_id FROM chunks ORDER BY rowid")):
        by_doc.setdefault(doc_id, []).append(row)
    if not by_doc:
        return None
    n_rows = sum(len(r) for r in by_doc.values())
    kept = {d: r for d, r in by_doc.items() if only is None or d in only}
    rows = {doc_id: np.asarray(r, dtype=np.int64) for doc_id, r in kept.items()}
    vocabulary = Vocabulary.read(con)
    docs: list[tuple[np.ndarray, Postings]] = []
    stored = con.execute("SELECT doc_id, entries, lengths, terms, starts, chunks, counts FROM bm25_docs")
    for doc_id, entries, *blobs in stored:
        if doc_id not in rows:
            continue  # another reader's document
        postings = Postings.from_blobs(entries, *blobs)
        if doc_id in rows and len(rows[doc_id]) == len(postings.lengths):  # else counted below
            docs.append((rows.pop(doc_id), postings))
    for doc_id, doc_rows in sorted(rows.items()):
        counts = count_terms(document_texts(con, doc_id), term_fn)
        ids = np.fromiter((vocabulary.add(w) for w in counts.terms), dtype=np.int64, count=len(counts.terms))
        docs.append((doc_rows, Postings.of(counts, ids)))
    if not docs:
        return None
    return BM25Index(n_rows, docs, vocabulary, sum(len(r) for r, _p in docs))
