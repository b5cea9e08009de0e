"""Progress in SQLite: the review schedule, per-section stats, restarts and two users at once."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from study.progress import DAY, ProgressError, ProgressStore, SectionStats, check_user, weak_sections

T0 = 1_700_000_000.0


def test_right_answers_climb_the_boxes_and_a_wrong_one_resets(tmp_path: Path) -> None:
    store = ProgressStore(tmp_path / "study.sqlite")
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


def test_answers_before_the_due_date_do_not_promote(tmp_path: Path) -> None:
    store = ProgressStore(tmp_path / "study.sqlite")
    store.record("张三", "q1", True, now=T0)
    early = store.record("张三", "q1", True, now=T0 + 3600)
    assert (early.box, early.due, early.right) == (1, T0 + DAY, 2)
    on_time = store.record("张三", "q1", True, now=T0 + DAY)
    assert (on_time.box, on_time.due) == (2, T0 + DAY + 3 * DAY)


def test_the_same_attempt_submitted_twice_is_stored_once(tmp_path: Path) -> None:
    store = ProgressStore(tmp_path / "study.sqlite")
    first = store.record("张三", "q1", True, section="卷A", now=T0, attempt="round-1:0")
    again = store.record("张三", "q1", True, section="卷A", now=T0 + 1, attempt="round-1:0")
    assert again == first and (again.box, again.right) == (1, 1)
    assert [s.answered for s in store.section_stats("张三")] == [1]
    other = store.record("李四", "q1", False, section="卷A", now=T0, attempt="round-1:0")  # another user
    assert (other.box, other.wrong) == (0, 1)


def test_section_stats_and_weak_sections(tmp_path: Path) -> None:
    store = ProgressStore(tmp_path / "study.sqlite")
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


def test_progress_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "data" / "study.sqlite"
    ProgressStore(path).record("张三", "q1", False, given="40000", doc_id="d", section="卷A", now=T0)
    # A new process opens the same file, as the app does after a restart.
    script = (
        "import sys; from pathlib import Path; from study.progress import ProgressStore; "
        "s = ProgressStore(Path(sys.argv[1])); r = s.reviews('张三')['q1']; "
        "print(r.box, r.wrong, s.section_stats('张三')[0].answered)"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, str(path)], capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["0", "1", "1"]


def test_two_users_answering_at_once_do_not_interfere(tmp_path: Path) -> None:
    path = tmp_path / "study.sqlite"
    ProgressStore(path)
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def answer(user: str, correct: bool) -> None:
        store = ProgressStore(path)  # its own connections, like a second worker or process
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
    store = ProgressStore(path)
    a, b = store.reviews("甲"), store.reviews("乙")
    assert len(a) == len(b) == 10
    # Answered right four times within a minute: counted four times, promoted once.
    assert all(r.right == 4 and r.wrong == 0 and r.box == 1 for r in a.values())
    assert all(r.right == 0 and r.wrong == 4 and r.box == 0 for r in b.values())
    assert [s.answered for s in store.section_stats("甲")] == [40]
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
