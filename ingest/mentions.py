"""Which paragraphs' text holds a phrase, without reading every paragraph: the keyword index's
character bigrams narrow the search to the chunks that hold all of the phrase's bigrams, and
only those paragraphs' text is checked.

That is exact for a phrase of two or more CJK characters. A chunk holds its paragraph's
sentences whole, so a phrase within a paragraph is within one of its chunks and every one of its
bigrams is in that chunk's postings. The one exception is a sentence longer than a chunk, cut
hard inside (`ingest.chunk`): a phrase may straddle the cut. The paragraphs with such a cut are
kept per document (`chunk_seams`) and always checked. A phrase of another kind, or a catalog
without seams or postings (written before they were kept; the next ingest adds them, reading
only chunk text), is found by reading every paragraph of the documents asked about.

    chunk_seams(doc_id, paragraph_ids)   JSON list of the document's paragraphs whose chunks are
                                         cut inside a sentence (usually empty)
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from itertools import pairwise

import numpy as np

from ingest import bm25_postings
from ingest.chunk import ends_sentence
from ingest.terms import bigrams, normalize

SCHEMA = """
CREATE TABLE IF NOT EXISTS chunk_seams (doc_id TEXT PRIMARY KEY, paragraph_ids TEXT NOT NULL);
"""
_BATCH = 500


def seams(chunks: Sequence[tuple[str, str]]) -> list[str]:
    """The paragraphs (of `(paragraph_id, chunk text)` in stored order) with a chunk that ends
    inside a sentence and is followed by another chunk of the same paragraph."""
    cut: dict[str, None] = {}
    for (paragraph, text), (following, _text) in pairwise(chunks):
        if paragraph == following and not ends_sentence(text):
            cut[paragraph] = None
    return list(cut)


def sync(con: sqlite3.Connection) -> int:
    """Record the seams of every document that has none recorded; returns how many documents."""
    pending = [
        r[0]
        for r in con.execute(
            "SELECT d.doc_id FROM documents d LEFT JOIN chunk_seams s USING (doc_id) WHERE s.doc_id IS NULL"
        )
    ]
    for doc_id in pending:
        rows = con.execute("SELECT paragraph_id, text FROM chunks WHERE doc_id = ? ORDER BY rowid", (doc_id,))
        cut = json.dumps(seams(rows.fetchall()), ensure_ascii=False)
        con.execute("INSERT INTO chunk_seams VALUES (?, ?)", (doc_id, cut))
    return len(pending)


def remove(con: sqlite3.Connection, doc_id: str) -> None:
    con.execute("DELETE FROM chunk_seams WHERE doc_id = ?", (doc_id,))


def candidates(con: sqlite3.Connection, docs: Sequence[str], phrase: str) -> list[str] | None:
    """Paragraph ids that may hold `phrase` (a superset of those of `docs` that do; others may
    be among them), or None when the index cannot narrow it down and every paragraph must be
    read."""
    grams = list(dict.fromkeys(bigrams(phrase)))
    if normalize(phrase) != phrase or len(grams) != len(phrase) - 1 or not grams:
        return None  # not a single run of CJK characters (bigrams would not cover all of it)
    # Seams are recorded in the same ingest step that stores the documents' postings
    # (`ingest.build.apply`), so a document with seams has postings too.
    cut = _seams(con, docs)
    if cut is None:
        return None
    rows = _rows_holding(con, grams)
    found: list[str] = []
    for start in range(0, len(rows), 50_000):
        part = json.dumps(rows[start : start + 50_000].tolist())
        query = "SELECT DISTINCT paragraph_id FROM chunks WHERE rowid IN (SELECT value FROM json_each(?))"
        found += [r[0] for r in con.execute(query, (part,))]
    return list(dict.fromkeys(found + cut))


def _rows_holding(con: sqlite3.Connection, grams: list[str]) -> np.ndarray:
    """The chunk rowids whose postings hold every one of `grams`."""
    marks = ",".join("?" * len(grams))
    ids = dict(con.execute(f"SELECT term, term_id FROM bm25_terms WHERE term IN ({marks})", grams))
    if len(ids) < len(grams):
        return np.zeros(0, dtype=np.int64)
    # The rarest list first: each intersection can only shrink it.
    columns = sorted((bm25_postings.read(con, ids[g]).rowids for g in grams), key=len)
    rows = columns[0]
    for other in columns[1:]:
        rows = np.intersect1d(rows, other, assume_unique=True)
    return rows.astype(np.int64)


def _seams(con: sqlite3.Connection, docs: Sequence[str]) -> list[str] | None:
    """The cut paragraphs of `docs`, or None when some document has no seams recorded."""
    if not con.execute("SELECT 1 FROM sqlite_master WHERE name = 'chunk_seams'").fetchone():
        return None
    cut: list[str] = []
    seen = 0
    for start in range(0, len(docs), _BATCH):
        part = list(docs[start : start + _BATCH])
        marks = ",".join("?" * len(part))
        query = f"SELECT paragraph_ids FROM chunk_seams WHERE doc_id IN ({marks})"
        for (listed,) in con.execute(query, part):
            cut += json.loads(listed)
            seen += 1
    return cut if seen == len(docs) else None
