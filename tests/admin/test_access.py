"""Who may read which report (admin.access), enforced on every path: a user outside a restricted
report's groups never receives any of its text, title, figures or paragraph ids, through answers,
citations, 可能相关, the list of reports a refusal names, selectors, examples, study questions,
tables, the CLI's JSON, while a member does. A synthetic knowledge base on the real index
(FAISS, and Milvus Lite where it starts)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import gradio as gr
import pytest

from admin.access import Access, Reader, may_read, readable_docs, reader_problems
from admin.users import Users, hash_password
from chat.web import Examples, chosen_reports, respond, selector_updates
from cli import main
from ingest import embed
from ingest.build import ingest
from ingest.config import Settings
from ingest.records import ADMINS_ONLY, DocumentMeta
from rag.pipeline import KnowledgeBase
from study.progress import ProgressStore
from study.quiz import ALL, Quiz
from tests.fakes import HashEmbedder, indexed_reports

OPEN = "2030年甲区组织工作总结.txt"
CLOSED = "2030年甲区干部考察材料.txt"
REPORTS = {
    OPEN: (
        "2030年甲区组织工作总结\n一、干部教育\n全年培训干部1200人次，选派30名年轻干部到基层锻炼。\n"
        "二、基层组织\n新建党群服务中心8个，整顿软弱涣散村党组织5个。\n"
    ),
    CLOSED: (
        "2030年甲区干部考察材料\n一、考察情况\n全年考察干部86人，拟提拔干部17人，其中女干部9人。\n"
        "二、鹿鸣计划\n鹿鸣计划储备年轻干部240名，跟踪培养43名。\n"
    ),
}
# What the closed report says that nothing else does: its title, its figures, its own words.
SECRETS = ("干部考察材料", "86人", "17人", "240名", "43名", "鹿鸣")
QUESTIONS = (
    "2030年考察干部多少人？",
    "拟提拔干部多少人？",
    "鹿鸣计划储备了多少年轻干部？",
    "2030年干部工作做了哪些工作？",
    "2029年和2030年考察干部分别多少人？",
    "甲区干部考察材料里说了什么？",
    "2031年培训干部多少人次？",  # a year no report covers: the refusal names the reports there are
)
MEMBER, OUTSIDER, ADMIN = "张三", "李四", "管理员"


def _users(data: Path) -> Users:
    users = Users(data / "users.json")
    users.add(MEMBER, "member-password", groups=["干部科"])
    users.add(OUTSIDER, "outsider-password", groups=["办公室"])
    users.add(ADMIN, "admin-password", role="admin")
    return users


def _build(root: Path, store: str) -> Settings:
    (root / "kb").mkdir(parents=True)
    for name, text in REPORTS.items():
        (root / "kb" / name).write_text(text, encoding="utf-8")
    (root / "kb" / f"{CLOSED}.meta.json").write_text(
        json.dumps({"readers": ["干部科"]}, ensure_ascii=False), encoding="utf-8"
    )
    settings = Settings(kb_dir=root / "kb", index_dir=root / "index", data_dir=root / "data", store=store)
    ingest(settings, embedder=HashEmbedder(), progress=False)
    return settings


@pytest.fixture(scope="module", params=["faiss", "milvus"])
def setup(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    store = str(request.param)
    if store == "milvus":
        pytest.importorskip("milvus_lite", reason="milvus-lite not installed (`make install-dev`)")
    root = tmp_path_factory.mktemp(f"access-{store}")
    settings = _build(root, store)
    kb = KnowledgeBase(settings, HashEmbedder())
    users = _users(settings.data_dir)
    yield settings, kb, Access(users)
    if store == "milvus":
        from ingest.milvus import connection

        connection.release(settings)


def _readable(setup: Any, name: str) -> frozenset[str] | None:
    _settings, kb, access = setup
    return access.readable(name, kb.snapshot.metas)


def _leaks(text: str, asked: str = "") -> list[str]:
    """The closed report's words in `text`, but those the user typed in the question."""
    return [s for s in SECRETS if s in text and s not in asked]


def test_the_rule() -> None:
    closed = DocumentMeta("报告", readers=("干部科",))
    member = Reader("张三", groups=frozenset({"干部科"}))
    other = Reader("李四", groups=frozenset({"办公室"}))
    known = frozenset({"干部科", "办公室"})
    assert may_read(member, closed, known) and not may_read(other, closed, known)
    assert may_read(other, DocumentMeta("公开报告"), known)  # no readers: every user
    assert may_read(Reader("管理员", is_admin=True), closed, known)
    assert may_read(None, closed, known)  # no login: one reader, everything
    # A group no user is in (a typo): administrators only, never opened to all.
    typo = DocumentMeta("报告", readers=("干布科",))
    assert not may_read(member, typo, known) and not may_read(other, typo, known)
    broken = DocumentMeta("报告", readers=(ADMINS_ONLY,))
    assert not may_read(member, broken, known)
    metas = {"a": closed, "b": DocumentMeta("公开报告")}
    assert readable_docs(other, metas, known) == {"b"}
    assert readable_docs(member, metas, known) is None or readable_docs(member, metas, known) == {"a", "b"}
    assert readable_docs(other, {"b": DocumentMeta("公开报告")}, known) is None  # nothing restricted


def test_unknown_groups_are_named_with_the_file_and_field(setup: Any) -> None:
    _settings, kb, _access = setup
    snapshot = kb.snapshot
    problems = reader_problems(snapshot.documents, snapshot.metas, frozenset({"办公室"}))
    assert problems == [
        f"{CLOSED}.meta.json：字段 readers 中的组“干部科”没有任何用户，该报告暂限管理员阅读"
        "（用 kb users groups 用户名 --group 组名 加入成员，或改正组名）"
    ]
    assert reader_problems(snapshot.documents, snapshot.metas, frozenset({"干部科"})) == []


@pytest.mark.parametrize("question", QUESTIONS)
def test_an_outsider_gets_nothing_of_the_closed_report(setup: Any, question: str) -> None:
    _settings, kb, _access = setup
    readable = _readable(setup, OUTSIDER)
    assert readable is not None and len(readable) == 1
    answer = kb.ask(question, readable=readable)
    shown = json.dumps(answer.to_json(), ensure_ascii=False)
    assert _leaks(shown, question) == []
    assert all(p.startswith(OPEN.removesuffix(".txt")) for p, _s in answer.retrieved)


def test_a_member_and_an_administrator_read_it(setup: Any) -> None:
    _settings, kb, _access = setup
    for name in (MEMBER, ADMIN):
        answer = kb.ask("考察干部多少人？", readable=_readable(setup, name))
        assert answer.lead == "86人", name
        assert answer.citations[0].doc_id == CLOSED.removesuffix(".txt")


def test_the_pages_lists_are_the_readers_own(setup: Any) -> None:
    _settings, kb, _access = setup
    outsider, member = _readable(setup, OUTSIDER), _readable(setup, MEMBER)
    reports, years = selector_updates(kb, outsider)
    assert _leaks(json.dumps([reports, years], ensure_ascii=False)) == []
    assert any("干部考察材料" in str(c) for c in selector_updates(kb, member)[0]["choices"])
    # A report the user may not read is unknown when chosen, as one that does not exist: the
    # same warning, and nothing is searched.
    for chosen in ([CLOSED.removesuffix(".txt")], ["不存在的报告"]):
        with (
            pytest.warns(UserWarning, match=f"知识库中没有这些报告或年份，已忽略：{chosen[0]}"),
            pytest.raises(gr.Error, match="所选的报告和年份中没有共同的报告"),
        ):
            chosen_reports(kb, chosen, [], outsider)
    examples = Examples(kb)
    assert _leaks(" ".join(examples.questions(outsider))) == []
    status = kb.status(outsider)
    assert (status.documents, status.paragraphs) == (1, len(kb.snapshot_for(outsider).paragraphs))
    assert kb.status(member).documents == 2


def test_the_chat_handler_streams_nothing_of_it(setup: Any) -> None:
    _settings, kb, _access = setup
    outsider = _readable(setup, OUTSIDER)
    for question in QUESTIONS[:3]:
        for history, sources, answer in respond(kb, question, [], delay=0, readable=outsider):
            shown = [history, sources, answer.to_json() if answer else None]
            streamed = json.dumps(shown, ensure_ascii=False)
            assert _leaks(streamed, question) == []


def test_study_questions_come_from_readable_reports_only(setup: Any, tmp_path: Path) -> None:
    _settings, kb, _access = setup
    quiz = Quiz(lambda: kb.snapshot, ProgressStore(tmp_path / "study.sqlite"))
    outsider, member = quiz.restricted(_readable(setup, OUTSIDER)), quiz.restricted(_readable(setup, MEMBER))
    mine = outsider.bank()
    assert mine and _leaks(json.dumps([q.__dict__ for q in mine], ensure_ascii=False, default=str)) == []
    assert _leaks(json.dumps([s.label for s in outsider.scopes()], ensure_ascii=False)) == []
    assert _leaks(" ".join(q.question for q in outsider.next_round(OUTSIDER, ALL, 50))) == []
    assert any(q.doc_id == CLOSED.removesuffix(".txt") for q in member.bank())
    # A question id of the closed report, sent by an outsider's client, finds nothing.
    closed_id = next(q.id for q in member.bank() if q.doc_id == CLOSED.removesuffix(".txt"))
    assert outsider.question(closed_id) is None


def test_the_command_line_with_user(setup: Any, capsys: pytest.CaptureFixture[str], monkeypatch: Any) -> None:
    settings, _kb, _access = setup
    monkeypatch.setitem(embed._EMBEDDERS, "fake-hash", HashEmbedder())
    monkeypatch.setenv("KB_STORE", settings.store)
    monkeypatch.setenv("KB_DATA_DIR", str(settings.data_dir))  # where the users file is
    folders = ["--kb-dir", str(settings.kb_dir), "--index-dir", str(settings.index_dir)]
    args = [*folders, "--embedder", "fake-hash"]
    for question in QUESTIONS[:3]:
        assert main(["ask", question, "--json", "--user", OUTSIDER, *args]) == 0
        assert _leaks(capsys.readouterr().out, question) == []
    assert main(["docs", "--json", "--user", OUTSIDER, *args]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [d["file"] for d in listed] == [OPEN]
    assert main(["docs", "--json", "--user", MEMBER, *args]) == 0
    assert {d["file"] for d in json.loads(capsys.readouterr().out)} == {OPEN, CLOSED}
    assert main(["ask", "考察干部多少人？", "--json", "--user", MEMBER, *args]) == 0
    assert "86人" in capsys.readouterr().out
    assert main(["ask", "考察干部多少人？", "--json", "--user", "王五", *args]) == 2
    assert "没有用户 王五" in capsys.readouterr().err


def test_a_changed_group_applies_to_the_next_question(setup: Any) -> None:
    _settings, kb, access = setup
    users = access.users
    question = "鹿鸣计划储备了多少年轻干部？"
    assert kb.ask(question, readable=_readable(setup, OUTSIDER)).lead != "240名"
    users.set_groups(OUTSIDER, ["办公室", "干部科"])
    try:
        assert kb.ask(question, readable=_readable(setup, OUTSIDER)).lead == "240名"
    finally:
        users.set_groups(OUTSIDER, ["办公室"])


def test_users_that_cannot_be_read_leave_open_reports_only(setup: Any, tmp_path: Path) -> None:
    _settings, kb, _access = setup
    broken = tmp_path / "users.json"
    broken.write_text("{not json", encoding="utf-8")
    readable = Access(Users(broken)).readable(MEMBER, kb.snapshot.metas)
    assert readable == {OPEN.removesuffix(".txt")}


def test_groups_are_kept_in_the_users_file_and_the_environment(tmp_path: Path) -> None:
    users = _users(tmp_path)
    assert users.all()[MEMBER].groups == ("干部科",)
    assert users.groups() == {"干部科", "办公室"}
    env = Users(tmp_path / "none.json", env_value=f"赵六:user:{hash_password('pw-123456')}:干部科|部务会")
    assert env.all()["赵六"].groups == ("干部科", "部务会")
    with pytest.raises(ValueError, match="组名"):
        users.set_groups(MEMBER, ["干:部科"])
    assert users.all()[MEMBER].groups == ("干部科",)  # a bad name stores nothing


def test_an_older_index_opens_with_every_report_open(tmp_path: Path) -> None:
    """A catalog written before reports had readers: no column, every report open; its next
    ingest adds the column without re-embedding."""
    import sqlite3

    from ingest import store

    settings = _build(tmp_path, "faiss")
    live = store.require_current(settings.index_dir)
    con = sqlite3.connect(live / store.CATALOG)
    con.execute("ALTER TABLE doc_meta DROP COLUMN readers")
    con.commit()
    con.close()
    with store.catalog(live) as catalog:
        assert all(m.readers == () for m in store.doc_metas(catalog).values())
    report = ingest(replace(settings), embedder=HashEmbedder(), progress=False)
    assert report.embedded == 0
    with store.catalog(store.require_current(settings.index_dir)) as catalog:
        assert store.doc_metas(catalog)[CLOSED.removesuffix(".txt")].readers == ("干部科",)


def test_whose_knowledge_base_it_is_comes_from_readable_reports(tmp_path: Path) -> None:
    """The home body shown in the header is derived from the reports the user may read: a
    restricted report's issuing body does not name the knowledge base for an outsider."""
    reports = {
        "2030年甲区干部考察材料.txt": "2030年甲区干部考察材料\n全年考察干部86人。\n",
        "工作笔记.txt": "工作笔记\n全年培训干部1200人次。\n",
    }
    settings = indexed_reports(tmp_path, reports)
    sidecar = settings.kb_dir / "2030年甲区干部考察材料.txt.meta.json"
    sidecar.write_text('{"readers": ["干部科"]}', encoding="utf-8")
    ingest(settings, embedder=HashEmbedder(), progress=False)
    kb = KnowledgeBase(settings, HashEmbedder())
    assert kb.status().home == "甲区"
    outsider = Access(_users(tmp_path / "data")).readable(OUTSIDER, kb.snapshot.metas)
    assert kb.status(outsider).home == ""


def test_a_model_is_never_shown_what_the_reader_may_not_read(setup: Any) -> None:
    """With a chat model configured, its prompts (the rewrite of a follow-up, the answer) hold
    only the reader's reports: a real HTTP server records every request it gets."""
    from rag.generation.llm import OpenAIChat
    from rag.generation.prompt import Turn
    from tests.llm_server import FakeLLMServer, Reply

    settings, _kb, _access = setup
    with FakeLLMServer(lambda _body: Reply("据原文，全年培训干部1200人次。[1]")) as server:
        kb = KnowledgeBase(settings, HashEmbedder(), chat=OpenAIChat(server.base_url, "fake", timeout=5))
        outsider, member = _readable(setup, OUTSIDER), _readable(setup, MEMBER)
        earlier = [Turn("2030年培训干部多少人次？", "1200人次。")]
        for question in QUESTIONS[:3]:
            kb.ask(question, readable=outsider)
            kb.ask("那考察干部呢？", history=earlier, readable=outsider)
        sent = json.dumps(server.requests, ensure_ascii=False)
        assert server.requests and _leaks(sent, " ".join(QUESTIONS[:3])) == []
        kb.ask("考察干部多少人？", readable=member)
        assert "86人" in json.dumps(server.requests, ensure_ascii=False)  # a member's prompt holds it


def test_the_readers_groups_from_a_users_database(setup: Any, postgres_url: str, tmp_path: Path) -> None:
    _settings, kb, _access = setup
    users = Users(tmp_path / "unused.json", database_url=postgres_url)
    users.add(MEMBER, "member-password", groups=["干部科"])
    users.add(OUTSIDER, "outsider-password", groups=["办公室"])
    access = Access(users)
    outsider = access.readable(OUTSIDER, kb.snapshot.metas)
    assert outsider == {OPEN.removesuffix(".txt")}
    refused = kb.ask("考察干部多少人？", readable=outsider).to_json()
    assert _leaks(json.dumps(refused, ensure_ascii=False)) == []
    assert kb.ask("考察干部多少人？", readable=access.readable(MEMBER, kb.snapshot.metas)).lead == "86人"


def test_a_restricted_folder(tmp_path: Path) -> None:
    """`<folder>/.meta.json` with readers restricts every report in the folder; a report's own
    correction wins; a folder file that cannot be read closes its reports; an unknown group in
    it is named with the folder's file."""
    reports = {
        "2030年甲区组织工作总结.txt": REPORTS[OPEN],
        "干部材料/2030年甲区干部考察材料.txt": REPORTS[CLOSED],
        "干部材料/2030年甲区干部培训通报.txt": "2030年甲区干部培训通报\n全年举办干部培训班12期。\n",
    }
    (tmp_path / "kb" / "干部材料").mkdir(parents=True)
    for name, text in reports.items():
        (tmp_path / "kb" / name).write_text(text, encoding="utf-8")
    folder_file = tmp_path / "kb" / "干部材料" / ".meta.json"
    folder_file.write_text('{"readers": ["干部科"], "year": 2031}', encoding="utf-8")
    own = tmp_path / "kb" / "干部材料" / "2030年甲区干部培训通报.txt.meta.json"
    own.write_text('{"readers": "所有人"}', encoding="utf-8")
    settings = Settings(kb_dir=tmp_path / "kb", index_dir=tmp_path / "index", data_dir=tmp_path / "data")
    report = ingest(settings, embedder=HashEmbedder(), progress=False)
    assert report.meta_problems == ["干部材料/.meta.json：文件夹的更正文件只能写 readers（year 已忽略）"]
    kb = KnowledgeBase(settings, HashEmbedder())
    readers = {d: m.readers for d, m in kb.snapshot.metas.items()}
    assert readers == {
        "2030年甲区组织工作总结": (),
        "干部材料/2030年甲区干部考察材料": ("干部科",),
        "干部材料/2030年甲区干部培训通报": (),  # its own correction opens it
    }
    users = _users(tmp_path / "data")
    outsider = Access(users).readable(OUTSIDER, kb.snapshot.metas)
    assert outsider == {"2030年甲区组织工作总结", "干部材料/2030年甲区干部培训通报"}
    snapshot = kb.snapshot
    assert reader_problems(snapshot.documents, snapshot.metas, frozenset()) == [
        "干部材料/.meta.json：字段 readers 中的组“干部科”没有任何用户，该报告暂限管理员阅读"
        "（用 kb users groups 用户名 --group 组名 加入成员，或改正组名）"
    ]
    folder_file.write_text("{readers: 干部科", encoding="utf-8")  # broken: closed, never opened
    ingest(settings, embedder=HashEmbedder(), progress=False)
    kb = KnowledgeBase(settings, HashEmbedder())
    assert kb.snapshot.metas["干部材料/2030年甲区干部考察材料"].readers == (ADMINS_ONLY,)


def test_keyword_statistics_are_the_readers_own(setup: Any) -> None:
    """A reader's view weighs words by the reports it may read alone: a word only the closed
    report uses is unknown there, and a shared word's weight is computed without it."""
    from rag.pipeline import idf_weights

    _settings, kb, _access = setup
    whole, outsider = kb.snapshot, kb.snapshot_for(_readable(setup, OUTSIDER))
    assert whole.bm25 is not None and outsider.bm25 is not None
    assert "鹿鸣" in whole.bm25 and "鹿鸣" not in outsider.bm25
    assert outsider.bm25.n_docs < whole.bm25.n_docs  # its chunks alone count for idf
    assert idf_weights(outsider).of("干部") != idf_weights(whole).of("干部")
    member = kb.snapshot_for(_readable(setup, MEMBER))
    assert member.bm25 is not None and member.bm25.n_docs == whole.bm25.n_docs
    # The keyword search is scored with them, on Milvus too (whose own BM25 counts every report).
    view = kb.view(_readable(setup, OUTSIDER)).retriever
    assert view.bm25_ranking("鹿鸣计划", 10) == []
    assert view.bm25_ranking("培训干部", 10)  # an open report's words are found
    assert kb.view(_readable(setup, MEMBER)).retriever.bm25_ranking("鹿鸣计划", 10)
