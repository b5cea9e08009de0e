"""The audit trail (admin.audit): what administrators and logins do, appended as JSON lines to a
file or to the database, read back filtered, exported as CSV; questions only when turned on."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from admin.audit import ACTIONS, AuditLog, as_csv
from admin.users import ADMIN, USER, Users
from admin.web import audit_csv, audit_html, correct, delete, document_choices, set_user_groups, upload
from cli import main
from ingest.build import ingest
from ingest.config import Settings
from rag.pipeline import KnowledgeBase
from tests.fakes import HashEmbedder


@dataclass(frozen=True)
class Client:
    host: str


@dataclass
class Request:
    username: str | None
    client: Client = Client("10.1.2.3")


@pytest.fixture(params=["file", "postgresql"])
def audit(request: pytest.FixtureRequest, tmp_path: Path) -> AuditLog:
    if request.param == "postgresql":
        return AuditLog(str(request.getfixturevalue("postgres_url")))
    return AuditLog(tmp_path / "data" / "audit.jsonl")


def test_events_are_appended_read_back_filtered_and_exported(audit: AuditLog) -> None:
    audit.record("login", "张三", "10.0.0.7")
    audit.record("login_failed", "王\u202e五", "10.0.0.8")
    audit.record("upload", "管理员", "10.0.0.9", "2030年工作总结.docx")
    newest = audit.events()
    expected = [("管理员", "upload"), ("王五", "login_failed"), ("张三", "login")]
    assert [(e.user, e.action) for e in newest] == expected
    assert [e.object for e in audit.events(action="upload")] == ["2030年工作总结.docx"]
    assert [e.address for e in audit.events(user="王五")] == ["10.0.0.8"]
    exported = as_csv(newest)
    assert exported.startswith("\ufeff时间,用户,地址,操作,对象\r\n")
    assert "管理员,10.0.0.9,上传报告,2030年工作总结.docx" in exported
    with pytest.raises(ValueError, match="unknown audit action"):
        audit.record("hack")


def test_the_file_is_json_lines_and_survives_a_cut_line(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    audit = AuditLog(path)
    audit.record("delete", "管理员", "10.0.0.9", "旧报告.txt")
    with path.open("a", encoding="utf-8") as f:
        f.write('{"time": "2030-01-01T00:0')  # a crash in mid-line
    audit.record("unlock", "管理员", "命令行", "王五")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3  # the event after the cut one stands on a line of its own
    first = json.loads(lines[0])
    assert set(first) == {"time", "user", "address", "action", "object"}
    assert first["time"][:2] == "20" and first["time"][10] == "T"
    assert [e.action for e in audit.events()] == ["unlock", "delete"]


def test_questions_are_logged_only_when_turned_on(tmp_path: Path) -> None:
    assert not AuditLog.from_settings(tmp_path, environ={}).questions
    assert AuditLog.from_settings(tmp_path, environ={"KB_AUDIT_QUESTIONS": "1"}).questions


def test_the_admin_tab_records_its_actions(kb_settings: Settings, tmp_path: Path) -> None:
    ingest(kb_settings, embedder=HashEmbedder(), progress=False)
    kb = KnowledgeBase(kb_settings, embedder=HashEmbedder())
    users = Users(kb_settings.data_dir / "users.json")
    users.add("管理员", "admin-password", ADMIN)
    users.add("张三", "reader-password", USER)
    audit = AuditLog(tmp_path / "audit.jsonl")
    admin = Request("管理员")
    source = tmp_path / "gradio-tmp" / "2030年总结.txt"
    source.parent.mkdir()
    source.write_text("2030年全区新建党群服务中心25个。", encoding="utf-8")
    upload(kb, users, str(source), admin, uploads=source.parent, audit=audit)  # type: ignore[arg-type]
    [(_label, stored)] = [c for c in document_choices(kb) if "2030" in c[0]]
    correct(kb, users, stored, {"year": "2030", "readers": ""}, admin, audit)  # type: ignore[arg-type]
    set_user_groups(users, "张三", "干部科、部务会", admin, audit)  # type: ignore[arg-type]
    delete(kb, users, stored, admin, audit)  # type: ignore[arg-type]
    events = audit.events()
    assert [(e.action, e.object) for e in reversed(events)] == [
        ("upload", "2030年总结.txt"),
        ("correct", "2030年总结.txt：year=2030"),
        ("user_groups", "张三：干部科、部务会"),
        ("delete", "2030年总结.txt"),
    ]
    assert {(e.user, e.address) for e in events} == {("管理员", "10.1.2.3")}
    shown = audit_html(audit, "管理员", "delete")
    assert "删除报告" in shown and "上传报告" not in shown
    exported = Path(audit_csv(audit, "", "upload")).read_text(encoding="utf-8")
    assert exported.count("\n") == 2 and "上传报告" in exported
    assert set(ACTIONS) >= {e.action for e in events}


def test_user_changes_on_the_command_line_are_recorded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KB_DATA_DIR", str(tmp_path))
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("reader-password\n"))
    assert main(["users", "add", "张三", "--group", "干部科", "--password-stdin"]) == 0
    assert main(["users", "groups", "张三", "--group", "部务会"]) == 0
    assert main(["users", "remove", "张三"]) == 0
    capsys.readouterr()
    events = list(reversed(AuditLog(tmp_path / "audit.jsonl").events()))
    assert [(e.action, e.object) for e in events] == [
        ("user_add", "张三（普通用户，组：干部科）"),
        ("user_groups", "张三：部务会"),
        ("user_remove", "张三"),
    ]
    assert all(e.address == "命令行" and e.user.endswith("（命令行）") for e in events)


@pytest.mark.parametrize("logged", [False, True])
def test_questions_asked_in_the_chat_are_recorded_when_turned_on(
    kb_settings: Settings, tmp_path: Path, logged: bool
) -> None:
    import app

    ingest(kb_settings, embedder=HashEmbedder(), progress=False)
    kb = KnowledgeBase(kb_settings, embedder=HashEmbedder())
    audit = AuditLog(tmp_path / "audit.jsonl", questions=logged)
    demo = app.build_ui(kb, audit=audit)
    chat = next(f.fn for f in demo.fns.values() if f.name == "chat")
    assert chat is not None
    list(chat("建成示范村多少个?", [], [], [], None, None, Request("张三")))
    recorded = [(e.user, e.address, e.action, e.object) for e in audit.events()]
    assert recorded == ([("张三", "10.1.2.3", "question", "建成示范村多少个?")] if logged else [])
