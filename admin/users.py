"""Who may log in, and who may change the knowledge base.

Users belong to groups (干部科, 部务会): a report restricted to some groups is read by their members
and the administrators only (admin.access).

Login is optional: with no users configured the app is open to anyone who can reach it (and
nobody can upload or delete through the web). Users come from the `KB_USERS` variable
(`name:role:hash,...`, for deployments that configure by environment), else from the
`KB_DATABASE_URL` database when one is set (shared by app processes on several machines), else
from a JSON file (`KB_USERS_FILE`, default `$KB_DATA_DIR/users.json`); `kb users add` writes to
the database or the file. Passwords are stored as scrypt hashes with a per-user salt, never in
clear.

The file and the database are two small classes behind one interface (`_Store`): the file is
rewritten whole (atomically, mode 0600), the database changes one row per command (an upsert).
Validation, roles and password checks are the same code for both, in `Users`.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import logging
import os
import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

import anyio
from sqlalchemy import Column, Connection, MetaData, Table, Text, delete, inspect, select
from sqlalchemy.exc import SQLAlchemyError

from ingest import database
from ingest.metadata import valid_group
from ingest.visible import one_line

ADMIN, USER = "admin", "user"
ROLES = (ADMIN, USER)
# OWASP's scrypt minimum (N=2^17, r=8, p=1): ~0.5 s and 128 MiB per check on these CPUs.
_SCRYPT = {"n": 2**17, "r": 8, "p": 1}
_MAXMEM = 2**28
# Checks run in worker threads, at most two at once: a flood of logins costs memory and CPU,
# but never blocks the event loop that serves everyone's answers.
_CHECKS = anyio.CapacityLimiter(2)
MIN_PASSWORD_CHARS = 8
FROM_ENV = "用户由环境变量 KB_USERS 配置，请修改该变量，而不是用户文件或数据库"

log = logging.getLogger(__name__)


class UsersError(ValueError):
    pass


@dataclass(frozen=True)
class User:
    name: str
    role: str
    password_hash: str
    groups: tuple[str, ...] = ()  # the groups whose restricted reports the user may read

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, dklen=32, maxmem=_MAXMEM, **_SCRYPT)
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        got = hashlib.scrypt(
            password.encode("utf-8"),
            salt=bytes.fromhex(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=32,
            maxmem=_MAXMEM,
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got.hex(), digest)


class _Store(Protocol):
    """Where users are kept; `where` names it in messages (a URL with its password masked)."""

    where: str

    def load(self) -> dict[str, User]: ...

    def save(self, user: User) -> None: ...

    def delete(self, name: str) -> bool: ...


class _File:
    """The users file: read whole, written whole (all or nothing, readable by the owner only)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.where = f"用户文件 {path}"

    def load(self) -> dict[str, User]:
        if not self.path.exists():
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return {
                name: User(name, entry["role"], entry["password"], _stored_groups(entry.get("groups", [])))
                for name, entry in data["users"].items()
            }
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise UsersError(f"{self.where} 无法读取或格式不对（{exc}）") from exc

    def save(self, user: User) -> None:
        users = self.load()
        users[user.name] = user
        self._write(users)

    def delete(self, name: str) -> bool:
        users = self.load()
        if users.pop(name, None) is None:
            return False
        self._write(users)
        return True

    def _write(self, users: dict[str, User]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = {
            "users": {
                u.name: {"role": u.role, "password": u.password_hash, "groups": list(u.groups)}
                for u in users.values()
            }
        }
        tmp = self.path.with_name(f".{self.path.name}.tmp-{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False, indent=1)
        os.replace(tmp, self.path)


_METADATA = MetaData()
_TABLE = Table(
    "users",
    _METADATA,
    Column("name", Text, primary_key=True),
    Column("role", Text, nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("member_of", Text, nullable=False, server_default="[]"),  # a JSON list of group names
)


def _add_groups_column(con: Connection) -> None:
    """A users table created before users had groups gets the column (every user in none)."""
    found = inspect(con)
    if found.has_table("users") and "member_of" not in {c["name"] for c in found.get_columns("users")}:
        con.exec_driver_sql("ALTER TABLE users ADD COLUMN member_of TEXT NOT NULL DEFAULT '[]'")


class _Database:
    """The `users` table of the KB_DATABASE_URL database (created on first use): one row per user,
    written one row at a time, so two administrators adding users at once both keep theirs."""

    def __init__(self, url: str) -> None:
        self._url = url
        self.where = f"用户数据库 {database.mask_url(url)}"
        try:
            self._engine = database.postgres_engine(url)
        except database.DatabaseError as exc:
            raise UsersError(str(exc)) from exc
        self._ready = False  # the table exists (checked once per process)

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        try:
            if not self._ready:
                database.create_schema(self._engine, _METADATA, prepare=_add_groups_column)
                self._ready = True
            with database.transaction(self._engine) as con:
                yield con
        except SQLAlchemyError as exc:
            raise UsersError(
                f"{self.where} 无法读写（{database.reason(exc, self._url)}），请检查 KB_DATABASE_URL"
            ) from exc

    def load(self) -> dict[str, User]:
        with self._transaction() as con:
            rows = con.execute(
                select(_TABLE.c.name, _TABLE.c.role, _TABLE.c.password_hash, _TABLE.c.member_of)
            ).all()
        try:
            return {
                name: User(name, role, password_hash, _stored_groups(json.loads(groups)))
                for name, role, password_hash, groups in rows
            }
        except ValueError as exc:
            raise UsersError(f"{self.where} 中的组格式不对（{exc}）") from exc

    def save(self, user: User) -> None:
        values = {
            "role": user.role,
            "password_hash": user.password_hash,
            "member_of": json.dumps(list(user.groups), ensure_ascii=False),
        }
        with self._transaction() as con:
            con.execute(
                database.insert(con, _TABLE)
                .values(name=user.name, **values)
                .on_conflict_do_update(index_elements=["name"], set_=values)
            )

    def delete(self, name: str) -> bool:
        with self._transaction() as con:
            deleted = con.execute(delete(_TABLE).where(_TABLE.c.name == name).returning(_TABLE.c.name))
            return deleted.first() is not None


class Users:
    """The configured users, read from the environment variable, the database or the users file."""

    def __init__(self, path: Path, env_value: str = "", database_url: str = "") -> None:
        self.path = path
        self.env_value = env_value.strip()
        # KB_USERS wins: then the database is never opened.
        self._store: _Store = _Database(database_url) if database_url and not self.env_value else _File(path)

    @classmethod
    def from_settings(
        cls, data_dir: Path, environ: dict[str, str] | None = None, database_url: str = ""
    ) -> Users:
        env = dict(os.environ if environ is None else environ)
        path = Path(env["KB_USERS_FILE"]) if env.get("KB_USERS_FILE") else data_dir / "users.json"
        return cls(path, env.get("KB_USERS", ""), database_url)

    @property
    def where(self) -> str:
        """Where the users come from, for messages: 环境变量 KB_USERS, 用户文件 …, 用户数据库 …"""
        return "环境变量 KB_USERS" if self.env_value else self._store.where

    def all(self) -> dict[str, User]:
        if self.env_value:
            return _parse_env(self.env_value)
        users = self._store.load()
        for user in users.values():
            if user.role not in ROLES:
                raise UsersError(f"{self._store.where} 中 {user.name} 的角色应为 admin 或 user")
        return users

    @property
    def enabled(self) -> bool:
        return bool(self.all())

    def authenticate(self, name: str, password: str) -> bool:
        """The name exists and the password matches its hash. An unknown name costs one check
        too, against a fixed hash, so timing does not tell which names exist. Users that cannot
        be read (a database that went down) let nobody in, and say why in the log."""
        try:
            user = self.all().get(one_line(name))  # as names are stored
        except UsersError as exc:
            log.warning("login refused: %s", exc)
            user = None
        if user is None:
            check_password(password, _dummy_hash())
            return False
        return check_password(password, user.password_hash)

    async def authenticate_async(self, name: str, password: str) -> bool:
        """For Gradio's login route, which awaits a coroutine: the check runs off the event loop."""
        return await anyio.to_thread.run_sync(self.authenticate, name, password, limiter=_CHECKS)

    def is_admin(self, name: str | None) -> bool:
        """False also when the users cannot be read: administration fails closed."""
        try:
            user = self.all().get(name or "")
        except UsersError as exc:
            log.warning("administrator rights not granted: %s", exc)
            return False
        return user is not None and user.is_admin

    def groups(self) -> frozenset[str]:
        """Every group some user belongs to: the names a report's readers may use."""
        return frozenset(g for user in self.all().values() for g in user.groups)

    def add(self, name: str, password: str, role: str = USER, groups: Sequence[str] = ()) -> None:
        if self.env_value:
            raise UsersError(FROM_ENV)
        name = one_line(name)  # no direction override or zero-width character in a name
        if not name or ":" in name or "," in name or len(name) > 32:
            raise UsersError("用户名不能为空，最多 32 个字，且不能含“:”或“,”")
        if role not in ROLES:
            raise UsersError("角色应为 admin 或 user")
        if len(password) < MIN_PASSWORD_CHARS:
            raise UsersError(f"密码至少 {MIN_PASSWORD_CHARS} 位")
        names = group_names(groups)
        self.all()  # a broken file or database is reported before anything is written
        self._store.save(User(name, role, hash_password(password), names))

    def set_groups(self, name: str, groups: Sequence[str]) -> User:
        """The user's groups replaced by `groups` (none: the user reads open reports only)."""
        if self.env_value:
            raise UsersError(FROM_ENV)
        names = group_names(groups)
        user = self.all().get(one_line(name))
        if user is None:
            raise UsersError(f"没有用户 {name}")
        changed = replace(user, groups=names)
        self._store.save(changed)
        return changed

    def remove(self, name: str) -> None:
        if self.env_value:
            raise UsersError(FROM_ENV)
        if not self._store.delete(name):
            raise UsersError(f"没有用户 {name}")


def group_names(groups: Sequence[str]) -> tuple[str, ...]:
    """Group names as stored: one line each, sorted, no repeats; a bad one is an error naming it."""
    names = []
    for raw in groups:
        name = one_line(str(raw))
        if not valid_group(name):
            raise UsersError(f"组名“{name}”不能为空，最多 32 个字，且不能含“:”“,”或“|”")
        names.append(name)
    return tuple(sorted(set(names)))


def _stored_groups(raw: object) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(g, str) for g in raw):
        raise ValueError("groups 应为组名的列表")
    return group_names(raw)


@functools.cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_hex(8))


def _parse_env(value: str) -> dict[str, User]:
    users = {}
    for item in value.split(","):
        parts = item.strip().split(":")
        if len(parts) not in (3, 4) or parts[1] not in ROLES or not parts[2].startswith("scrypt$"):
            raise UsersError(
                "环境变量 KB_USERS 的格式应为 用户名:admin或user:密码哈希[:组1|组2]"
                "（哈希用 kb users hash 生成），多个用逗号分隔"
            )
        name = one_line(parts[0])  # as a typed name is looked up
        groups = group_names([g for g in parts[3].split("|") if g.strip()]) if len(parts) == 4 else ()
        users[name] = User(name, parts[1], parts[2], groups)
    return users
