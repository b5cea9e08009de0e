"""Login that resists guessing: failed logins lock the user name and the client address.

Five failures in a row (`MAX_FAILURES`) lock the name and, separately, the address for 15 minutes
(`LOCK_SECONDS`): while either is locked, a login is refused before its password is checked,
even with the right password, until the lock ends or an administrator unlocks it (`kb users
unlock`). A name no user has counts and locks exactly like one that exists, so a lock tells
nothing about which names exist. Counts and locks live in the database when `KB_DATABASE_URL`
is set (every app process sees them), else in `logins.sqlite` in `KB_DATA_DIR`.

`LoginGuard` is the ASGI middleware in front of Gradio's login route (`POST /login`): it reads the
submitted name, refuses a locked one (400, as Gradio's page expects, with the reason in Chinese
for API callers), passes the request on otherwise, and records its outcome (200 success, 400
failure).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
from sqlalchemy import Column, ColumnElement, Float, Integer, MetaData, Table, Text, delete, select
from starlette.requests import Request

from admin.audit import AuditLog
from ingest import database
from ingest.visible import one_line

MAX_FAILURES = 5
LOCK_SECONDS = 15 * 60
NAME, ADDRESS = "name", "address"
LOCKED = "登录失败次数过多，该用户名或本机已被暂时锁定，请 {minutes} 分钟后再试，或请管理员解锁。"

log = logging.getLogger(__name__)

_METADATA = MetaData()
_FAILURES = Table(
    "login_failures",
    _METADATA,
    Column("kind", Text, primary_key=True),  # NAME or ADDRESS
    Column("key", Text, primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("locked_until", Float, nullable=False),  # seconds since the epoch; 0: not locked
)


class LockoutError(ValueError):
    pass


@dataclass(frozen=True)
class Lock:
    kind: str
    key: str
    until: float


class Lockout:
    """Failed-login counts and locks, per user name and per client address."""

    def __init__(
        self,
        location: Path | str,
        max_failures: int = MAX_FAILURES,
        lock_seconds: float = LOCK_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.max_failures, self.lock_seconds, self.clock = max_failures, lock_seconds, clock
        if isinstance(location, Path):
            location.parent.mkdir(parents=True, exist_ok=True)
            engine, url, self.where = database.sqlite_engine(location), "", f"登录记录文件 {location}"
        else:
            try:
                engine, url = database.postgres_engine(location), location
            except database.DatabaseError as exc:
                raise LockoutError(str(exc)) from exc
            self.where = f"登录记录数据库 {database.mask_url(location)}"
        self._tables = database.Tables(engine, _METADATA, self.where, LockoutError, url)

    @classmethod
    def from_settings(cls, data_dir: Path, database_url: str = "") -> Lockout:
        return cls(database_url or data_dir / "logins.sqlite")

    def locked_for(self, name: str, address: str) -> float:
        """Seconds until the name and the address may try again (0: now)."""
        now = self.clock()
        with self._tables.transaction() as con:
            rows = con.execute(
                select(_FAILURES.c.locked_until).where(_rows_of(name, address))
            ).all()
        return max([until - now for (until,) in rows] + [0.0])

    def failed(self, name: str, address: str) -> None:
        """One more failure for both; the one reaching MAX_FAILURES is locked (and counts anew)."""
        now = self.clock()
        with self._tables.transaction() as con:
            for kind, key in ((NAME, _name(name)), (ADDRESS, address)):
                row = con.execute(
                    select(_FAILURES.c.failures, _FAILURES.c.locked_until).where(
                        (_FAILURES.c.kind == kind) & (_FAILURES.c.key == key)
                    )
                ).first()
                if row is not None and row[1] > now:
                    continue  # locked already: the lock runs its course
                failures = (row[0] if row is not None else 0) + 1
                until = now + self.lock_seconds if failures >= self.max_failures else 0.0
                values = {"failures": 0 if until else failures, "locked_until": until}
                con.execute(
                    database.insert(con, _FAILURES)
                    .values(kind=kind, key=key, **values)
                    .on_conflict_do_update(index_elements=["kind", "key"], set_=values)
                )
                if until:
                    log.warning("login locked for %s %s after %d failures", kind, key, failures)

    def succeeded(self, name: str, address: str) -> None:
        """A login went through: the name's and the address's failures are forgotten."""
        self.unlock(name, address)

    def unlock(self, name: str = "", address: str = "") -> int:
        """Forget the name's and the address's failures and locks; how many were there."""
        if not name and not address:
            raise ValueError("请给出要解锁的用户名或地址")
        with self._tables.transaction() as con:
            done = con.execute(delete(_FAILURES).where(_rows_of(name, address)).returning(_FAILURES.c.key))
            return len(done.all())

    def locks(self) -> list[Lock]:
        """The names and addresses locked now."""
        now = self.clock()
        with self._tables.transaction() as con:
            rows = con.execute(
                select(_FAILURES.c.kind, _FAILURES.c.key, _FAILURES.c.locked_until).where(
                    _FAILURES.c.locked_until > now
                )
            ).all()
        return [Lock(kind, key, until) for kind, key, until in rows]


def _rows_of(name: str, address: str) -> ColumnElement[bool]:
    """The rows of the name and of the address."""
    return ((_FAILURES.c.kind == NAME) & (_FAILURES.c.key == _name(name))) | (
        (_FAILURES.c.kind == ADDRESS) & (_FAILURES.c.key == address)
    )


def _name(name: str) -> str:
    return one_line(name.strip())  # as logins look names up


class LoginGuard:
    """ASGI middleware: refuses a locked name or address at Gradio's login route, and counts
    each login's outcome there."""

    def __init__(self, app: Any, lockout: Lockout, audit: AuditLog | None = None) -> None:
        self.app, self.lockout, self.audit = app, lockout, audit

    async def __call__(
        self, scope: dict[str, Any], receive: Callable[..., Any], send: Callable[..., Any]
    ) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and scope["path"] == "/":
            await self.app(scope, receive, _with_script(send))
            return
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"].rstrip("/") != "/login":
            await self.app(scope, receive, send)
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break

        async def replay() -> dict[str, Any]:
            return {"type": "http.request", "body": body, "more_body": False}

        form = await Request(scope, replay).form()
        name = str(form.get("username") or "")
        address = (scope.get("client") or ("", 0))[0] or "unknown"
        try:
            left = await anyio.to_thread.run_sync(self.lockout.locked_for, name, address)
        except LockoutError as exc:  # a record that cannot be read lets nobody in
            log.warning("login refused: %s", exc)
            left = float(self.lockout.lock_seconds)
        if left > 0:
            detail = LOCKED.format(minutes=max(1, round(left / 60)))
            await _reply(send, 400, {"detail": detail})
            await anyio.to_thread.run_sync(self._record, "login_locked", name, address)
            return
        async def watched(message: dict[str, Any]) -> None:
            # The outcome is counted before the reply leaves: the next try already sees it.
            if message["type"] == "http.response.start":
                await self._outcome(int(message["status"]), name, address)
            await send(message)

        await self.app(scope, replay, watched)

    async def _outcome(self, code: int, name: str, address: str) -> None:
        outcome = {200: self.lockout.succeeded, 400: self.lockout.failed}.get(code)
        if outcome is None:
            return
        try:
            await anyio.to_thread.run_sync(outcome, name, address)
        except LockoutError as exc:
            log.warning("login outcome not recorded: %s", exc)
        action = "login" if code == 200 else "login_failed"
        await anyio.to_thread.run_sync(self._record, action, name, address)

    def _record(self, action: str, name: str, address: str) -> None:
        if self.audit is not None:
            self.audit.record(action, name, address)


async def _reply(send: Callable[..., Any], status: int, content: dict[str, str]) -> None:
    body = json.dumps(content, ensure_ascii=False).encode("utf-8")
    headers = [(b"content-type", b"application/json; charset=utf-8"), (b"content-length", b"%d" % len(body))]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


# Gradio's login page says 凭据不正确 for any refused login and shows no reason: on the page, this
# script shows the lock's own message (from the refusal's JSON) in its place.
_LOCK_SCRIPT = rb"""<script>(() => {
  const original = window.fetch;
  const wrong = "\u51ed\u636e\u4e0d\u6b63\u786e";  // what the page says for any refusal
  let locked = "";
  const show = () => document.querySelectorAll("p, div, span").forEach((el) => {
    if (el.children.length || (el.textContent.trim() !== wrong && !el.dataset.kbLock)) return;
    const want = locked || wrong;
    if (el.textContent !== want) el.textContent = want;  // else no change, and no new mutation
    if (locked) el.dataset.kbLock = "1"; else delete el.dataset.kbLock;
  });
  window.fetch = async (...args) => {
    const reply = await original(...args);
    try {
      const url = String((args[0] && args[0].url) || args[0]);
      if (/\/login\/?$/.test(url) && reply.status === 400) {
        const body = await reply.clone().json();
        locked = typeof body.detail === "string" && body.detail.includes("\u9501\u5b9a") ? body.detail : "";
        setTimeout(show, 0);  // the message may be on the page already, from an earlier try
      }
    } catch (e) { locked = ""; }
    return reply;
  };
  new MutationObserver(show).observe(document.documentElement, { childList: true, subtree: true });
})();</script>"""


def _with_script(send: Callable[..., Any]) -> Callable[..., Any]:
    """`send` for the page's HTML, with _LOCK_SCRIPT added before its </body>."""
    start: dict[str, Any] = {}
    body = b""

    async def sending(message: dict[str, Any]) -> None:
        nonlocal body
        if message["type"] == "http.response.start":
            headers = dict(message.get("headers", []))
            if not headers.get(b"content-type", b"").startswith(b"text/html"):
                start["passthrough"] = True
                await send(message)
                return
            start.update(message)
            return
        if start.get("passthrough"):
            await send(message)
            return
        body += message.get("body", b"")
        if message.get("more_body"):
            return
        if b"</body>" in body:
            body = body.replace(b"</body>", _LOCK_SCRIPT + b"</body>", 1)
        kept = [(k, v) for k, v in start.get("headers", []) if k != b"content-length"]
        await send({**start, "headers": [*kept, (b"content-length", b"%d" % len(body))]})
        await send({"type": "http.response.body", "body": body})

    return sending
