"""The 管理 tab's handlers: only administrators upload and delete; the app sees the change."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import gradio as gr
import pytest

import app
from admin.users import ADMIN, USER, Users
from admin.web import delete, document_choices, documents_html, upload
from ingest.build import ingest
from ingest.config import PROJECT_ROOT, Settings
from rag.pipeline import KnowledgeBase
from tests.fakes import HashEmbedder, SlowEmbedder


@dataclass
class Request:
    """What Gradio hands a handler: the logged-in name, or None without login."""

    username: str | None


@pytest.fixture
def kb(kb_settings: Settings) -> KnowledgeBase:
    ingest(kb_settings, embedder=HashEmbedder(), progress=False)
    return KnowledgeBase(kb_settings, embedder=HashEmbedder())


@pytest.fixture
def users(kb_settings: Settings) -> Users:
    users = Users(kb_settings.data_dir / "users.json")
    users.add("管理员", "admin-password", ADMIN)
    users.add("张三", "reader-password", USER)
    return users


def _upload_file(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / "gradio-tmp" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_an_administrator_uploads_and_the_chat_answers_from_it(
    kb: KnowledgeBase, users: Users, tmp_path: Path
) -> None:
    path = _upload_file(tmp_path, "<b>2022年总结.txt", "2022年全区新建党群服务中心25个。")
    shown = upload(kb, users, path, Request("管理员"), uploads=tmp_path / "gradio-tmp")  # type: ignore[arg-type]
    assert "已上传并导入：_b_2022年总结.txt" in shown and "<b>" not in shown
    assert "知识库现有 2 个文档" in shown
    assert kb.status().documents == 2  # the running app loaded the new version
    answer = kb.ask("2022年新建党群服务中心多少个?")
    assert any(c.paragraph_id == "_b_2022年总结#1" for c in answer.citations)
    table = documents_html(kb)
    assert "_b_2022年总结.txt" in table and "<b>2022" not in table
    [(_, stored)] = [c for c in document_choices(kb) if "2022" in c[0]]
    assert "已删除：_b_2022年总结.txt" in delete(kb, users, stored, Request("管理员"))  # type: ignore[arg-type]
    assert kb.status().documents == 1


@pytest.mark.parametrize("who", [None, "张三", "nobody"])
def test_only_administrators_may_change_the_knowledge_base(
    kb: KnowledgeBase, users: Users, tmp_path: Path, who: str | None
) -> None:
    path = _upload_file(tmp_path, "x.txt", "内容。")
    with pytest.raises(gr.Error, match="只有管理员"):
        upload(kb, users, path, Request(who))  # type: ignore[arg-type]
    sample = document_choices(kb)[0][1]
    with pytest.raises(gr.Error, match="只有管理员"):
        delete(kb, users, sample, Request(who))  # type: ignore[arg-type]
    assert Path(sample).exists() and kb.status().documents == 1


def test_upload_errors_reach_the_administrator_in_chinese(
    kb: KnowledgeBase, users: Users, tmp_path: Path
) -> None:
    # Shown in the result box, not as a Gradio error (which marks every output as failed).
    admin = Request("管理员")
    assert upload(kb, users, None, admin) == '<div class="kb-unverified">请先选择要上传的报告文件。</div>'  # type: ignore[arg-type]
    path = tmp_path / "<tool>.exe"
    path.write_bytes(b"MZ")
    shown = upload(kb, users, str(path), admin, uploads=tmp_path)  # type: ignore[arg-type]
    assert shown.startswith('<div class="kb-unverified">不支持的文件类型 .exe：&lt;tool&gt;.exe。可上传：')
    assert delete(kb, users, None, admin) == '<div class="kb-unverified">请先选择要删除的报告。</div>'  # type: ignore[arg-type]
    assert kb.status().documents == 1


def test_an_api_call_cannot_import_a_file_from_elsewhere_on_the_server(
    kb: KnowledgeBase, users: Users, tmp_path: Path
) -> None:
    uploads = tmp_path / "gradio-tmp"
    inside = Path(_upload_file(tmp_path, "x.txt", "内容。"))
    secret = tmp_path / "secret.txt"
    secret.write_text("服务器上的其他文件。", encoding="utf-8")
    (uploads / "link.txt").symlink_to(secret)
    for path in (secret, uploads / "link.txt", uploads / ".." / "secret.txt", PROJECT_ROOT / "README.md"):
        shown = upload(kb, users, str(path), Request("管理员"), uploads=uploads)  # type: ignore[arg-type]
        assert shown == '<div class="kb-unverified">只能导入通过本页面上传的文件。</div>'
    assert kb.status().documents == 1
    assert "已上传并导入" in upload(kb, users, str(inside), Request("管理员"), uploads=uploads)  # type: ignore[arg-type]


def test_the_admin_tab_is_built_hidden(kb: KnowledgeBase, users: Users) -> None:
    demo = app.build_ui(kb, users=users)
    config = demo.get_config_file()
    tabs = [c for c in config["components"] if c.get("type") == "tabitem"]
    admin_tab = next(t for t in tabs if t["props"].get("label") == "管理")
    assert admin_tab["props"]["visible"] is False
    assert "退出登录" in str(config)


def test_an_administrator_corrects_a_reports_metadata(kb: KnowledgeBase, users: Users) -> None:
    from admin.web import correct, correction_form

    (_, path), *_ = document_choices(kb)
    form = correction_form(kb, users, path, Request("管理员"))  # type: ignore[arg-type]
    assert [f["value"] for f in form] == ["", "", "", "", "", ""]  # no correction yet
    assert form[1]["placeholder"] == "自动：2021（留空即自动）"
    shown = correct(kb, users, path, {"year": "2022"}, Request("管理员"))  # type: ignore[arg-type]
    assert "已保存更正并重新索引" in shown and "2022" in shown
    assert kb.snapshot.metas[next(iter(kb.snapshot.metas))].year == 2022
    assert 'class="meta-corrected"' in documents_html(kb)
    assert correction_form(kb, users, path, Request("管理员"))[1]["value"] == "2022"  # type: ignore[arg-type]
    # Nobody else reads corrections, and only reports in the folder are read.
    with pytest.raises(gr.Error, match="只有管理员"):
        correction_form(kb, users, path, Request("张三"))  # type: ignore[arg-type]
    assert correction_form(kb, users, "/etc/passwd", Request("管理员"))[1]["value"] == ""  # type: ignore[arg-type]
    refused = correct(kb, users, path, {"year": "明年"}, Request("管理员"))  # type: ignore[arg-type]
    assert "字段 year" in refused and "kb-unverified" in refused
    with pytest.raises(gr.Error, match="只有管理员"):
        correct(kb, users, path, {"year": "2023"}, Request("张三"))  # type: ignore[arg-type]


def test_an_upload_shows_its_progress_then_its_result(
    users: Users, kb_settings: Settings, tmp_path: Path
) -> None:
    """The handler is a generator: status lines while the report is embedded in a worker
    thread, then the result; the chat's knowledge base sees the new report at the end."""
    from admin.web import is_status, upload_steps

    ingest(kb_settings, embedder=HashEmbedder(), progress=False)
    slow = SlowEmbedder(per_text=0.05)  # 40 new paragraphs: ~2 s
    kb = KnowledgeBase(kb_settings, embedder=slow)
    text = "".join(f"第{i}项：全区新建党群服务中心{i}个。\n" for i in range(1, 41))
    path = _upload_file(tmp_path, "<b>2023年总结.txt", text)
    shown = list(upload_steps(kb, users, path, Request("管理员"), uploads=tmp_path / "gradio-tmp", every=0.1))  # type: ignore[arg-type]
    *steps, last = shown
    assert steps and all(is_status(s) for s in steps) and not is_status(last)
    assert all(s.startswith('<div class="kb-progress">正在导入《_b_2023年总结.txt》：') for s in steps)
    embedding = [s for s in steps if "向量化" in s]
    assert any("/40 段，约剩" in s for s in embedding), embedding
    done = [int(s.split("向量化 ")[1].split("/")[0]) for s in embedding]
    assert done == sorted(done)
    assert "已上传并导入：_b_2023年总结.txt" in last and "知识库现有 2 个文档" in last
    assert kb.status().documents == 2


def test_uploads_queue_apart_from_the_chat(kb: KnowledgeBase, users: Users) -> None:
    """Gradio gives each event its own workers unless events share a concurrency id: uploads,
    deletions and corrections wait for each other, never for (nor instead of) an answer."""
    from admin.web import INGEST_QUEUE

    fns = {fn.name: fn for fn in app.build_ui(kb, users=users).fns.values()}
    for name in ("on_upload", "on_delete", "on_save"):
        assert (fns[name].concurrency_id, fns[name].concurrency_limit) == (INGEST_QUEUE, 1)
    assert fns["chat"].concurrency_id != INGEST_QUEUE and fns["chat"].concurrency_limit == "default"
