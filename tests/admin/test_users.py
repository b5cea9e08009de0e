"""Users: scrypt hashes, the users file, the users table in PostgreSQL, the KB_USERS variable, the
`kb users` command."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from admin.users import ADMIN, USER, Users, UsersError, check_password, hash_password
from cli import main
from tests.postgres import PostgresServer, free_port


@pytest.fixture(params=["file", "postgresql"])
def open_users(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], Users]:
    """Opens the same users, none yet, kept in users.json or in a new database on the test server."""
    url = str(request.getfixturevalue("postgres_url")) if request.param == "postgresql" else ""
    return lambda: Users(tmp_path / "data" / "users.json", database_url=url)


def test_passwords_are_stored_as_salted_scrypt_hashes() -> None:
    first, second = hash_password("correct horse"), hash_password("correct horse")
    assert first.startswith("scrypt$131072$8$1$") and first != second  # a salt per hash
    assert "correct horse" not in first
    assert check_password("correct horse", first) and check_password("correct horse", second)
    assert not check_password("wrong horse", first)
    assert not check_password("x", "plain-text") and not check_password("x", "md5$abc")


def test_the_users_file_is_json_of_hashes_readable_by_the_owner_only(tmp_path: Path) -> None:
    users = Users(tmp_path / "data" / "users.json")
    users.add("管理员", "secret-pass", ADMIN)
    users.add("张三", "another-pass", USER)
    assert (tmp_path / "data" / "users.json").stat().st_mode & 0o777 == 0o600
    stored = json.loads((tmp_path / "data" / "users.json").read_text(encoding="utf-8"))
    assert "secret-pass" not in json.dumps(stored) and stored["users"]["张三"]["role"] == "user"
    assert users.where == f"用户文件 {tmp_path / 'data' / 'users.json'}"


def test_users_are_added_checked_changed_and_removed(open_users: Callable[[], Users]) -> None:
    users = open_users()
    assert not users.enabled  # nobody yet: no login
    users.add("管理员", "secret-pass", ADMIN)
    users.add("张三", "another-pass", USER)
    assert users.enabled and sorted(users.all()) == ["张三", "管理员"]
    assert users.authenticate("管理员", "secret-pass") and not users.authenticate("管理员", "secret-pasS")
    assert not users.authenticate("nobody", "secret-pass")
    assert users.is_admin("管理员") and not users.is_admin("张三") and not users.is_admin(None)
    assert all(u.password_hash.startswith("scrypt$131072$8$1$") for u in users.all().values())
    users.add("张三", "changed-pass", ADMIN)  # the same name again: role and password replaced
    assert users.is_admin("张三") and users.authenticate("张三", "changed-pass")
    assert not users.authenticate("张三", "another-pass")
    users.remove("张三")
    assert list(users.all()) == ["管理员"]
    with pytest.raises(UsersError, match="密码至少 8 位"):
        users.add("李四", "short")
    with pytest.raises(UsersError, match="没有用户 李四"):
        users.remove("李四")
    # A name cannot disguise itself: a direction override or zero-width space is not stored,
    # and the name logs in as it reads.
    users.add("王\u202e五\u200b", "wangwu-pass")
    assert "王五" in users.all() and users.authenticate("王五", "wangwu-pass")
    users.remove("王五")
    # Another process (a second app, `kb users` on another machine) sees the same users.
    assert list(open_users().all()) == ["管理员"]


def test_users_in_the_database_are_rows_of_hashes_and_no_file(postgres_url: str, tmp_path: Path) -> None:
    users = Users(tmp_path / "users.json", database_url=postgres_url)
    users.add("管理员", "secret-pass", ADMIN)
    with psycopg.connect(postgres_url) as con:
        rows = con.execute("SELECT name, role, password_hash FROM users").fetchall()
    assert [(name, role) for name, role, _ in rows] == [("管理员", "admin")]
    assert check_password("secret-pass", rows[0][2]) and "secret-pass" not in rows[0][2]
    assert not (tmp_path / "users.json").exists()
    assert users.where.startswith("用户数据库 postgresql://kb_test:***@127.0.0.1:")


def test_kb_users_overrides_the_database_which_is_never_opened(tmp_path: Path) -> None:
    unreachable = f"postgresql://kb:Never-Used-7@127.0.0.1:{free_port()}/kb"
    env = {"KB_USERS": f"ops:admin:{hash_password('env-password')}"}
    users = Users.from_settings(tmp_path, env, database_url=unreachable)
    assert users.authenticate("ops", "env-password") and users.is_admin("ops")
    assert users.where == "环境变量 KB_USERS"
    with pytest.raises(UsersError, match="KB_USERS"):
        users.add("x", "long-enough")


def test_an_unreachable_users_database_lets_nobody_in_and_logs_no_password(
    postgres_server: PostgresServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url = postgres_server.url(password="Wrong-Secret-2")
    users = Users(tmp_path / "users.json", database_url=url)
    with pytest.raises(UsersError) as caught:
        users.all()
    masked = f"postgresql://kb_test:***@127.0.0.1:{postgres_server.port}/postgres"
    assert str(caught.value).startswith(f"用户数据库 {masked} 无法读写（用户名或密码不对")
    with caplog.at_level(logging.WARNING, logger="admin"):
        assert not users.authenticate("管理员", "secret-pass")  # fails closed, no exception
        assert not users.is_admin("管理员")
    assert [r.levelname for r in caplog.records] == ["WARNING", "WARNING"]
    assert "用户名或密码不对" in caplog.text and "Wrong-Secret-2" not in caplog.text
    assert "Wrong-Secret-2" not in str(caught.value)


def test_kb_users_command_with_a_database(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = ["--data-dir", str(tmp_path)]
    monkeypatch.setattr("sys.stdin", io.StringIO("admin-password\n"))
    assert (
        main(["users", "add", "管理员", "--admin", "--password-stdin", "--database-url", postgres_url, *data])
        == 0
    )
    out = capsys.readouterr().out
    assert out.startswith("已保存用户 管理员（管理员）到用户数据库 postgresql://kb_test:***@127.0.0.1:")
    monkeypatch.setenv("KB_DATABASE_URL", postgres_url)  # the variable works as the flag does
    assert main(["users", "list", *data]) == 0
    assert capsys.readouterr().out == "管理员\t管理员\t（无组）\n"
    assert main(["users", "remove", "管理员", *data]) == 0
    assert main(["users", "list", *data]) == 0
    assert capsys.readouterr().out.startswith(
        "已删除用户 管理员。\n没有配置用户（用户数据库 postgresql://kb_test:***@"
    )
    assert not (tmp_path / "users.json").exists()


def test_kb_users_command_with_a_bad_database_url_says_why_in_one_line(
    postgres_server: PostgresServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for url, reason in [
        (postgres_server.url(password="Wrong-Secret-3"), "用户名或密码不对"),
        (
            postgres_server.url(port=free_port()).replace(postgres_server.password, "Wrong-Secret-3"),
            "连接被拒绝",
        ),
        ("mysql://kb:Wrong-Secret-3@127.0.0.1/kb", "KB_DATABASE_URL 应为 postgresql://"),
    ]:
        assert main(["users", "list", "--data-dir", str(tmp_path), "--database-url", url]) == 2
        out, err = capsys.readouterr()
        assert err.startswith("错误：") and reason in err and err.count("\n") == 1, err
        assert "Wrong-Secret-3" not in out + err and "Traceback" not in err
        assert "kb:***@127.0.0.1" in err or "kb_test:***@127.0.0.1" in err


def test_a_broken_users_file_is_an_error_naming_it_and_is_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "users.json"
    path.write_text("{not json", encoding="utf-8")
    users = Users(path)
    with pytest.raises(UsersError, match=r"users\.json"):
        users.all()
    with pytest.raises(UsersError):
        users.add("张三", "another-pass")
    assert path.read_text(encoding="utf-8") == "{not json"


def test_users_from_the_environment(tmp_path: Path) -> None:
    hashed = hash_password("env-password")
    users = Users.from_settings(
        tmp_path, {"KB_USERS": f"ops:admin:{hashed},reader:user:{hash_password('pw-reader')}"}
    )
    assert (
        users.authenticate("ops", "env-password") and users.is_admin("ops") and not users.is_admin("reader")
    )
    with pytest.raises(UsersError, match="KB_USERS"):
        users.add("x", "long-enough")
    with pytest.raises(UsersError, match="KB_USERS 的格式"):
        Users.from_settings(tmp_path, {"KB_USERS": "ops:admin:plain"}).all()
    custom = Users.from_settings(tmp_path, {"KB_USERS_FILE": str(tmp_path / "elsewhere.json")})
    assert custom.path == tmp_path / "elsewhere.json"


def test_kb_users_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = ["--data-dir", str(tmp_path)]
    monkeypatch.setattr("sys.stdin", io.StringIO("admin-password\n"))
    assert main(["users", "add", "管理员", "--admin", "--password-stdin", *data]) == 0
    assert "已保存用户 管理员（管理员）" in capsys.readouterr().out
    assert main(["users", "list", *data]) == 0
    assert capsys.readouterr().out == "管理员\t管理员\t（无组）\n"
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["users", "add", "张三", "--password-stdin", *data]) == 2
    assert "密码至少 8 位" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("some-password\n"))
    assert main(["users", "hash", "--password-stdin", *data]) == 0
    assert check_password("some-password", capsys.readouterr().out.strip())
    assert Users(tmp_path / "users.json").authenticate("管理员", "admin-password")


def test_an_unknown_name_costs_one_check_like_a_known_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hashlib

    import anyio

    users = Users(tmp_path / "users.json")
    users.add("张三", "reader-password")
    users.authenticate("nobody", "x")  # the fixed hash for unknown names is made once, up front
    calls: list[int] = []
    real = hashlib.scrypt
    monkeypatch.setattr(hashlib, "scrypt", lambda *a, **k: (calls.append(1), real(*a, **k))[1])
    assert not users.authenticate("nobody", "reader-password")
    assert not users.authenticate("张三", "wrong-password")
    assert len(calls) == 2  # one scrypt each: timing does not tell which names exist
    # Gradio's login route awaits this one; the check runs in a worker thread.
    assert anyio.run(users.authenticate_async, "张三", "reader-password") is True


def test_groups_are_kept_in_the_file_and_the_database(open_users: Callable[[], Users]) -> None:
    users = open_users()
    users.add("张三", "password-1", groups=["干部科", "部务会", "干部科"])
    users.add("李四", "password-2")
    again = open_users()  # as another process reads them
    assert again.all()["张三"].groups == ("干部科", "部务会")
    assert again.all()["李四"].groups == ()
    assert again.groups() == {"干部科", "部务会"}
    changed = again.set_groups("李四", ["办公室"])
    assert changed.groups == ("办公室",) and open_users().all()["李四"].groups == ("办公室",)
    assert open_users().all()["李四"].password_hash == users.all()["李四"].password_hash  # unchanged
    with pytest.raises(UsersError, match="没有用户 王五"):
        again.set_groups("王五", ["办公室"])


def test_a_users_table_from_before_groups_gains_the_column(postgres_url: str, tmp_path: Path) -> None:
    with psycopg.connect(postgres_url) as con:
        con.execute(
            "CREATE TABLE users (name TEXT PRIMARY KEY, role TEXT NOT NULL, password_hash TEXT NOT NULL)"
        )
        con.execute("INSERT INTO users VALUES ('老用户', 'user', %s)", (hash_password("old-password"),))
    users = Users(tmp_path / "users.json", database_url=postgres_url)
    assert users.all()["老用户"].groups == ()
    assert users.authenticate("老用户", "old-password")
    users.set_groups("老用户", ["干部科"])
    assert users.all()["老用户"].groups == ("干部科",)
