"""Users: scrypt hashes, the users file and the KB_USERS variable, the `kb users` command."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from admin.users import ADMIN, USER, Users, UsersError, check_password, hash_password
from cli import main


def test_passwords_are_stored_as_salted_scrypt_hashes() -> None:
    first, second = hash_password("correct horse"), hash_password("correct horse")
    assert first.startswith("scrypt$131072$8$1$") and first != second  # a salt per hash
    assert "correct horse" not in first
    assert check_password("correct horse", first) and check_password("correct horse", second)
    assert not check_password("wrong horse", first)
    assert not check_password("x", "plain-text") and not check_password("x", "md5$abc")


def test_the_users_file(tmp_path: Path) -> None:
    users = Users(tmp_path / "data" / "users.json")
    assert not users.enabled  # no file: no login
    users.add("管理员", "secret-pass", ADMIN)
    users.add("张三", "another-pass", USER)
    assert users.enabled
    assert users.authenticate("管理员", "secret-pass") and not users.authenticate("管理员", "secret-pasS")
    assert not users.authenticate("nobody", "secret-pass")
    assert users.is_admin("管理员") and not users.is_admin("张三") and not users.is_admin(None)
    assert (tmp_path / "data" / "users.json").stat().st_mode & 0o777 == 0o600
    stored = json.loads((tmp_path / "data" / "users.json").read_text(encoding="utf-8"))
    assert "secret-pass" not in json.dumps(stored) and stored["users"]["张三"]["role"] == "user"
    users.remove("张三")
    assert list(users.all()) == ["管理员"]
    with pytest.raises(UsersError, match="密码至少 8 位"):
        users.add("李四", "short")
    with pytest.raises(UsersError, match="没有用户"):
        users.remove("李四")


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
    assert capsys.readouterr().out == "管理员\t管理员\n"
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
