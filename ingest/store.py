"""The index on disk: a catalog (SQLite), a llama-index FAISS vector store and a BM25 index.

Layout of the index folder:

    CURRENT            name of the live version folder (replaced atomically)
    v-<time>-<n>/      one complete version:
        catalog.sqlite   documents, paragraphs, chunks, meta, each document's BM25 term
                         counts (`ingest.bm25_counts`) and every term's postings
                         (`ingest.bm25_postings`): the bm25_* tables
        vectors/         the FAISS index (ids: chunk rowids) and the vectors by row (`ingest.vectors`)
    ingest.lock        held while an ingest runs
    vector-cache.sqlite  vectors by (embedder, text hash), shared by all versions (vector_cache.py)

Versions written before the term counts were kept have a bm25s index in `bm25/` instead; they
still load (`ingest.bm25.load` counts their text in memory) and the next ingest stores the
counts and drops the folder.

An ingest copies the live version, changes the copy and only then points CURRENT at it, so a
crash at any moment leaves the previous version intact and loadable.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import threading
import time
import urllib.parse
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingest import bm25_counts, bm25_postings, mentions
from ingest.records import Aspect, Chunk, DocKind, DocumentMeta, DocumentRecord, Kind, Paragraph, TimeScope

CURRENT = "CURRENT"
CATALOG = "catalog.sqlite"
LEGACY_BM25_DIR = "bm25"  # the bm25s index of versions written before term counts were kept
SCHEMA_VERSION = "1"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY, path TEXT NOT NULL, title TEXT NOT NULL,
    content_hash TEXT NOT NULL, format TEXT NOT NULL, ingested_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS paragraphs (
    paragraph_id TEXT PRIMARY KEY, doc_id TEXT NOT NULL, number INTEGER NOT NULL,
    text TEXT NOT NULL, heading_path TEXT NOT NULL, kind TEXT NOT NULL,
    span_start INTEGER NOT NULL, span_end INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS paragraphs_doc ON paragraphs(doc_id, number);
CREATE TABLE IF NOT EXISTS chunks (
    chunk_id TEXT PRIMARY KEY, paragraph_id TEXT NOT NULL, doc_id TEXT NOT NULL,
    text TEXT NOT NULL, embed_text TEXT NOT NULL, kind TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id);
CREATE TABLE IF NOT EXISTS doc_meta (
    doc_id TEXT PRIMARY KEY, title TEXT NOT NULL, year INTEGER, body TEXT NOT NULL,
    region TEXT NOT NULL, kind TEXT NOT NULL, origin TEXT NOT NULL, readers TEXT NOT NULL DEFAULT '[]');
CREATE TABLE IF NOT EXISTS paragraph_scope (
    paragraph_id TEXT PRIMARY KEY, doc_id TEXT NOT NULL, years TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS paragraph_scope_doc ON paragraph_scope(doc_id);
"""


class IndexMissing(FileNotFoundError):
    pass


@dataclass(frozen=True)
class DocumentInfo:
    doc_id: str
    path: str
    title: str
    content_hash: str
    format: str
    ingested_at: float


# --- catalog -----------------------------------------------------------------------------


def connect(version_dir: Path) -> sqlite3.Connection:
    con = sqlite3.connect(version_dir / CATALOG)
    con.executescript(_SCHEMA + bm25_counts.SCHEMA + bm25_postings.SCHEMA + mentions.SCHEMA)
    return con


@contextmanager
def catalog(version_dir: Path) -> Iterator[sqlite3.Connection]:
    """A catalog connection that commits and is closed on leaving the block (sqlite3's own
    context manager commits but leaves the connection open)."""
    con = connect(version_dir)
    try:
        with con:
            yield con
    finally:
        con.close()


def get_meta(con: sqlite3.Connection) -> dict[str, str]:
    return dict(con.execute("SELECT key, value FROM meta").fetchall())


def set_meta(con: sqlite3.Connection, values: dict[str, str]) -> None:
    con.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", list(values.items()))


def documents(con: sqlite3.Connection) -> list[DocumentInfo]:
    rows = con.execute(
        "SELECT doc_id, path, title, content_hash, format, ingested_at FROM documents ORDER BY path"
    ).fetchall()
    return [DocumentInfo(*row) for row in rows]


def insert_document(
    con: sqlite3.Connection, doc: DocumentRecord, chunks: Sequence[Chunk], counts: bm25_counts.TermCounts
) -> None:
    """A document, its chunks and their BM25 term counts (`bm25_counts.count_terms` of the chunks'
    `embed_text`, in this order)."""
    if counts.chunks != len(chunks):
        raise ValueError(f"term counts for {counts.chunks} chunks, {len(chunks)} chunks given")
    con.execute(
        "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?)",
        (doc.doc_id, doc.path, doc.title, doc.content_hash, doc.format, time.time()),
    )
    con.executemany(
        "INSERT INTO paragraphs VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                p.paragraph_id,
                p.doc_id,
                p.number,
                p.text,
                json.dumps(list(p.heading_path), ensure_ascii=False),
                p.kind.value,
                p.span[0],
                p.span[1],
            )
            for p in doc.paragraphs
        ],
    )
    con.executemany(
        "INSERT INTO chunks VALUES (?, ?, ?, ?, ?, ?)",
        [(c.chunk_id, c.paragraph_id, doc.doc_id, c.text, c.embed_text, c.kind.value) for c in chunks],
    )
    bm25_counts.store_counts(con, doc.doc_id, counts)


def delete_document(con: sqlite3.Connection, doc_id: str) -> list[str]:
    """Remove a document from the catalog; returns its chunk ids (to delete their vectors)."""
    chunk_ids = [r[0] for r in con.execute("SELECT chunk_id FROM chunks WHERE doc_id = ?", (doc_id,))]
    con.execute("DELETE FROM chunks WHERE doc_id = ?", (doc_id,))
    con.execute("DELETE FROM paragraphs WHERE doc_id = ?", (doc_id,))
    con.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))
    con.execute("DELETE FROM doc_meta WHERE doc_id = ?", (doc_id,))
    con.execute("DELETE FROM paragraph_scope WHERE doc_id = ?", (doc_id,))
    bm25_postings.remove(con, doc_id)  # before its counts go: they say which terms it had
    bm25_counts.delete_counts(con, doc_id)
    mentions.remove(con, doc_id)
    return chunk_ids


# --- document metadata and time scopes ---------------------------------------------------------


def _has_readers(con: sqlite3.Connection) -> bool:
    """Catalogs written before reports had readers lack the column: every report there is open."""
    return any(row[1] == "readers" for row in con.execute("PRAGMA table_info(doc_meta)"))


def doc_metas(con: sqlite3.Connection) -> dict[str, DocumentMeta]:
    readers = "readers" if _has_readers(con) else "'[]'"
    rows = con.execute(f"SELECT doc_id, title, year, body, region, kind, origin, {readers} FROM doc_meta")
    return {
        r[0]: DocumentMeta(
            title=r[1],
            year=r[2],
            body=r[3],
            region=r[4],
            kind=DocKind(r[5]),
            origin=tuple((k, v) for k, v in json.loads(r[6])),
            readers=tuple(json.loads(r[7])),
        )
        for r in rows.fetchall()
    }


def set_doc_meta(con: sqlite3.Connection, doc_id: str, meta: DocumentMeta) -> None:
    if not _has_readers(con):  # an older catalog, upgraded on its next ingest
        con.execute("ALTER TABLE doc_meta ADD COLUMN readers TEXT NOT NULL DEFAULT '[]'")
    con.execute(
        "INSERT OR REPLACE INTO doc_meta (doc_id, title, year, body, region, kind, origin, readers)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            doc_id,
            meta.title,
            meta.year,
            meta.body,
            meta.region,
            meta.kind.value,
            json.dumps([list(o) for o in meta.origin], ensure_ascii=False),
            json.dumps(list(meta.readers), ensure_ascii=False),
        ),
    )


def set_scopes(con: sqlite3.Connection, doc_id: str, scopes: dict[str, TimeScope]) -> None:
    con.execute("DELETE FROM paragraph_scope WHERE doc_id = ?", (doc_id,))
    con.executemany(
        "INSERT INTO paragraph_scope VALUES (?, ?, ?)",
        [(pid, doc_id, json.dumps([[y, a.value] for y, a in s.years])) for pid, s in scopes.items()],
    )


def document_paragraphs(con: sqlite3.Connection, doc_id: str, limit: int | None = None) -> list[Paragraph]:
    """One document's paragraphs in order (the first `limit` of them), without metadata."""
    rows = con.execute(
        "SELECT p.paragraph_id, p.doc_id, d.title, p.number, p.text, p.heading_path, p.kind, "
        "p.span_start, p.span_end FROM paragraphs p JOIN documents d USING (doc_id) "
        "WHERE p.doc_id = ? ORDER BY p.number" + (f" LIMIT {int(limit)}" if limit else ""),
        (doc_id,),
    ).fetchall()
    return [paragraph_of(r) for r in rows]


def paragraph_of(
    r: Sequence[Any], meta: DocumentMeta | None = None, scope: TimeScope | None = None
) -> Paragraph:
    return Paragraph(
        paragraph_id=r[0],
        doc_id=r[1],
        doc_title=r[2],
        number=r[3],
        text=r[4],
        heading_path=tuple(json.loads(r[5])),
        kind=Kind(r[6]),
        span=(r[7], r[8]),
        meta=meta,
        scope=scope or TimeScope(),
    )


def load_paragraphs(con: sqlite3.Connection) -> dict[str, Paragraph]:
    """Every paragraph, with its document's metadata and its time scope (when known)."""
    metas = doc_metas(con)
    scopes = {
        pid: TimeScope(tuple((int(y), Aspect(a)) for y, a in json.loads(years)))
        for pid, years in con.execute("SELECT paragraph_id, years FROM paragraph_scope")
    }
    rows = con.execute(
        "SELECT p.paragraph_id, p.doc_id, d.title, p.number, p.text, p.heading_path, p.kind, "
        "p.span_start, p.span_end FROM paragraphs p JOIN documents d USING (doc_id) "
        "ORDER BY d.path, p.number"
    ).fetchall()
    return {r[0]: paragraph_of(r, metas.get(r[1]), scopes.get(r[0])) for r in rows}


def load_chunks(con: sqlite3.Connection) -> list[Chunk]:
    """All chunks in a fixed order (rowid): the row order of the BM25 index."""
    rows = con.execute(
        "SELECT chunk_id, paragraph_id, text, embed_text, kind FROM chunks ORDER BY rowid"
    ).fetchall()
    return [Chunk(r[0], r[1], r[2], r[3], Kind(r[4])) for r in rows]


def read_only(path: Path) -> sqlite3.Connection:
    """A connection that can only read (a published version is never written again)."""
    return sqlite3.connect(f"file:{urllib.parse.quote(str(path))}?mode=ro", uri=True)


class CatalogReader:
    """Read-only connections to a version's catalog, one per thread (a published version never
    changes, so every thread may read it at once)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()

    def get(self) -> sqlite3.Connection:
        con: sqlite3.Connection | None = getattr(self._local, "con", None)
        if con is None:
            con = self._local.con = read_only(self.path)
        return con


# --- versions ----------------------------------------------------------------------------


def current_version(index_dir: Path) -> Path | None:
    pointer = index_dir / CURRENT
    if not pointer.exists():
        return None
    version = index_dir / pointer.read_text(encoding="utf-8").strip()
    return version if (version / CATALOG).exists() else None


def require_current(index_dir: Path) -> Path:
    version = current_version(index_dir)
    if version is None:
        raise IndexMissing(f"索引不存在：{index_dir}。请先运行 kb ingest 建立索引。")
    return version


def new_version_dir(index_dir: Path) -> Path:
    """A fresh, never reused folder name: a running app tells versions apart by name."""
    index_dir.mkdir(parents=True, exist_ok=True)
    # One reading of the clock for both parts: names sort in the order versions were made (an
    # app keeps the newest by name), also across a second's boundary.
    now = time.time_ns()
    stamp = time.strftime("%Y%m%dT%H%M%S", time.localtime(now // 1_000_000_000))
    return index_dir / f"v-{stamp}-{now % 1_000_000_000:09d}-{os.getpid()}"


def copy_version(source: Path | None, target: Path) -> None:
    if source is None:
        target.mkdir(parents=True)
    else:
        shutil.copytree(source, target)


def flush_version(version_dir: Path) -> None:
    """Every file of a version folder, and every folder's entries, on disk."""
    for path in sorted(version_dir.rglob("*")):
        if path.is_file():
            _fsync(path)
        elif path.is_dir():
            fsync_dir(path)  # the entries of vectors/ and bm25/ too, not only their files
    fsync_dir(version_dir)


def publish(index_dir: Path, version_dir: Path) -> None:
    """Point CURRENT at a finished version atomically (everything flushed to disk first)."""
    flush_version(version_dir)
    tmp = index_dir / f"{CURRENT}.tmp"
    tmp.write_text(version_dir.name, encoding="utf-8")
    _fsync(tmp)
    os.replace(tmp, index_dir / CURRENT)
    fsync_dir(index_dir)


def _fsync(path: Path) -> None:
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


def fsync_dir(path: Path) -> None:
    """Flush a folder's entries (a rename into it) to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove_stale_versions(index_dir: Path, keep: Iterable[str]) -> None:
    """Delete version folders other than `keep` (best effort). The caller keeps the previous
    version too, so an app that is still loading it is not pulled out from under."""
    kept = set(keep)
    for child in index_dir.iterdir():
        if child.is_dir() and child.name.startswith("v-") and child.name not in kept:
            shutil.rmtree(child, ignore_errors=True)
