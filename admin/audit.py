"""The audit trail: who did what, from where, when.

Logins (success, failure, refused while locked), uploads, deletions, metadata and reader changes,
user and group changes, unlocks, and (only when `KB_AUDIT_QUESTIONS=1`, since some departments
must log them and others must not) questions asked. Appended as JSON lines (time, user, client
address, action, object) to `audit.jsonl` in `KB_DATA_DIR`, or to the `audit_log` table of the
`KB_DATABASE_URL` database when one is set (every app process writes to the same trail).
Administrators read it in the 管理 tab (filtered by user and action, exported as CSV).

Every text is one visible line (ingest.visible.one_line), so a line reads as what it is. A
record that cannot be written is logged as a warning and never costs the user the action.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import threading
import time
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Column, Float, Integer, MetaData, Table, Text, insert, select

from ingest import database
from ingest.visible import one_line

# Actions and how the 管理 tab names them.
ACTIONS = {
    "login": "登录成功",
    "login_failed": "登录失败",
    "login_locked": "登录被拒（已锁定）",
    "upload": "上传报告",
    "delete": "删除报告",
    "correct": "更正报告信息",
    "user_add": "添加用户",
    "user_remove": "删除用户",
    "user_groups": "设置用户的组",
    "unlock": "解锁登录",
    "question": "提问",
}
COMMAND_LINE = "命令行"  # the address of what `kb` does on the server itself
MAX_SHOWN = 500

log = logging.getLogger(__name__)

_METADATA = MetaData()
_TABLE = Table(
    "audit_log",
    _METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("time", Float, nullable=False),
    Column("user", Text, nullable=False),
    Column("address", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("object", Text, nullable=False),
)


class AuditError(ValueError):
    pass


@dataclass(frozen=True)
class Event:
    time: float  # seconds since the epoch
    user: str
    address: str
    action: str
    object: str

    @property
    def when(self) -> str:
        return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.time))

    def line(self) -> str:
        """The event as one JSON line (time in ISO 8601, local time with its offset)."""
        stamp = datetime.fromtimestamp(self.time).astimezone().isoformat(timespec="seconds")
        return json.dumps({**asdict(self), "time": stamp}, ensure_ascii=False)


class AuditLog:
    def __init__(self, location: Path | str, questions: bool = False) -> None:
        """`location`: the JSON lines file, or a PostgreSQL URL; `questions`: log questions too."""
        self.questions = questions
        self._lock = threading.Lock()
        self._path: Path | None = None
        self._tables: database.Tables | None = None
        if isinstance(location, Path):
            self._path = location
            self.where = f"操作记录文件 {location}"
        else:
            try:
                engine = database.postgres_engine(location)
            except database.DatabaseError as exc:
                raise AuditError(str(exc)) from exc
            self.where = f"操作记录数据库 {database.mask_url(location)}"
            self._tables = database.Tables(engine, _METADATA, self.where, AuditError, location)

    @classmethod
    def from_settings(
        cls, data_dir: Path, database_url: str = "", environ: dict[str, str] | None = None
    ) -> AuditLog:
        env = os.environ if environ is None else environ
        questions = env.get("KB_AUDIT_QUESTIONS", "").strip().lower() in ("1", "true", "yes", "on")
        return cls(database_url or data_dir / "audit.jsonl", questions)

    def record(self, action: str, user: str = "", address: str = "", obj: str = "") -> None:
        """Append one event; a failure to write is logged, never raised."""
        if action not in ACTIONS:
            raise ValueError(f"unknown audit action {action!r}")
        event = Event(time.time(), one_line(user or ""), one_line(address or ""), action, one_line(obj or ""))
        try:
            self._append(event)
        except (OSError, AuditError) as exc:
            log.warning("audit event %s not recorded: %s", action, exc)

    def _append(self, event: Event) -> None:
        if self._path is not None:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            with self._lock, self._path.open("a+b") as f:
                # A line cut short by a crash is closed first, so the next one stands on its own.
                cut = False
                if f.seek(0, os.SEEK_END) > 0:
                    f.seek(-1, os.SEEK_END)
                    cut = f.read(1) != b"\n"
                # One write per line: appends from several processes interleave whole lines.
                f.write((("\n" if cut else "") + event.line() + "\n").encode("utf-8"))
            return
        assert self._tables is not None
        with self._tables.transaction() as con:
            con.execute(insert(_TABLE).values(**asdict(event)))

    def events(self, user: str = "", action: str = "", limit: int = MAX_SHOWN) -> list[Event]:
        """The newest events first, of `user` and `action` when given."""
        found = [e for e in reversed(self._all()) if user in ("", e.user) and action in ("", e.action)]
        return found[:limit]

    def _all(self) -> list[Event]:
        """Every event, in the order recorded."""
        if self._path is not None:
            if not self._path.exists():
                return []
            events = []
            for line in self._path.read_text(encoding="utf-8").splitlines():
                try:
                    data = json.loads(line)
                    stamp = datetime.fromisoformat(data["time"]).timestamp()
                    events.append(Event(stamp, data["user"], data["address"], data["action"], data["object"]))
                except (ValueError, KeyError, TypeError):
                    continue  # a line cut short by a crash: the others still count
            return events
        assert self._tables is not None
        with self._tables.transaction(write=False) as con:
            columns = (_TABLE.c.time, _TABLE.c.user, _TABLE.c.address, _TABLE.c.action, _TABLE.c.object)
            return [Event(*row) for row in con.execute(select(*columns).order_by(_TABLE.c.id)).all()]


def address_of(request: object) -> str:
    """A web request's client address, as the server saw it (behind a proxy: docs/deploy.md)."""
    client = getattr(request, "client", None)
    return str(getattr(client, "host", "") or "")


def as_csv(events: list[Event]) -> str:
    """The events as CSV (UTF-8 with a byte-order mark, so Excel reads the Chinese)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["时间", "用户", "地址", "操作", "对象"])
    for e in events:
        writer.writerow([e.when, e.user, e.address, ACTIONS.get(e.action, e.action), e.object])
    return "\ufeff" + out.getvalue()
