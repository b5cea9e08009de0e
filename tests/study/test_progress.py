"""Progress in SQLite and in PostgreSQL: the review schedule, per-section stats, restarts, two users
at once (threads and processes), the same attempt submitted twice."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
import threading
from multiprocessing.synchronize import Barrier
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from study.progress import DAY, ProgressError, ProgressStore, SectionStats, check_user, weak_sections
from tests.postgres import PostgresServer, free_port

T0 = 1_700_000_000.0


def test_right_answers_climb_the_boxes_and_a_wrong_one_resets(where: Path | str) -> None:
    store = ProgressStore(where)
    first = store.record("张三", "q1", True, now=T0)
    assert (first.box, first.due, first.right, first.wrong) == (1, T0 + 1 * DAY, 1, 0)
    second = store.record("张三", "q1", True, now=T0 + DAY)
    assert (second.box, second.due) == (2, T0 + DAY + 3 * DAY)
    wrong = store.record("张三", "q1", False, now=T0 + 5 * DAY)
    assert (wrong.box, wrong.due, wrong.right, wrong.wrong, wrong.last_correct) == (
        0,
        T0 + 5 * DAY,
        2,
        1,
        False,
    )
    assert store.reviews("张三") == {"q1": wrong}


def test_answers_before_the_due_date_do_not_promote(where: Path | str) -> None:
    store = ProgressStore(where)
    store.record("张三", "q1", True, now=T0)
    early = store.record("张三", "q1", True, now=T0 + 3600)
    assert (early.box, early.due, early.right) == (1, T0 + DAY, 2)
    on_time = store.record("张三", "q1", True, now=T0 + DAY)
    assert (on_time.box, on_time.due) == (2, T0 + DAY + 3 * DAY)


def test_the_same_attempt_submitted_twice_is_stored_once(where: Path | str) -> None:
    store = ProgressStore(where)
    first = store.record("张三", "q1", True, section="卷A", now=T0, attempt="round-1:0")
    again = store.record("张三", "q1", True, section="卷A", now=T0 + 1, attempt="round-1:0")
    assert again == first and (again.box, again.right) == (1, 1)
    assert [s.answered for s in store.section_stats("张三")] == [1]
    other = store.record("李四", "q1", False, section="卷A", now=T0, attempt="round-1:0")  # another user
    assert (other.box, other.wrong) == (0, 1)


def test_section_stats_and_weak_sections(where: Path | str) -> None:
    store = ProgressStore(where)
    for qid, ok, section in [
        ("a", True, "卷A"),
        ("b", False, "卷B"),
        ("c", False, "卷B"),
        ("d", True, "卷B"),
    ]:
        store.record("李四", qid, ok, doc_id="d", doc_title="报告", section=section, now=T0)
    stats = store.section_stats("李四")
    assert stats == [SectionStats("d", "报告", "卷A", 1, 1), SectionStats("d", "报告", "卷B", 3, 1)]
    assert (stats[1].wrong, round(stats[1].accuracy, 3)) == (2, 0.333)
    assert weak_sections(stats) == [stats[1]]
    assert store.section_stats("王五") == []


def test_progress_survives_a_restart(where: Path | str) -> None:
    ProgressStore(where).record("张三", "q1", False, given="40000", doc_id="d", section="卷A", now=T0)
    # A new process opens the same file or database, as the app does after a restart.
    script = (
        "import sys; from pathlib import Path; from study.progress import ProgressStore; "
        "s = ProgressStore(Path(sys.argv[1]) if sys.argv[2] == 'file' else sys.argv[1]); "
        "r = s.reviews('张三')['q1']; print(r.box, r.wrong, s.section_stats('张三')[0].answered)"
    )
    kind = "file" if isinstance(where, Path) else "url"
    out = subprocess.run(
        [sys.executable, "-c", script, str(where), kind], capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["0", "1", "1"]


def test_two_users_answering_at_once_do_not_interfere(where: Path | str) -> None:
    ProgressStore(where)
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def answer(user: str, correct: bool) -> None:
        store = ProgressStore(where)  # its own connections, like a second worker or process
        start.wait()
        try:
            for i in range(40):
                store.record(user, f"q{i % 10}", correct, section="卷A", now=T0 + i)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=answer, args=(u, ok)) for u, ok in (("甲", True), ("乙", False))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    store = ProgressStore(where)
    a, b = store.reviews("甲"), store.reviews("乙")
    assert len(a) == len(b) == 10
    # Answered right four times within a minute: counted four times, promoted once.
    assert all(r.right == 4 and r.wrong == 0 and r.box == 1 for r in a.values())
    assert all(r.right == 0 and r.wrong == 4 and r.box == 0 for r in b.values())
    assert [s.answered for s in store.section_stats("甲")] == [40]
    assert [(s.answered, s.right) for s in store.section_stats("乙")] == [(40, 0)]
    assert store.users() == ["乙", "甲"]


def _answer_in_a_process(where: Path | str, user: str, correct: bool, start: Barrier) -> None:
    """One app process: 40 answers, each submitted twice (a double click), 10 questions."""
    store = ProgressStore(where)
    start.wait(timeout=60)
    for i in range(40):
        for _ in range(2):
            store.record(user, f"q{i % 10}", correct, section="卷A", now=T0 + i, attempt=f"round:{i}")


def test_processes_answering_at_once_lose_nothing_and_cross_nothing(where: Path | str) -> None:
    """Four processes at once: two for 甲, two for 乙, each sending the same attempts (two tabs of
    one user, every answer double-clicked): each attempt is stored once, under its own user."""
    ProgressStore(where)  # the schema, before the race
    spawn = multiprocessing.get_context("spawn")  # fresh interpreters, like separate app processes
    start = spawn.Barrier(4)
    jobs = [
        spawn.Process(target=_answer_in_a_process, args=(where, user, ok, start))
        for user, ok in (("甲", True), ("甲", True), ("乙", False), ("乙", False))
    ]
    for job in jobs:
        job.start()
    for job in jobs:
        job.join(timeout=120)
    assert [job.exitcode for job in jobs] == [0, 0, 0, 0]
    store = ProgressStore(where)
    a, b = store.reviews("甲"), store.reviews("乙")
    assert sorted(a) == sorted(b) == [f"q{i}" for i in range(10)]
    # Each question answered by 4 distinct attempts (q0: rounds 0, 10, 20, 30), within a minute.
    assert {(r.box, r.right, r.wrong, r.last_correct) for r in a.values()} == {(1, 4, 0, True)}
    assert {(r.box, r.right, r.wrong, r.last_correct) for r in b.values()} == {(0, 0, 4, False)}
    assert a["q3"].due == T0 + 3 + DAY  # promoted by its first attempt (round 3), not a later one
    assert [(s.answered, s.right) for s in store.section_stats("甲")] == [(40, 40)]
    assert [(s.answered, s.right) for s in store.section_stats("乙")] == [(40, 0)]
    assert store.users() == ["乙", "甲"]


def test_an_unreadable_progress_file_is_reported_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "study.sqlite"
    path.write_bytes(b"not a database" * 100)
    with pytest.raises(ProgressError, match=r"study\.sqlite"):
        ProgressStore(path)
    assert path.read_bytes() == b"not a database" * 100


def test_user_names_are_checked() -> None:
    assert check_user("  张  三 ") == "张 三"
    with pytest.raises(ProgressError, match="请先填写姓名"):
        check_user("   ")
    with pytest.raises(ProgressError, match="32"):
        check_user("名" * 33)
    # Width and invisible characters do not make another user.
    assert check_user("张三\u200b") == check_user("\u202e张三") == check_user("张三") == "张三"
    assert check_user("ＺＨＡＮＧ") == "ZHANG"


def test_a_file_from_before_attempt_keys_is_upgraded_in_place(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "study.sqlite"
    con = sqlite3.connect(path)
    con.executescript(
        "CREATE TABLE answers (id INTEGER PRIMARY KEY AUTOINCREMENT, user TEXT NOT NULL, "
        "question_id TEXT NOT NULL, doc_id TEXT NOT NULL, doc_title TEXT NOT NULL, section TEXT NOT NULL, "
        "correct INTEGER NOT NULL, given TEXT NOT NULL, answered_at REAL NOT NULL);"
        "INSERT INTO answers VALUES (1, '张三', 'q0', 'd', '报告', '卷A', 1, '4个', 1.0);"
    )
    con.commit()
    con.close()
    store = ProgressStore(path)
    store.record("张三", "q1", False, doc_id="d", section="卷A", now=T0, attempt="r:0")
    assert [(s.answered, s.right) for s in store.section_stats("张三")] == [(2, 1)]  # the old row kept


def test_a_restarted_database_server_costs_no_error(
    postgres_server: PostgresServer, postgres_url: str
) -> None:
    store = ProgressStore(postgres_url)
    store.record("张三", "q1", True, now=T0)
    # Cut every connection of the pool, as a server restart or a failover does.
    with psycopg.connect(postgres_server.url(), autocommit=True) as con:
        cut = con.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = %s",
            (make_url(postgres_url).database,),
        ).fetchone()
    assert cut is not None and cut[0] >= 1
    again = store.record("张三", "q1", True, now=T0 + DAY)  # the pool pings, reconnects, goes on
    assert (again.box, again.right) == (2, 2)


@pytest.mark.parametrize(
    ("problem", "reason"),
    [
        ("wrong password", "用户名或密码不对"),
        ("nobody listening", "连接被拒绝"),
        ("no such database", "数据库或用户不存在"),
    ],
)
def test_a_database_that_cannot_be_used_is_named_with_its_password_masked(
    postgres_server: PostgresServer, problem: str, reason: str
) -> None:
    url = {
        "wrong password": postgres_server.url(password="Wrong-Secret-1"),
        "nobody listening": postgres_server.url(port=free_port()),
        "no such database": postgres_server.url("kb_missing"),
    }[problem]
    with pytest.raises(ProgressError) as caught:
        ProgressStore(url)
    message = str(caught.value)
    masked = make_url(url).render_as_string(hide_password=True)  # postgresql://kb_test:***@…
    assert message.startswith(f"学习记录数据库 {masked} 读写失败（{reason}")
    assert message.endswith("请检查 KB_DATABASE_URL。")
    assert "Wrong-Secret-1" not in message and postgres_server.password not in message


def test_a_url_of_another_scheme_is_refused_before_connecting() -> None:
    with pytest.raises(ProgressError, match=r"^KB_DATABASE_URL 应为 postgresql://") as caught:
        ProgressStore("mysql://kb:Top-Secret-9@db.example:3306/kb")
    assert "mysql://kb:***@db.example:3306/kb" in str(caught.value)
    assert "Top-Secret-9" not in str(caught.value)
