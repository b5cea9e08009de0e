"""Each user's answers and review schedule, in SQLite or PostgreSQL.

A Leitner schedule: a right answer moves the question up a box and schedules it after that box's
interval (1, 3, 7, 14, 30 days); a wrong answer puts it back in box 0, due at once, so it opens
the user's next round. A right answer given before the question was due counts, but does not
move it up (otherwise a few rounds in one afternoon would put everything off for a month).
Every answer is also kept as a row, for the per-report and per-section summary; an answer
carries the key of its round and position (`attempt`), so the same answer submitted twice (a
double click, two tabs) is stored once.

One short transaction per answer: several users answering at once, from the web app's worker
threads or from separate processes (on several machines, with PostgreSQL), neither block each
other for long nor overwrite each other's rows.

Where: `$KB_DATA_DIR/study.sqlite` by default, or the `KB_DATABASE_URL` database, so that app
processes on several machines share one record. One implementation on SQLAlchemy Core serves
both rather than a SQLite class and a PostgreSQL class: the schedule logic and its tests are the
same statements on both, and what differs (SQLite's `BEGIN IMMEDIATE`, WAL and busy timeout;
PostgreSQL's pool and connect timeout) is set up once in `ingest/database.py`. Existing SQLite
files keep working unchanged (same tables, same columns; files from before attempt keys are
upgraded in place as before).
"""

from __future__ import annotations

import time
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Column,
    Connection,
    Double,
    Engine,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    func,
    inspect,
    select,
    update,
)
from sqlalchemy.exc import SQLAlchemyError

from ingest import database
from ingest.visible import one_line

if TYPE_CHECKING:
    from ingest.config import Settings

INTERVALS_DAYS = (1, 3, 7, 14, 30)  # box 1..5
DAY = 86400.0
MAX_USER_CHARS = 32

# The tables as the SQLite files written before this module used SQLAlchemy already have them.
_METADATA = MetaData()
answers = Table(
    "answers",
    _METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user", Text, nullable=False),
    Column("question_id", Text, nullable=False),
    Column("doc_id", Text, nullable=False),
    Column("doc_title", Text, nullable=False),
    Column("section", Text, nullable=False),
    Column("correct", Integer, nullable=False),
    Column("given", Text, nullable=False),
    Column("answered_at", Double, nullable=False),
    Column("attempt", Text),
    Index("answers_user", "user", "doc_id", "section"),
    # NULL attempts (answers recorded without a key) never conflict: NULLs are distinct.
    Index("answers_attempt", "user", "attempt", unique=True),
    sqlite_autoincrement=True,  # ids never reused: ORDER BY MIN(id) is the order first met
)
reviews = Table(
    "reviews",
    _METADATA,
    Column("user", Text, primary_key=True),
    Column("question_id", Text, primary_key=True),
    Column("box", Integer, nullable=False),
    Column("due", Double, nullable=False),
    Column("right", Integer, nullable=False),
    Column("wrong", Integer, nullable=False),
    Column("last_correct", Integer, nullable=False),
    Column("last_at", Double, nullable=False),
)
_REVIEW = (
    reviews.c.box,
    reviews.c.due,
    reviews.c.right,
    reviews.c.wrong,
    reviews.c.last_correct,
    reviews.c.last_at,
)


class ProgressError(ValueError):
    pass


@dataclass(frozen=True)
class Review:
    """Where one question stands for one user."""

    question_id: str
    box: int  # 0 = answered wrong last time
    due: float
    right: int
    wrong: int
    last_correct: bool
    last_at: float


@dataclass(frozen=True)
class SectionStats:
    doc_id: str
    doc_title: str
    section: str
    answered: int
    right: int

    @property
    def wrong(self) -> int:
        return self.answered - self.right

    @property
    def accuracy(self) -> float:
        return self.right / self.answered if self.answered else 0.0


def check_user(name: str) -> str:
    """The name progress is stored under: width unified, invisible characters (zero-width
    spaces, direction marks) removed, so "张三" typed twice is one user."""
    name = one_line(unicodedata.normalize("NFKC", name or ""))
    if not name:
        raise ProgressError("请先填写姓名，学习进度按姓名保存。")
    if len(name) > MAX_USER_CHARS:
        raise ProgressError(f"姓名最多 {MAX_USER_CHARS} 个字。")
    return name


class ProgressStore:
    """Everyone's progress in one database: a SQLite file (a `Path`) or a PostgreSQL URL (a `str`).
    The tables are created if missing; an unreadable file or an unreachable server is a
    ProgressError naming it (the URL with its password masked), and nothing is overwritten."""

    def __init__(self, location: Path | str) -> None:
        self._url = "" if isinstance(location, Path) else location  # its password is masked in errors
        self._engine, self.where, hint = _open(location)
        try:
            database.create_schema(self._engine, _METADATA, prepare=_add_attempt_column)
        except SQLAlchemyError as exc:
            # Never replace an unreadable file: it may hold months of someone's progress.
            self._engine.dispose()
            raise ProgressError(
                f"{self.where} 读写失败（{database.reason(exc, self._url)}），{hint}。"
            ) from exc

    @classmethod
    def from_settings(cls, settings: Settings) -> ProgressStore:
        """`KB_DATABASE_URL` when set, else `study.sqlite` in `KB_DATA_DIR`."""
        return cls(settings.database_url or settings.study_db)

    @contextmanager
    def _transaction(self, write: bool = False) -> Iterator[Connection]:
        try:
            with database.transaction(self._engine, write=write) as con:
                yield con
        except SQLAlchemyError as exc:
            raise ProgressError(f"{self.where} 读写失败（{database.reason(exc, self._url)}）") from exc

    def record(
        self,
        user: str,
        question_id: str,
        correct: bool,
        given: str = "",
        doc_id: str = "",
        doc_title: str = "",
        section: str = "",
        now: float | None = None,
        attempt: str | None = None,
    ) -> Review:
        """Store one answer and reschedule the question; returns its new review state. An
        `attempt` already stored for this user changes nothing (the stored state is returned)."""
        user = check_user(user)
        now = time.time() if now is None else now
        answer = {
            "user": user,
            "question_id": question_id,
            "doc_id": doc_id,
            "doc_title": doc_title,
            "section": section,
            "correct": int(correct),
            "given": given[:500],
            "answered_at": now,
            "attempt": attempt,
        }
        with self._transaction(write=True) as con:
            if not _store_answer(con, answer):
                stored = _review_row(con, user, question_id)
                if stored is not None:  # nothing was written: the earlier submission stands
                    return _review(question_id, stored)
            box, due, right, wrong = _schedule(_lock_review(con, user, question_id, now), correct, now)
            con.execute(
                update(reviews)
                .where(reviews.c.user == user, reviews.c.question_id == question_id)
                .values(box=box, due=due, right=right, wrong=wrong, last_correct=int(correct), last_at=now)
            )
        return Review(question_id, box, due, right, wrong, correct, now)

    def reviews(self, user: str) -> dict[str, Review]:
        user = check_user(user)
        with self._transaction() as con:
            rows = con.execute(select(reviews.c.question_id, *_REVIEW).where(reviews.c.user == user)).all()
        return {r[0]: _review(r[0], r[1:]) for r in rows}

    def section_stats(self, user: str) -> list[SectionStats]:
        """Answers per report section, in the order the reports and sections were first met."""
        user = check_user(user)
        query = (
            select(
                answers.c.doc_id,
                func.max(answers.c.doc_title),
                answers.c.section,
                func.count(),
                func.sum(answers.c.correct),
            )
            .where(answers.c.user == user)
            .group_by(answers.c.doc_id, answers.c.section)
            .order_by(func.min(answers.c.id))
        )
        with self._transaction() as con:
            rows = con.execute(query).all()
        return [SectionStats(r[0], r[1], r[2], r[3], r[4]) for r in rows]

    def users(self) -> list[str]:
        with self._transaction() as con:
            names = con.execute(select(reviews.c.user).distinct()).scalars().all()
        return sorted(names)  # by code point, whatever the database's collation


def _open(location: Path | str) -> tuple[Engine, str, str]:
    """The engine (not yet connected), the store's name in messages, what to check if it fails."""
    if isinstance(location, Path):
        location.parent.mkdir(parents=True, exist_ok=True)
        return database.sqlite_engine(location), f"学习记录文件 {location}", "请检查或换一个 KB_DATA_DIR"
    try:
        engine = database.postgres_engine(location)
    except database.DatabaseError as exc:
        raise ProgressError(str(exc)) from exc
    return engine, f"学习记录数据库 {database.mask_url(location)}", "请检查 KB_DATABASE_URL"


def _add_attempt_column(con: Connection) -> None:
    """SQLite files written before answers carried their attempt get the column (and, through
    create_schema, its unique index)."""
    found = inspect(con)
    if found.has_table("answers") and "attempt" not in {c["name"] for c in found.get_columns("answers")}:
        con.exec_driver_sql("ALTER TABLE answers ADD COLUMN attempt TEXT")


def _store_answer(con: Connection, answer: dict[str, object]) -> bool:
    """Insert the answer row; False if its attempt is already stored for this user. ON CONFLICT
    rather than a prior SELECT: a second submission racing the first waits for it, then does
    nothing."""
    stmt = database.insert(con, answers).values(**answer)
    if answer["attempt"] is not None:
        stmt = stmt.on_conflict_do_nothing(index_elements=["user", "attempt"])
    # RETURNING, not rowcount: with psycopg the INSERT reports a rowcount of -1 (seen with 3.3).
    return con.execute(stmt.returning(answers.c.id)).first() is not None


def _review_row(con: Connection, user: str, question_id: str) -> Sequence[Any] | None:
    query = select(*_REVIEW).where(reviews.c.user == user, reviews.c.question_id == question_id)
    return con.execute(query).one_or_none()


def _lock_review(con: Connection, user: str, question_id: str, now: float) -> tuple[int, float, int, int]:
    """The question's (box, due, right, wrong), its row locked until the transaction ends. A
    question never answered gets a row in box 0, due now: scheduled exactly like no row, and a
    row that a concurrent first answer (another tab) waits on instead of overwriting."""
    placeholder = {"box": 0, "due": now, "right": 0, "wrong": 0, "last_correct": 0, "last_at": now}
    con.execute(
        database.insert(con, reviews)
        .values(user=user, question_id=question_id, **placeholder)
        .on_conflict_do_nothing(index_elements=["user", "question_id"])
    )
    query = (
        select(reviews.c.box, reviews.c.due, reviews.c.right, reviews.c.wrong)
        .where(reviews.c.user == user, reviews.c.question_id == question_id)
        .with_for_update()  # PostgreSQL; SQLite's BEGIN IMMEDIATE already holds the only write lock
    )
    box, due, right, wrong = con.execute(query).one()
    return box, due, right, wrong


def _schedule(state: tuple[int, float, int, int], correct: bool, now: float) -> tuple[int, float, int, int]:
    """The Leitner step: (box, due, right, wrong) after one answer."""
    box, due, right, wrong = state
    if correct and box > 0 and now < due:
        return box, due, right + 1, wrong  # answered again before it was due: counted, not promoted
    if correct:
        box = min(box + 1, len(INTERVALS_DAYS))
        return box, now + INTERVALS_DAYS[box - 1] * DAY, right + 1, wrong
    return 0, now, right, wrong + 1


def _review(question_id: str, row: Sequence[Any]) -> Review:
    box, due, right, wrong, last_correct, last_at = row
    return Review(
        question_id, int(box), float(due), int(right), int(wrong), bool(last_correct), float(last_at)
    )


def weak_sections(stats: Sequence[SectionStats], limit: int = 3, min_answered: int = 2) -> list[SectionStats]:
    """Sections with wrong answers, lowest accuracy first (a single slip is not a weakness)."""
    weak = [s for s in stats if s.answered >= min_answered and s.wrong and s.accuracy < 0.8]
    return sorted(weak, key=lambda s: (s.accuracy, -s.answered))[:limit]


def by_report(stats: Sequence[SectionStats]) -> list[tuple[SectionStats, list[SectionStats]]]:
    """Per report: its totals (section "") and its sections, in the order first met."""
    groups: dict[str, list[SectionStats]] = {}
    for s in stats:
        groups.setdefault(s.doc_id, []).append(s)
    return [
        (
            SectionStats(
                doc_id,
                sections[0].doc_title,
                "",
                sum(s.answered for s in sections),
                sum(s.right for s in sections),
            ),
            sections,
        )
        for doc_id, sections in groups.items()
    ]
