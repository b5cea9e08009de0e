"""Failed logins lock the name and the address (admin.lockout), in the SQLite file and in
PostgreSQL, on a clock the tests move."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from admin.lockout import ADDRESS, LOCK_SECONDS, MAX_FAILURES, NAME, Lockout
from cli import main

Opened = tuple["Lockout", "Clock", Callable[[], "Lockout"]]


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["file", "postgresql"])
def lockout(request: pytest.FixtureRequest, tmp_path: Path) -> Opened:
    clock = Clock()
    where: Path | str = tmp_path / "data" / "logins.sqlite"
    if request.param == "postgresql":
        where = str(request.getfixturevalue("postgres_url"))
    return Lockout(where, clock=clock), clock, lambda: Lockout(where, clock=clock)


def test_five_failures_lock_the_name_and_the_address(lockout: Opened) -> None:
    guard, clock, reopen = lockout
    for _ in range(MAX_FAILURES - 1):
        guard.failed("王五", "10.0.0.7")
    assert guard.locked_for("王五", "10.0.0.7") == 0
    guard.failed("王五", "10.0.0.7")
    assert guard.locked_for("王五", "10.0.0.8") == LOCK_SECONDS  # the name, from anywhere
    assert guard.locked_for("张三", "10.0.0.7") == LOCK_SECONDS  # the address, for any name
    assert guard.locked_for("张三", "10.0.0.8") == 0
    other = reopen()  # another app process sees the same locks
    assert {(lock.kind, lock.key) for lock in other.locks()} == {(NAME, "王五"), (ADDRESS, "10.0.0.7")}
    clock.now += LOCK_SECONDS - 60
    assert 59 <= guard.locked_for("王五", "10.0.0.8") <= 60
    clock.now += 61
    assert guard.locked_for("王五", "10.0.0.7") == 0 and guard.locks() == []
    guard.failed("王五", "10.0.0.7")  # counting starts anew after a lock
    assert guard.locked_for("王五", "10.0.0.7") == 0


def test_a_success_clears_the_count_and_an_administrator_unlocks(lockout: Opened) -> None:
    guard, _clock, _reopen = lockout
    for _ in range(MAX_FAILURES - 1):
        guard.failed("张三", "10.0.0.7")
    guard.succeeded("张三", "10.0.0.7")
    for _ in range(MAX_FAILURES - 1):
        guard.failed("张三", "10.0.0.7")
    assert guard.locked_for("张三", "10.0.0.7") == 0  # four, not eight
    for _ in range(20):
        guard.failed("张三", "10.0.0.7")
    assert guard.locked_for("张三", "10.0.0.9") > 0
    assert guard.unlock(name="张三") == 1
    assert guard.locked_for("张三", "10.0.0.9") == 0
    assert guard.locked_for("李四", "10.0.0.7") > 0  # the address is still locked
    assert guard.unlock(address="10.0.0.7") == 1
    assert guard.locks() == []
    # Names are compared as logins read them: no invisible characters.
    for _ in range(MAX_FAILURES):
        guard.failed(" 王\u202e五", "10.0.0.3")
    assert guard.locked_for("王五", "10.0.0.4") > 0


def test_kb_users_unlock(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KB_DATA_DIR", str(tmp_path))
    guard = Lockout(tmp_path / "logins.sqlite")
    for _ in range(MAX_FAILURES):
        guard.failed("王五", "10.0.0.7")
    assert main(["users", "unlock", "王五"]) == 0
    assert capsys.readouterr().out == "已解锁 王五。\n"
    assert guard.locked_for("王五", "10.0.0.8") == 0 and guard.locked_for("张三", "10.0.0.7") > 0
    assert main(["users", "unlock", "--address", "10.0.0.7"]) == 0
    assert guard.locks() == []
    assert main(["users", "unlock", "赵六"]) == 0
    assert capsys.readouterr().out.endswith("赵六 没有登录失败记录，无需解锁。\n")
    assert main(["users", "unlock"]) == 2
    assert "请给出要解锁的用户名" in capsys.readouterr().err
