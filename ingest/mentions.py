"""Which paragraphs' text holds a phrase, without reading every paragraph: the keyword index's
character bigrams narrow the search to the chunks that hold all of the phrase's bigrams, and
only those chunks' text is checked (by rowid, in the chunks table).

That is exact for a phrase of two or more CJK characters. A paragraph of up to a chunk's length
is one chunk with the same text. A longer one is packed into chunks of whole sentences, so a
phrase within it is within one sentence and so within one chunk, and a phrase within a chunk's
text is within one of its sentences (the phrase holds no sentence end), so within the
paragraph. Two exceptions are recorded per document at ingest (`chunk_seams`) and checked
against their paragraph's own text, which is held in memory (`Seams`, well under 1% of
paragraphs): a sentence longer than a chunk, cut hard inside (a phrase may straddle the cut),
and a paragraph with a line break (the sentences on both sides are joined without it). A
phrase of another kind, or a catalog without seams (written before they were kept; the next
ingest adds them, reading only chunk text), is found by reading every paragraph of the
documents asked about.

    chunk_seams(doc_id, paragraph_ids)   JSON list of those paragraphs of the document (most
                                         often empty)
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from ingest import bm25_postings
from ingest.chunk import ends_sentence
from ingest.terms import bigrams, normalize

SCHEMA = """
CREATE TABLE IF NOT EXISTS chunk_seams (doc_id TEXT PRIMARY KEY, paragraph_ids TEXT NOT NULL);
"""
_ROWS_AT_ONCE = 100_000  # chunk rowids per query (a JSON list of ~1 MB)


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
    pending = _unrecorded(con)
    for doc_id in pending:
        rows = con.execute("SELECT paragraph_id, text FROM chunks WHERE doc_id = ? ORDER BY rowid", (doc_id,))
        broken = con.execute(
            "SELECT paragraph_id FROM paragraphs WHERE doc_id = ? AND instr(text, char(10)) > 0", (doc_id,)
        )
        cut = list(dict.fromkeys(seams(rows.fetchall()) + [r[0] for r in broken]))
        con.execute("INSERT INTO chunk_seams VALUES (?, ?)", (doc_id, json.dumps(cut, ensure_ascii=False)))
    return len(pending)


def _unrecorded(con: sqlite3.Connection, limit: int = -1) -> list[str]:
    """Documents with no seams recorded (the first `limit` of them; -1: all)."""
    query = "SELECT d.doc_id FROM documents d LEFT JOIN chunk_seams s USING (doc_id) WHERE s.doc_id IS NULL"
    return [r[0] for r in con.execute(query + " LIMIT ?", (limit,))]


def remove(con: sqlite3.Connection, doc_id: str) -> None:
    con.execute("DELETE FROM chunk_seams WHERE doc_id = ?", (doc_id,))


@dataclass(frozen=True)
class Seams:
    """The recorded paragraphs' ids, documents and text, read once per version."""

    paragraphs: list[tuple[str, str, str]]

    @classmethod
    def load(cls, con: sqlite3.Connection) -> Seams | None:
        """None when some document has no seams recorded (written before they were kept)."""
        if not con.execute("SELECT 1 FROM sqlite_master WHERE name = 'chunk_seams'").fetchone():
            return None
        if _unrecorded(con, limit=1):
            return None
        listed = con.execute("SELECT paragraph_ids FROM chunk_seams WHERE paragraph_ids != '[]'")
        ids = [pid for (found,) in listed for pid in json.loads(found)]
        rows = con.execute(
            "SELECT paragraph_id, doc_id, text FROM paragraphs"
            " WHERE paragraph_id IN (SELECT value FROM json_each(?))",
            (json.dumps(ids, ensure_ascii=False),),
        )
        return cls(rows.fetchall())

    def holding(self, phrase: str) -> list[str]:
        """The ids of the recorded paragraphs whose own text holds `phrase`: their chunks may
        join what a line break separates ("北京\n上海" is chunked as "北京上海")."""
        return [pid for pid, _doc, text in self.paragraphs if phrase in text]


def find(con: sqlite3.Connection, phrase: str) -> np.ndarray | None:
    """The rowids of the chunks whose text holds `phrase`, ascending, or None when the index
    cannot narrow the search (every paragraph must then be read). A paragraph of `Seams` is
    decided by its own text (`Seams.holding`), whatever its chunks say."""
    grams = list(dict.fromkeys(bigrams(phrase)))
    if normalize(phrase) != phrase or len(grams) != len(phrase) - 1 or not grams:
        return None  # not a single run of CJK characters (bigrams would not cover all of it)
    rows = _rows_holding(con, grams)
    query = "SELECT rowid FROM chunks WHERE rowid IN (SELECT value FROM json_each(?)) AND instr(text, ?) > 0"
    found = [np.zeros(0, dtype=np.int64)]
    for start in range(0, len(rows), _ROWS_AT_ONCE):
        part = json.dumps(rows[start : start + _ROWS_AT_ONCE].tolist())
        held = con.execute(query, (part, phrase)).fetchall()
        found.append(np.fromiter((r[0] for r in held), np.int64, len(held)))
    return np.sort(np.concatenate(found))


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
