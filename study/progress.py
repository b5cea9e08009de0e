"""Each user's answers and review schedule, in SQLite.

A Leitner schedule: a right answer moves the question up a box and schedules it after that box's
interval (1, 3, 7, 14, 30 days); a wrong answer puts it back in box 0, due at once, so it opens
the user's next round. A right answer given before the question was due counts, but does not
move it up (otherwise a few rounds in one afternoon would put everything off for a month).
Every answer is also kept as a row, for the per-report and per-section summary; an answer
carries the key of its round and position (`attempt`), so the same answer submitted twice (a
double click, two tabs) is stored once.

One short transaction per answer (WAL, busy timeout): several users answering at once, from the
web app's worker threads or from separate processes, neither block each other for long nor
overwrite each other's rows.
"""

from __future__ import annotations

import sqlite3
import time
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

INTERVALS_DAYS = (1, 3, 7, 14, 30)  # box 1..5
DAY = 86400.0
MAX_USER_CHARS = 32
_SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    id INTEGER PRIMARY KEY AUTOINCREMENT, user TEXT NOT NULL, question_id TEXT NOT NULL,
    doc_id TEXT NOT NULL, doc_title TEXT NOT NULL, section TEXT NOT NULL,
    correct INTEGER NOT NULL, given TEXT NOT NULL, answered_at REAL NOT NULL, attempt TEXT);
CREATE INDEX IF NOT EXISTS answers_user ON answers(user, doc_id, section);
CREATE TABLE IF NOT EXISTS reviews (
    user TEXT NOT NULL, question_id TEXT NOT NULL, box INTEGER NOT NULL, due REAL NOT NULL,
    right INTEGER NOT NULL, wrong INTEGER NOT NULL, last_correct INTEGER NOT NULL,
    last_at REAL NOT NULL, PRIMARY KEY (user, question_id));
"""


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
    name = unicodedata.normalize("NFKC", name or "")
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cf", "Cc"))
    name = " ".join(name.split())
    if not name:
        raise ProgressError("请先填写姓名，学习进度按姓名保存。")
    if len(name) > MAX_USER_CHARS:
        raise ProgressError(f"姓名最多 {MAX_USER_CHARS} 个字。")
    return name


class ProgressStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with self._connect() as con:
                con.execute("PRAGMA journal_mode=WAL")
                con.executescript(_SCHEMA)
                columns = {row[1] for row in con.execute("PRAGMA table_info(answers)")}
                if "attempt" not in columns:  # files written before answers carried their attempt
                    con.execute("ALTER TABLE answers ADD COLUMN attempt TEXT")
                con.execute("CREATE UNIQUE INDEX IF NOT EXISTS answers_attempt ON answers(user, attempt)")
        except sqlite3.DatabaseError as exc:
            # Never replace an unreadable file: it may hold months of someone's progress.
            raise ProgressError(
                f"学习记录文件 {path} 无法读取（{exc}），请检查或换一个 KB_DATA_DIR。"
            ) from exc

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        con = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        try:
            con.execute("PRAGMA busy_timeout=30000")
            yield con
        except sqlite3.DatabaseError as exc:
            raise ProgressError(f"学习记录文件 {self.path} 读写失败（{exc}）") from exc
        finally:
            con.close()

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
        with self._connect() as con:
            con.execute("BEGIN IMMEDIATE")  # read-modify-write of one review row, atomically
            try:
                seen = (
                    attempt is not None
                    and con.execute(
                        "SELECT 1 FROM answers WHERE user=? AND attempt=?", (user, attempt)
                    ).fetchone()
                )
                row = con.execute(
                    "SELECT box, due, right, wrong, last_correct, last_at FROM reviews "
                    "WHERE user=? AND question_id=?",
                    (user, question_id),
                ).fetchone()
                if seen and row:
                    con.execute("ROLLBACK")
                    return Review(question_id, row[0], row[1], row[2], row[3], bool(row[4]), row[5])
                box, due, right, wrong = row[:4] if row else (0, now, 0, 0)
                if correct and row is not None and box > 0 and now < due:
                    right += 1  # answered again before it was due: counted, not promoted
                elif correct:
                    box, right = min(box + 1, len(INTERVALS_DAYS)), right + 1
                    due = now + INTERVALS_DAYS[box - 1] * DAY
                else:
                    box, wrong, due = 0, wrong + 1, now
                con.execute(
                    "INSERT OR REPLACE INTO reviews VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (user, question_id, box, due, right, wrong, int(correct), now),
                )
                con.execute(
                    "INSERT INTO answers (user, question_id, doc_id, doc_title, section, correct, given, "
                    "answered_at, attempt) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (user, question_id, doc_id, doc_title, section, int(correct), given[:500], now, attempt),
                )
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        return Review(question_id, box, due, right, wrong, correct, now)

    def reviews(self, user: str) -> dict[str, Review]:
        user = check_user(user)
        with self._connect() as con:
            rows = con.execute(
                "SELECT question_id, box, due, right, wrong, last_correct, last_at FROM reviews WHERE user=?",
                (user,),
            ).fetchall()
        return {r[0]: Review(r[0], r[1], r[2], r[3], r[4], bool(r[5]), r[6]) for r in rows}

    def section_stats(self, user: str) -> list[SectionStats]:
        """Answers per report section, in the order the reports and sections were first met."""
        user = check_user(user)
        with self._connect() as con:
            rows = con.execute(
                "SELECT doc_id, MAX(doc_title), section, COUNT(*), SUM(correct) FROM answers WHERE user=? "
                "GROUP BY doc_id, section ORDER BY MIN(id)",
                (user,),
            ).fetchall()
        return [SectionStats(r[0], r[1], r[2], r[3], r[4]) for r in rows]

    def users(self) -> list[str]:
        with self._connect() as con:
            return [r[0] for r in con.execute("SELECT DISTINCT user FROM reviews ORDER BY user")]


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
