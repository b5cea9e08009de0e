"""The SQL plumbing shared by the two stores of what users create (study/progress.py, admin/users.py).

Both stores are written once against SQLAlchemy Core. The study progress runs on a SQLite file by
default and on PostgreSQL when `KB_DATABASE_URL` is set; users live in PostgreSQL only then (the
default stays the users.json file). Everything that differs between the two databases is here, so
that no other module branches on the backend:

- SQLite: one connection per operation (no pool, as before), WAL, a 30 s busy timeout, and write
  transactions opened with `BEGIN IMMEDIATE` (pysqlite's own transaction handling is switched off,
  as SQLAlchemy's documentation recommends, so that our BEGIN is the one that runs).
- PostgreSQL: psycopg 3, a pooled engine with `pool_pre_ping` (a server restart costs no error),
  a connect timeout, and schema creation serialised by an advisory lock so that several app
  processes starting at once do not race on `CREATE TABLE`.

This module lives beside `config.py` because every package already depends on `ingest`. It lets
users see a database URL only with its password masked, and turns driver errors into one short
Chinese line (never the statement's parameters, which may hold a user's answer).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, MetaData, Table, create_engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.pool import NullPool

SCHEMES = ("postgresql", "postgresql+psycopg")
# psycopg 3 whatever SQLAlchemy's default PostgreSQL driver is (2.0 defaults to psycopg2).
DRIVER = "postgresql+psycopg"
CONNECT_TIMEOUT_S = 10
SQLITE_BUSY_MS = 30_000
# Any fixed 64-bit number: the key of the advisory lock held while the schema is created.
_SCHEMA_LOCK = 0x6B627A67
_WRITE = "kb_write"  # execution option: this transaction writes (SQLite: BEGIN IMMEDIATE)
# Driver messages, lower-cased, that have a plainer Chinese reading.
_REASONS = (
    ("password authentication failed", "用户名或密码不对"),
    ("no password supplied", "需要密码"),
    ("connection refused", "连接被拒绝（数据库没有运行，或主机、端口不对）"),
    ("could not translate host name", "找不到这个主机"),
    ("name or service not known", "找不到这个主机"),
    ("timeout expired", "连接超时"),
    ("does not exist", "数据库或用户不存在"),
    ("server closed the connection", "数据库连接中断"),
    ("terminating connection", "数据库连接中断"),
)


class DatabaseError(ValueError):
    """A database URL that cannot be used; the message names it with its password masked."""


def mask_url(url: str) -> str:
    """`url` with its password replaced by ***. Works on URLs no parser accepts (those are the ones
    an error message quotes), and also masks a `password=` query parameter, which libpq allows."""
    scheme, sep, rest = url.partition("://") if "://" in url else ("", "", url)
    # The last "@" ends the credentials: an unencoded "@" in a password must not leak its tail.
    userinfo, at, host = rest.rpartition("@")
    if at and ":" in userinfo:
        rest = f"{userinfo.split(':', 1)[0]}:***@{host}"
    return re.sub(r"(?i)(password=)[^&#]*", r"\1***", f"{scheme}{sep}{rest}")


def check_url(url: str) -> URL:
    """The parsed URL for a PostgreSQL database, with the psycopg driver; anything else is an error
    naming the URL (masked) and the accepted schemes."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        parsed = None
    if parsed is None or parsed.drivername not in SCHEMES:
        raise DatabaseError(
            f"KB_DATABASE_URL 应为 postgresql://用户名:密码@主机:端口/数据库名"
            f"（或 postgresql+psycopg://…），实际为 {mask_url(url)}"
        )
    if not parsed.database:
        raise DatabaseError(f"KB_DATABASE_URL 缺少数据库名：{mask_url(url)}")
    return parsed.set(drivername=DRIVER)


def postgres_engine(url: str) -> Engine:
    """A pooled engine; it connects on first use, so a server that is down fails there."""
    parsed = check_url(url)
    connect_args: dict[str, Any] = {}
    if "connect_timeout" not in parsed.query:  # the URL's own timeout wins
        connect_args["connect_timeout"] = CONNECT_TIMEOUT_S
    try:
        return create_engine(parsed, pool_pre_ping=True, hide_parameters=True, connect_args=connect_args)
    except ImportError as exc:
        raise DatabaseError(f"连接 {mask_url(url)} 需要 psycopg：pip install 'psycopg[binary]'") from exc


def sqlite_engine(path: Path) -> Engine:
    # URL.create, not a string: a folder named "a?b" or "#1" must stay a path, not a query.
    url = URL.create("sqlite", database=str(path))
    engine = create_engine(url, poolclass=NullPool, hide_parameters=True)
    event.listen(engine, "connect", _sqlite_connect)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # pysqlite issues no BEGIN of its own; _sqlite_begin does
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
        # Readers never wait for the writer, and the writer never waits for readers.
        cursor.execute("PRAGMA journal_mode=WAL")
    finally:
        cursor.close()


def _sqlite_begin(con: Connection) -> None:
    # A write transaction reads a row and then writes it: IMMEDIATE takes the write lock first, so
    # two writers queue (busy timeout) instead of one failing when it upgrades its read lock.
    con.exec_driver_sql("BEGIN IMMEDIATE" if con.get_execution_options().get(_WRITE) else "BEGIN")


@contextmanager
def transaction(engine: Engine, *, write: bool = False) -> Iterator[Connection]:
    """One transaction, committed when the block ends without an exception, else rolled back."""
    with engine.connect() as con:
        if write:
            con.execution_options(**{_WRITE: True})
        with con.begin():
            yield con


def create_schema(
    engine: Engine, metadata: MetaData, prepare: Callable[[Connection], None] | None = None
) -> None:
    """Create the missing tables and indexes of `metadata` (existing ones are left as they are),
    after `prepare` (an in-place upgrade of an older schema), in one transaction."""
    with transaction(engine, write=True) as con:
        if con.dialect.name == "postgresql":  # DDL is transactional there: the lock serialises it
            con.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_LOCK})
        if prepare is not None:
            prepare(con)
        metadata.create_all(con)
        for table in metadata.tables.values():
            for index in table.indexes:  # create_all makes indexes only with a new table
                index.create(con, checkfirst=True)


def insert(con: Connection, table: Table) -> postgresql.Insert | sqlite.Insert:
    """An INSERT with `on_conflict_do_nothing` / `on_conflict_do_update` for this database."""
    dialect = postgresql if con.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def reason(exc: BaseException, url: str = "") -> str:
    """The driver's first line (not SQLAlchemy's, which may quote the statement), read in Chinese
    where we know it; any password of `url` in it is masked."""
    orig = getattr(exc, "orig", None) or exc
    lines = str(orig).strip().splitlines()
    first = lines[0].strip() if lines else type(orig).__name__
    if url:
        first = first.replace(url, mask_url(url))
    password = _password(url)
    if password:
        first = first.replace(password, "***")
    plain = next((zh for needle, zh in _REASONS if needle in first.lower()), "")
    return f"{plain}：{first}" if plain else first


def _password(url: str) -> str:
    if not url:
        return ""
    try:
        return make_url(url).password or ""
    except (ArgumentError, ValueError):
        return ""


class Tables:
    """Tables of `metadata` in a database, created on first use (once per process), each
    transaction's database error raised as `error` naming `where` (the file or the masked URL)."""

    def __init__(
        self, engine: Engine, metadata: MetaData, where: str, error: type[Exception], url: str = ""
    ) -> None:
        self.engine, self.metadata, self.where, self.error, self.url = engine, metadata, where, error, url
        self._ready = False

    @contextmanager
    def transaction(self, write: bool = True) -> Iterator[Connection]:
        try:
            if not self._ready:
                create_schema(self.engine, self.metadata)
                self._ready = True
            with transaction(self.engine, write=write) as con:
                yield con
        except SQLAlchemyError as exc:
            raise self.failure(exc) from exc

    def failure(self, exc: SQLAlchemyError) -> Exception:
        """The error to raise for a database error met on these tables."""
        return self.error(f"{self.where} 无法读写（{reason(exc, self.url)}）")
