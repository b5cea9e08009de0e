"""Vectors already computed, by (embedder name, sha256 of the exact text embedded).

The cache lives in the index folder beside the versions (`<index_dir>/vector-cache.sqlite`),
not inside one, so it outlives them all: re-reading a report, editing it, changing the chunk
size or the segmenter embeds only text this model has never embedded. Another embedder never
sees these rows (the model is part of the key).

- One writer: only an ingest opens it, and only one ingest runs at a time (the ingest lock);
  WAL mode and a busy timeout cover anything else that reads it.
- A row is a hint, never the truth: a vector is used only if its length matches the model's
  dimension and it is finite and unit-length (embedders return normalised rows); anything else
  is embedded again. A lost row costs an embedding, nothing more.
- Crash safety: rows are committed after each batch (WAL, synchronous=NORMAL: a crash can lose
  the last batches, never corrupt the file), so an ingest killed half-way resumes where it was.
  A file SQLite reports as damaged (not a database, malformed) is renamed aside with a warning
  and a new one is started; a file that cannot be used at all (read-only folder, disk full)
  leaves the ingest with a cache in memory for this run. Never fatal; the index is never touched.
- A new (or renewed) cache is first filled from the live version's vectors when they are of this
  model, so neither an index built before the cache existed nor a damaged cache costs a re-embed.
- Growth: after a published ingest, when the cache holds more than twice the live version's chunks
  plus PRUNE_SLACK rows, the least recently used rows not in the live version are dropped down
  to that bound (so a chunk-size change and back, or an edit reverted, usually still hits).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import sqlite3
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import numpy as np

from ingest import index_backend, store
from ingest.embed import Embedder

if TYPE_CHECKING:
    from ingest.config import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")

CACHE_FILE = "vector-cache.sqlite"
FORMAT = "1"
PRUNE_SLACK = 5000  # rows always allowed beyond twice the live chunks (~8 MB at 384 dimensions)
_QUERY_ROWS = 500  # keys per SELECT (SQLite allows 32766 variables; keep statements small)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS vectors (
    model TEXT NOT NULL, text_hash BLOB NOT NULL, dim INTEGER NOT NULL, vector BLOB NOT NULL,
    used_at REAL NOT NULL, PRIMARY KEY (model, text_hash)) WITHOUT ROWID;
"""
# SQLite's result codes for a file that is not (or no longer) a sound database.
_DAMAGED = (11, 26)  # SQLITE_CORRUPT, SQLITE_NOTADB


class _ForeignFormat(sqlite3.DatabaseError):
    """A cache file written by another version of this code: set aside like a damaged one."""


def text_key(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


class VectorCache:
    """The cache for one embedder, opened on first use (an ingest that embeds nothing never
    loads the model to learn its dimension). `seed` is the live version, used to fill a new cache.
    Warnings for the ingest report collect in `notes`."""

    def __init__(
        self, index_dir: Path, embedder: Embedder, seed: Path | None = None, settings: Settings | None = None
    ) -> None:
        """`settings` say how to reach a seed version's Milvus collection (not needed for FAISS)."""
        self.path = index_dir / CACHE_FILE
        self.model = embedder.name
        self._embedder = embedder
        self._seed = seed
        self._settings = settings
        self._con: sqlite3.Connection | None = None
        self._in_ram = False
        self._dim = 0
        self.notes: list[str] = []

    # --- public ------------------------------------------------------------------------------

    def lookup(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """The cached vector of each of `texts` that has a sound one."""
        return self._guarded(lambda: self._lookup(texts), {})

    def add(self, texts: Sequence[str], matrix: np.ndarray) -> None:
        """Remember the vectors just computed for `texts` (row i for texts[i])."""
        self._guarded(lambda: self._add(texts, matrix), None)

    def prune(self, live: Path) -> int:
        """Drop least recently used rows that the version `live` does not use while the cache is
        larger than twice its chunks plus PRUNE_SLACK; returns how many went. Runs after an
        ingest published, so it never raises (a failure is logged); never opens the cache."""
        if self._con is None:
            return 0
        try:
            return self._guarded(lambda: self._prune(live), 0)
        except Exception as exc:
            log.warning("vector cache not pruned (%s)", type(exc).__name__)
            return 0

    def close(self) -> None:
        if self._con is not None:
            with contextlib.suppress(sqlite3.Error):
                self._con.close()
            self._con = None

    # --- opening and recovering --------------------------------------------------------------

    def _db(self) -> sqlite3.Connection:
        if self._con is None:
            self._dim = int(self._embedder.dim)
            self._con = self._open()
        return self._con

    def _open(self) -> sqlite3.Connection:
        try:
            return self._connect(str(self.path))
        except sqlite3.DatabaseError as exc:
            if not self._is_damage(exc):
                return self._in_memory(exc)
            self._set_aside(exc)
            try:
                return self._connect(str(self.path))
            except sqlite3.DatabaseError as again:
                return self._in_memory(again)

    def _connect(self, where: str) -> sqlite3.Connection:
        con = sqlite3.connect(where, timeout=10.0)
        try:
            con.execute("PRAGMA busy_timeout = 10000")
            new = con.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0] == 0
            if new:  # only possible before the first table exists
                con.execute("PRAGMA auto_vacuum = INCREMENTAL")
            con.execute("PRAGMA journal_mode = WAL")
            con.execute("PRAGMA synchronous = NORMAL")
            con.executescript(_SCHEMA)
            row = con.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
            if row is None:
                con.execute("INSERT INTO meta VALUES ('format', ?)", (FORMAT,))
                con.commit()
                new = True
            elif row[0] != FORMAT:
                raise _ForeignFormat(f"缓存格式 {row[0]}，应为 {FORMAT}")
            seeded = self._seed_vectors() if new else None
            if seeded is not None:
                self._write(con, *seeded)
            return con
        except BaseException:
            con.close()
            raise

    def _is_damage(self, exc: sqlite3.DatabaseError) -> bool:
        if self._in_ram or isinstance(exc, sqlite3.OperationalError):
            return False  # locked, read-only, disk full, I/O: the file is not at fault
        return isinstance(exc, _ForeignFormat) or getattr(exc, "sqlite_errorcode", None) in _DAMAGED

    def _set_aside(self, exc: BaseException) -> None:
        aside = self.path.with_name(f"{self.path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
        for suffix in ("", "-wal", "-shm"):
            part = Path(f"{self.path}{suffix}")
            if part.exists():
                try:
                    part.rename(Path(f"{aside}{suffix}"))
                except OSError:
                    part.unlink(missing_ok=True)
        note = f"向量缓存文件已损坏（{exc}），已改名为 {aside.name} 并重新建立；索引不受影响。"
        log.warning("vector cache %s damaged (%s): moved to %s", self.path, exc, aside.name)
        self.notes.append(note)

    def _in_memory(self, exc: BaseException) -> sqlite3.Connection:
        note = f"无法使用向量缓存文件 {self.path}（{exc}），本次导入只在内存中缓存向量。"
        log.warning("vector cache %s unusable (%s): in memory for this ingest", self.path, exc)
        self.notes.append(note)
        self._in_ram = True
        return self._connect(":memory:")

    def _guarded(self, action: Callable[[], T], fallback: T) -> T:
        """Run `action`. Damage found on the way sets the file aside and the action runs again on
        a new file; any other SQLite error moves the cache into memory for this ingest and the
        action runs again there; failing even so, the cache is simply not used this time."""
        for attempt in range(3):
            try:
                return action()
            except sqlite3.DatabaseError as exc:
                damaged = self._is_damage(exc)
                self.close()
                if attempt == 2:
                    break
                if damaged:
                    self._set_aside(exc)  # the next action reopens: a new file
                else:
                    self._con = self._in_memory(exc)
        return fallback

    def _seed_vectors(self) -> tuple[list[str], np.ndarray] | None:
        """The live version's texts and vectors, for a new cache, when that version was built by
        this model. A version that cannot be read leaves the cache empty (logged), never broken."""
        seed = self._seed
        if seed is None or not (seed / store.CATALOG).exists():
            return None
        try:
            with store.catalog(seed) as cat:
                meta = store.get_meta(cat)
            if meta.get("embedder") != self.model or meta.get("dim") != str(self._dim):
                return None
            return index_backend.version_vectors(seed, self._settings)
        except Exception as exc:
            log.warning("vector cache not filled from %s (%s)", seed.name, type(exc).__name__)
            return None

    # --- rows --------------------------------------------------------------------------------

    def _lookup(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        con = self._db()
        keys = {text_key(t): t for t in texts}
        out: dict[str, np.ndarray] = {}
        key_list = list(keys)
        for start in range(0, len(key_list), _QUERY_ROWS):
            part = key_list[start : start + _QUERY_ROWS]
            marks = ",".join("?" * len(part))
            for key, dim, blob in con.execute(
                f"SELECT text_hash, dim, vector FROM vectors WHERE model = ? AND text_hash IN ({marks})",
                (self.model, *part),
            ):
                vector = self._sound(dim, blob)
                if vector is not None:
                    out[keys[bytes(key)]] = vector
        if out:
            now = time.time()
            con.executemany(
                "UPDATE vectors SET used_at = ? WHERE model = ? AND text_hash = ?",
                [(now, self.model, text_key(t)) for t in out],
            )
            con.commit()
        return out

    def _sound(self, dim: int, blob: bytes) -> np.ndarray | None:
        if dim != self._dim or len(blob) != 4 * self._dim:
            return None
        vector = np.frombuffer(blob, dtype=np.float32).copy()
        if not np.isfinite(vector).all() or abs(float(np.linalg.norm(vector)) - 1.0) > 1e-3:
            return None
        return vector

    def _add(self, texts: Sequence[str], matrix: np.ndarray) -> None:
        self._write(self._db(), texts, matrix)

    def _write(self, con: sqlite3.Connection, texts: Sequence[str], matrix: np.ndarray) -> None:
        rows = np.ascontiguousarray(matrix, dtype=np.float32)
        if rows.shape != (len(texts), self._dim):
            return  # not this model's vectors: nothing to remember
        now = time.time()
        con.executemany(
            "INSERT OR REPLACE INTO vectors VALUES (?, ?, ?, ?, ?)",
            [
                (self.model, text_key(t), self._dim, row.tobytes(), now)
                for t, row in zip(texts, rows, strict=True)
            ],
        )
        con.commit()

    def _prune(self, live: Path) -> int:
        con = self._db()
        total = con.execute("SELECT COUNT(*) FROM vectors").fetchone()[0]
        with store.catalog(live) as catalog:
            live_chunks = catalog.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
        excess = total - (2 * live_chunks + PRUNE_SLACK)
        if excess <= 0:
            return 0  # the usual case: the live texts are neither read nor hashed
        with store.catalog(live) as catalog:
            live_texts = [text for (text,) in catalog.execute("SELECT embed_text FROM chunks")]
        con.execute("CREATE TEMP TABLE IF NOT EXISTS live (text_hash BLOB PRIMARY KEY) WITHOUT ROWID")
        con.execute("DELETE FROM live")
        con.executemany("INSERT OR IGNORE INTO live VALUES (?)", [(text_key(t),) for t in live_texts])
        dropped = con.execute(
            "DELETE FROM vectors WHERE (model, text_hash) IN ("
            " SELECT model, text_hash FROM vectors"
            " WHERE NOT (model = ? AND text_hash IN (SELECT text_hash FROM live))"
            " ORDER BY used_at LIMIT ?)",
            (self.model, excess),
        ).rowcount
        con.commit()
        con.execute("PRAGMA incremental_vacuum")
        return int(dropped)
