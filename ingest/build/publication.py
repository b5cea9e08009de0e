"""Where the published index version is kept, and how an app finds it.

Two kinds, chosen by the settings (`of`):

- `FolderPublication` (the default): version folders in KB_INDEX_DIR and the CURRENT file naming
  the published one (`ingest.store.publish`). One machine, or app machines sharing that folder.
- `PostgresPublication` (KB_STORE=milvus with KB_DATABASE_URL): the vectors are in Milvus and
  every version's files (its catalog) are in PostgreSQL, with a one-row pointer to the published
  version. An ingest uploads the new version and moves the pointer in one transaction, so a
  killed ingest leaves the previous version published. Each app process asks PostgreSQL which
  version is published (one indexed read per question) and, when it is new, downloads it into
  its own KB_INDEX_DIR, a local cache no other machine shares: app machines need no shared disk.
  Files travel as content-addressed blocks (`ingest.build.blocks`): a version that adds one
  report to a large catalog sends, and each app fetches, the blocks that changed, not the
  catalog. Ingests on different machines take turns through an advisory lock.

The catalog is read locally because the question path reads it constantly (postings, paragraph
text, scopes) and SQLite on a local disk answers those reads in microseconds; PostgreSQL holds
the versions and decides which one is published.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from pathlib import Path
from typing import Protocol

from sqlalchemy import (
    BigInteger,
    Column,
    Engine,
    Float,
    Integer,
    Table,
    Text,
    delete,
    select,
    text,
)
from sqlalchemy.exc import SQLAlchemyError

# The module, not the package: `from ingest.build import …` here would make the package import itself.
import ingest.build.blocks as blocks
from ingest import database, store
from ingest.build.lock import IngestLocked, ingest_lock
from ingest.config import Settings

# Any fixed 64-bit number: the advisory lock one ingest at a time holds, whichever machine it is on.
_INGEST_LOCK = 0x6B62696E67
_FETCHING = ".fetching-"  # a version being downloaded; renamed to its name when complete
KEPT_LOCALLY = 3  # version folders an app machine keeps (the newest by name)


_opened: dict[tuple[Path, str], PostgresPublication] = {}
_opened_lock = threading.Lock()


class PublicationError(RuntimeError):
    """PostgreSQL could not be read or written; the message names it (password masked)."""


class Publication(Protocol):
    def name(self) -> str | None:
        """The published version's name (cheap: an app asks before every question)."""

    def current(self) -> Path | None:
        """The local folder of the published version (downloaded first if need be), or None."""

    def fetch_kept(self) -> None:
        """Make every version an app may still be reading available locally (an ingest's
        clean-up reads which rows they list)."""

    def publish(self, version: Path) -> None:
        """Make the complete version folder `version` the published one, atomically."""

    def lock(self, wait: float = 0.0) -> AbstractContextManager[None]:
        """One ingest at a time (IngestLocked after `wait` seconds)."""


def of(settings: Settings) -> Publication:
    if settings.store == "milvus" and settings.database_url:
        key = (settings.index_dir, settings.database_url)
        with _opened_lock:  # one per folder and database: its tables are checked once
            found = _opened.get(key)
            if found is None:
                found = _opened[key] = PostgresPublication(settings.index_dir, settings.database_url)
        return found
    return FolderPublication(settings.index_dir)


def shared(settings: Settings) -> bool:
    """Whether versions are published in PostgreSQL for app machines that share no disk. The
    reports are then added on the ingest machine (`kb ingest`): an app machine neither indexes
    its own folder at start nor takes uploads, whose files no other machine would have."""
    return isinstance(of(settings), PostgresPublication)


def require_current(settings: Settings) -> Path:
    version = of(settings).current()
    if version is None:
        raise store.IndexMissing(f"索引不存在：{settings.index_dir}。请先运行 kb ingest 建立索引。")
    return version


class FolderPublication:
    def __init__(self, index_dir: Path) -> None:
        self.index_dir = index_dir

    def name(self) -> str | None:
        version = store.current_version(self.index_dir)
        return version.name if version is not None else None

    def current(self) -> Path | None:
        return store.current_version(self.index_dir)

    def fetch_kept(self) -> None:
        return None  # every version is in the folder already

    def publish(self, version: Path) -> None:
        store.publish(self.index_dir, version)

    def lock(self, wait: float = 0.0) -> AbstractContextManager[None]:
        return ingest_lock(self.index_dir, wait)


_versions = Table(
    "kb_index_versions",
    blocks.metadata,
    Column("name", Text, primary_key=True),
    Column("files", Integer, nullable=False),
    Column("bytes", BigInteger, nullable=False),
    Column("created_at", Float, nullable=False),
)
_published = Table(
    "kb_index_published",
    blocks.metadata,
    Column("slot", Integer, primary_key=True),  # always 1: one published version per database
    Column("name", Text, nullable=False),
    Column("previous", Text, nullable=False),  # kept too: apps may still be loading it
    Column("published_at", Float, nullable=False),
)


class PostgresPublication:
    def __init__(self, index_dir: Path, url: str) -> None:
        self.index_dir = index_dir
        self.url = url
        self.sent = 0  # bytes the last publish sent (blocks the database lacked)
        self.fetched = 0  # bytes the last download fetched (blocks no local version held)
        self._tables = database.Tables(
            _engine(url), blocks.metadata, database.mask_url(url), PublicationError, url
        )

    # --- reading ---------------------------------------------------------------------------

    def published(self) -> tuple[str, str] | None:
        """The published version's name and the one before it ("" if none)."""
        with self._tables.transaction(write=False) as con:
            row = con.execute(select(_published.c.name, _published.c.previous)).first()
        return (row[0], row[1]) if row is not None else None

    def name(self) -> str | None:
        names = self.published()
        return names[0] if names is not None else None

    def current(self) -> Path | None:
        names = self.published()
        if names is None:
            return None
        return self._local(names[0])

    def fetch_kept(self) -> None:
        names = self.published()
        for name in names or ():
            if name:
                self._local(name)

    def _local(self, name: str) -> Path:
        """The version's folder in this machine's index folder, downloaded once."""
        folder = self.index_dir / name
        if (folder / store.CATALOG).exists():
            return folder
        self.index_dir.mkdir(parents=True, exist_ok=True)
        partial = self.index_dir / f"{_FETCHING}{name}-{os.getpid()}-{threading.get_ident()}"
        shutil.rmtree(partial, ignore_errors=True)
        try:
            self._download(name, partial)
            store.flush_version(partial)  # on disk, files and entries, before it is renamed in
            os.replace(partial, folder)  # another process may have finished first: same bytes
            store.fsync_dir(self.index_dir)
        except OSError:
            if not (folder / store.CATALOG).exists():
                raise
        finally:
            shutil.rmtree(partial, ignore_errors=True)
        _prune_local(self.index_dir, keep=name)
        return folder

    def _download(self, name: str, target: Path) -> None:
        """The version's files, with the blocks earlier local versions hold taken from them."""
        target.mkdir(parents=True)
        local = blocks.local_blocks(self.index_dir)
        with self._tables.transaction(write=False) as con:
            if con.execute(select(_versions.c.name).where(_versions.c.name == name)).first() is None:
                raise PublicationError(f"{database.mask_url(self.url)} 中没有索引版本 {name}")
            manifest = blocks.listed(con, name)
            try:
                if store.CATALOG not in manifest:  # forgotten since the check above
                    raise blocks.MissingBlock(f"{name} lists no {store.CATALOG}")
                self.fetched = blocks.download(con, manifest, target, local)
            except blocks.MissingBlock as exc:  # deleted meanwhile: a newer version is published
                raise PublicationError(f"索引版本 {name} 已不完整（{exc}），将使用最新版本") from exc
        blocks.save_manifest(target.with_name(name), manifest)

    # --- writing ---------------------------------------------------------------------------

    def publish(self, version: Path) -> None:
        size = sum(p.stat().st_size for p in version.rglob("*") if p.is_file())
        with self._tables.transaction(write=True) as con:
            before = con.execute(select(_published.c.name).with_for_update()).scalar()
            manifest, self.sent = blocks.upload(con, version.name, version)
            row = {"name": version.name, "files": len(manifest), "bytes": size, "created_at": time.time()}
            con.execute(_versions.insert().values(**row))
            values = {"name": version.name, "previous": before or "", "published_at": time.time()}
            upsert = database.insert(con, _published).values(slot=1, **values)
            con.execute(upsert.on_conflict_do_update(index_elements=["slot"], set_=values))
        blocks.save_manifest(version, manifest)
        self._forget()

    def _forget(self) -> None:
        """Delete the versions no app needs any more (all but the published one and the one
        before it, as the pointer says now), and the blocks no kept version lists. The pointer's
        row is locked first, as a publish locks it before checking which blocks are stored, so
        the two never interleave. Best effort: the next publish retries."""
        try:
            with self._tables.transaction(write=True) as con:
                row = con.execute(select(_published.c.name, _published.c.previous).with_for_update()).first()
                if row is None:
                    return
                keep = {row[0], row[1]}
                con.execute(delete(_versions).where(_versions.c.name.not_in(keep)))
                blocks.forget(con, keep)
        except PublicationError:
            pass

    @contextmanager
    def lock(self, wait: float = 0.0) -> Iterator[None]:
        """This machine's ingest lock, then PostgreSQL's, held by a connection of its own (the
        server releases it when that connection ends, with its process)."""
        with ingest_lock(self.index_dir, wait), ExitStack() as held:
            deadline = time.monotonic() + wait
            try:
                con = held.enter_context(self._tables.engine.connect())
                while not con.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": _INGEST_LOCK}).scalar():
                    if time.monotonic() >= deadline:
                        where = database.mask_url(self.url)
                        raise IngestLocked(f"另一个导入任务正在更新 {where} 中的索引，请稍后再试。")
                    time.sleep(0.2)
                con.commit()
            except SQLAlchemyError as exc:
                raise self._tables.failure(exc) from exc
            try:
                yield
            finally:
                # A session lock outlives a failed ingest when the connection returns to the pool.
                try:
                    con.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _INGEST_LOCK})
                    con.commit()
                except SQLAlchemyError:
                    con.invalidate()  # closed, not pooled: the server releases the lock


def _prune_local(index_dir: Path, keep: str) -> None:
    """Keep the newest few version folders of this machine (names sort by time), and `keep`."""
    versions = sorted((p for p in index_dir.glob("v-*") if p.is_dir()), key=lambda p: p.name)
    for folder in versions[:-KEPT_LOCALLY]:
        if folder.name != keep:
            blocks.manifest_path(folder).unlink(missing_ok=True)
            shutil.rmtree(folder, ignore_errors=True)


_engines: dict[str, Engine] = {}


def _engine(url: str) -> Engine:
    """One pooled engine per URL in this process (an app asks on every question)."""
    found = _engines.get(url)
    if found is None:
        found = _engines[url] = database.postgres_engine(url)
    return found
