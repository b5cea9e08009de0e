"""The web chat's pure parts: streaming respond(), answer/sources HTML, escaping, status line.

Offline and fast: a real index of the sample report built with the hash embedder."""

from __future__ import annotations

import html
import logging
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr
import pytest

import app
from chat.render import SOURCES_PLACEHOLDER, render_answer_html, render_sources_html, render_sources_panel
from chat.web import EXAMPLE_COUNT, EXAMPLE_REPORTS, Examples, _sample, chosen_reports, respond
from ingest.build import ingest
from ingest.config import PROJECT_ROOT, Settings
from rag.answer_types import Answer, Citation
from rag.evidence.refusal import RefusalModel
from rag.evidence.retrieve import EVERYTHING, SearchFilter, Snapshot
from rag.figures.answer import ExtractiveAnswerer
from rag.pipeline import KnowledgeBase, Status, idf_weights
from tests.conftest import SAMPLE_DOC_ID
from tests.fakes import HashEmbedder

QUESTION = "2021年培训了多少人次党员干部?"
DOC_TITLE = "綦江区委组织部2021年组工答卷"
XSS_SCRIPT = "<script>alert(1)</script>"
XSS_IMG = "<img src=x onerror=alert(1)>"
XSS_MD = "[x](javascript:alert(1))"


def _build(root: Path, files: dict[str, str] | None = None) -> Settings:
    kb_dir = root / "kb"
    kb_dir.mkdir(parents=True)
    if files is None:
        for txt in (PROJECT_ROOT / "kb").glob("*.txt"):
            shutil.copy(txt, kb_dir / txt.name)
    else:
        for name, text in files.items():
            (kb_dir / name).write_text(text, encoding="utf-8")
    settings = Settings(kb_dir=kb_dir, index_dir=root / "index", data_dir=root / "data")
    ingest(settings, embedder=HashEmbedder(), progress=False)
    return settings


@pytest.fixture(scope="module")
def sample_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return _build(tmp_path_factory.mktemp("app-sample"))


@pytest.fixture(scope="module")
def strict_kb(sample_settings: Settings) -> KnowledgeBase:
    """The default refusal model: calibrated for real embeddings, so it refuses off-topic questions."""
    return KnowledgeBase(sample_settings, embedder=HashEmbedder())


@pytest.fixture(scope="module")
def kb(strict_kb: KnowledgeBase) -> KnowledgeBase:
    """Never refuses: hash-embedding cosines are far below what the refusal model was fitted on."""
    answerer = ExtractiveAnswerer(
        weights=idf_weights(strict_kb.snapshot), refusal=RefusalModel(threshold=0.0)
    )
    return KnowledgeBase(strict_kb.settings, embedder=HashEmbedder(), answerer=answerer)


def _run(kb: KnowledgeBase, message: str, history: list[Any] | None = None) -> list[tuple[list[Any], Any]]:
    return [(hist, section) for hist, section, _answer in respond(kb, message, history or [], delay=0)]


def _tags(fragment: str) -> set[str]:
    return {t.lower() for t in re.findall(r"<\s*([a-zA-Z][\w-]*)", fragment)}


# --- respond(): streaming, links, sources -------------------------------------------------------


def test_respond_streams_then_links_and_sources(kb: KnowledgeBase) -> None:
    steps = _run(kb, QUESTION)
    partial, (final_history, sources) = steps[:-1], steps[-1]

    assert len(partial) > 1
    assert all(section is None for _, section in partial)
    texts = [hist[-1]["content"] for hist, _ in partial]
    assert [len(t) for t in texts] == sorted({len(t) for t in texts})  # strictly growing

    assert [m["role"] for m in final_history] == ["user", "assistant"]
    assert final_history[0]["content"] == QUESTION
    reply = final_history[1]["content"]
    assert reply.startswith("40822人次")
    link = re.search(r'<a href="#(cite-([0-9a-f]+)-1)" class="cite" title="查看来源 1">\[1\]</a>', reply)
    assert link, reply

    citation = kb.ask(QUESTION).citations[0]
    assert isinstance(sources, str)
    assert f'<div class="src-card" id="{link.group(1)}">' in sources
    assert f"<mark>{html.escape(citation.sentence)}</mark>" in sources
    assert "培训各级各类党员干部40822人次" in citation.sentence
    assert DOC_TITLE in sources
    assert "第9段" in sources
    assert html.escape(citation.paragraph_id) in sources
    assert '<div class="src-title">本回答的来源</div>' in sources


def test_each_answer_gets_its_own_anchor_ids(kb: KnowledgeBase) -> None:
    uids = set()
    for _ in range(2):
        reply = _run(kb, QUESTION)[-1][0][-1]["content"]
        uids.update(re.findall(r'href="#cite-([0-9a-f]+)-1"', reply))
    assert len(uids) == 2


def test_a_question_cannot_show_itself_backwards(kb: KnowledgeBase) -> None:
    # U+202E would display the rest of the question reversed in the bubble and the sources panel.
    (hist, section), *_ = reversed(_run(kb, "\u202e2021年全区发展党员多少名？\u202c"))
    assert hist[0]["content"] == "2021年全区发展党员多少名？"
    assert "\u202e" not in str(hist) and "\u202e" not in section
    assert kb.ask("\u202e2021年全区发展党员多少名？").question == "2021年全区发展党员多少名？"


def test_respond_keeps_earlier_history_as_given_by_the_chatbot(kb: KnowledgeBase) -> None:
    earlier = [
        {"role": "user", "content": [{"type": "text", "text": "上一个问题"}]},
        {"role": "assistant", "content": [{"type": "text", "text": "上一个回答"}]},
    ]
    history, _ = _run(kb, QUESTION, earlier)[-1]
    assert history[:2] == earlier
    assert len(history) == 4
    gr.Chatbot().postprocess(history)  # the chat component accepts what we produce


def test_refusal_lists_possibly_related_paragraphs_without_highlight(strict_kb: KnowledgeBase) -> None:
    history, sources = _run(strict_kb, "火星上有多少只猫?")[-1]
    reply = history[-1]["content"]
    assert reply.startswith("知识库中没有找到能回答这个问题的内容。<br>可能相关：")
    assert re.search(r'<a href="#cite-[0-9a-f]+-1" class="cite"', reply)
    assert '<div class="src-title">可能相关的段落</div>' in sources
    assert "<mark>" not in sources
    assert sources.count('class="src-card"') == 3
    assert re.search(r"第\d+段", sources)


def test_empty_question_is_a_gentle_warning(kb: KnowledgeBase) -> None:
    history = [{"role": "user", "content": "你好"}]
    with pytest.warns(UserWarning, match="请先输入一个问题"):
        steps = _run(kb, "   \n", history)
    assert steps == [(history, None)]


def test_knowledge_base_errors_become_chinese_gradio_errors() -> None:
    class Broken:
        def ask_stream(
            self, question: str, history: object = (), where: object = None, readable: object = None
        ) -> Iterator[object]:
            raise RuntimeError("index <gone>")

    with pytest.raises(gr.Error) as err:
        _run(Broken(), QUESTION)  # type: ignore[arg-type]
    assert err.value.message == "查询知识库时出错：index &lt;gone&gt;"


# --- escaping --------------------------------------------------------------------------------------


def _hostile_answer() -> Answer:
    text = f"{XSS_SCRIPT} 与 {XSS_IMG} 以及 {XSS_MD}"
    citation = Citation(
        n=1,
        paragraph_id='evil#3"><b>',
        doc=f'恶意"文档{XSS_IMG}',
        heading=XSS_SCRIPT,
        text=f"前文{XSS_MD}。{text}。后文",
        sentence=text,
        number=3,
    )
    return Answer(
        question=f"问{XSS_SCRIPT}", text=f"{text}[1]\n第二行[2]", refused=False, citations=[citation]
    )


def test_answer_html_escapes_everything_but_its_own_links() -> None:
    out = render_answer_html(_hostile_answer(), uid="u1")
    assert _tags(out) == {"a", "br"}
    assert html.escape(XSS_SCRIPT) in out
    assert html.escape(XSS_IMG) in out
    assert XSS_MD in out  # plain text: the chat renders no Markdown
    assert "javascript" not in "".join(re.findall(r'href="[^"]*"', out))
    assert out.endswith('<a href="#cite-u1-1" class="cite" title="查看来源 1">[1]</a><br>第二行[2]')


def test_sources_html_escapes_document_text_and_keeps_the_highlight() -> None:
    answer = _hostile_answer()
    out = render_sources_html(answer, uid="u1")
    assert _tags(out) == {"div", "span", "mark"}
    assert "<script" not in out and "<img" not in out and "<b>" not in out
    assert f"<mark>{html.escape(answer.citations[0].sentence)}</mark>" in out
    assert html.escape('恶意"文档') in out
    assert html.escape('evil#3"><b>') in out
    assert "问&lt;script&gt;alert(1)&lt;/script&gt;" in out


def test_hostile_paragraph_in_a_real_index_comes_out_inert(tmp_path: Path) -> None:
    report = (
        "测试报告\n\n"
        f"演示段落说明跨站脚本防护{XSS_SCRIPT}以及图片{XSS_IMG}还有链接{XSS_MD}都要原样显示。\n\n"
        "另一个段落讲述干部培训工作的情况。\n"
    )
    settings = _build(tmp_path, {"测试报告.txt": report})
    lenient = ExtractiveAnswerer(refusal=RefusalModel(threshold=0.0))
    kb = KnowledgeBase(settings, embedder=HashEmbedder(), answerer=lenient)
    history, sources = _run(kb, f"跨站脚本防护{XSS_IMG}怎么显示?")[-1]
    for fragment in (history[0]["content"], history[1]["content"], sources):
        assert "<script" not in fragment and "<img" not in fragment
        assert "javascript" not in "".join(re.findall(r'href="[^"]*"', fragment))
    assert html.escape(XSS_SCRIPT) in sources
    assert html.escape(XSS_IMG) in sources
    assert "<mark>" in sources


# --- panel, status, UI ----------------------------------------------------------------------------


def test_sources_panel_collapses_earlier_answers() -> None:
    assert render_sources_panel([]) == SOURCES_PLACEHOLDER
    panel = render_sources_panel([("新问题", "<div>NEW</div>"), ("旧<问题>", "<div>OLD</div>")])
    assert panel.startswith("<div>NEW</div>")
    assert (
        '<details class="src-old"><summary>较早的提问：旧&lt;问题&gt;</summary><div>OLD</div></details>'
        in panel
    )


def test_status_line_formats_local_build_time() -> None:
    built = time.mktime((2024, 5, 6, 7, 8, 30, 0, 0, -1))
    line = app.render_status(Status(documents=2, paragraphs=37, built_at=built, version="v", embedder="e"))
    assert line == "知识库：2 个文档，37 个段落 · 索引建立于 2024-05-06 07:08 · 回答方式：摘录原文"
    assert app.render_status(Status(1, 1, 0.0, "v", "e")).endswith("索引建立于 未知 · 回答方式：摘录原文")
    home = app.render_status(Status(1, 1, 0.0, "v", "e", home="綦江区委组织部"))
    assert home.startswith("本单位：綦江区委组织部 · 知识库：1 个文档")
    unmatched = app.render_status(Status(1, 1, 0.0, "v", "e", home_unmatched="某县委组织部"))
    assert unmatched.startswith("本单位：某县委组织部（知识库中暂无其报告）· 知识库：")
    with_model = app.render_status(Status(1, 1, 0.0, "v", "e"), "openai:qwen")
    assert with_model.endswith("回答方式：大模型生成（openai:qwen），逐句核对原文")


def test_build_ui_makes_a_chinese_page(kb: KnowledgeBase) -> None:
    demo = app.build_ui(kb)
    assert isinstance(demo, gr.Blocks)
    config = str(demo.get_config_file())
    examples = Examples(kb).questions()
    assert len(examples) == EXAMPLE_COUNT and all(q.startswith("2021年") for q in examples)
    for text in (app.TITLE, "发送", "清空对话", "只查这些报告"):
        assert text in config
    # What depends on who reads (the reports, the examples, the counts) is filled on load, for
    # the user: the page as built names no report.
    status = "本单位：綦江区委组织部 · 知识库：1 个文档，37 个段落"
    for text in (*examples, status, "綦江区委组织部2021年组工答卷"):
        assert text not in config
    assert app._status_text(kb).startswith(status)


def test_the_quoted_occurrence_is_highlighted_when_a_sentence_repeats() -> None:
    from ingest.records import Paragraph
    from rag.answer_types import citation_for

    para = Paragraph("d#1", "d", "D", 1, "完成任务。其后再次完成任务。")
    cite = citation_for(1, para, "完成任务。", (9, 14))
    html_out = render_sources_html(Answer("q", "完成任务。[1]", False, [cite]), uid="u")
    assert "完成任务。其后再次<mark>完成任务。</mark>" in html_out


def test_a_corrupt_study_file_leaves_the_chat_working(sample_settings: Settings, tmp_path: Path) -> None:
    from dataclasses import replace

    data = tmp_path / "data"
    data.mkdir()
    (data / "study.sqlite").write_bytes(b"garbage" * 200)
    kb = KnowledgeBase(replace(sample_settings, data_dir=data), embedder=HashEmbedder())
    config = str(app.build_ui(kb).get_config_file())
    assert "学习功能暂不可用：学习记录文件" in config and "发送" in config
    assert kb.ask(QUESTION).citations  # the 问答 tab's pipeline is untouched


def test_an_unreachable_study_database_leaves_the_chat_working(
    sample_settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from dataclasses import replace

    from admin.users import Users
    from tests.postgres import free_port

    url = f"postgresql://kb:Never-Logged-5@127.0.0.1:{free_port()}/kb"
    kb = KnowledgeBase(replace(sample_settings, data_dir=tmp_path, database_url=url), embedder=HashEmbedder())
    with caplog.at_level(logging.INFO):
        config = str(app.build_ui(kb, users=Users(tmp_path / "users.json")).get_config_file())
    masked = url.replace("Never-Logged-5", "***")
    assert f"学习功能暂不可用：学习记录数据库 {masked} 读写失败（连接被拒绝" in config and "发送" in config
    assert "Never-Logged-5" not in config and "Never-Logged-5" not in caplog.text
    assert f"study mode disabled: 学习记录数据库 {masked}" in caplog.text
    assert kb.ask(QUESTION).citations  # the 问答 tab's pipeline is untouched


def test_the_app_does_not_start_when_its_users_cannot_be_read(
    sample_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Starting without login would open the app to everyone: it stops with the reason instead."""
    from dataclasses import replace

    from admin.users import UsersError
    from tests.postgres import free_port

    monkeypatch.setattr(app, "configure_logging", lambda: None)  # leave the test run's logging alone
    url = f"postgresql://kb:Never-Shown-6@127.0.0.1:{free_port()}/kb"
    with pytest.raises(
        UsersError, match=r"^用户数据库 postgresql://kb:\*\*\*@127\.0\.0\.1:\d+/kb 无法读写（连接被拒绝"
    ):
        app.launch(replace(sample_settings, embedder="fake-hash", database_url=url))


# --- several reports ---------------------------------------------------------------------------


def test_sources_are_grouped_by_report_and_every_card_says_whose_report() -> None:
    from ingest.records import DocKind, DocumentMeta, Paragraph
    from rag.answer_types import citation_for

    national = DocumentMeta("2017年政府工作报告", 2017, "国务院", "全国", DocKind.GOVERNMENT_WORK_REPORT)
    guangdong = DocumentMeta(
        "2025年广东省政府工作报告", 2025, "广东省人民政府", "广东省", DocKind.GOVERNMENT_WORK_REPORT
    )
    a = Paragraph("n#5", "n", "2017年政府工作报告", 5, "增长6.7%。", ("一、2016年工作回顾",), meta=national)
    b = Paragraph("g#3", "g", "2025年广东省政府工作报告", 3, "增长3.5%。", meta=guangdong)
    c = Paragraph("n#9", "n", "2017年政府工作报告", 9, "增长6.5%左右。", meta=national)
    answer = Answer(
        "q", "x[1][2][3]", False, [citation_for(i, p, p.text) for i, p in enumerate((a, b, c), 1)]
    )
    panel = render_sources_html(answer, "u")
    assert panel.count('class="src-doc"') == 2  # one group per report, in the order first cited
    assert panel.index("cite-u-1") < panel.index("cite-u-3") < panel.index("cite-u-2")
    assert "[1]</span>2017年政府工作报告 · 国务院</div>" in panel
    assert "2017年 · 政府工作报告 · 一、2016年工作回顾 · 第5段 · n#5" in panel
    assert "2025年广东省政府工作报告 · 广东省人民政府" in panel


def test_the_report_selector(kb: KnowledgeBase) -> None:
    assert chosen_reports(kb, [], []) == EVERYTHING
    only = chosen_reports(kb, [SAMPLE_DOC_ID], ["2021"])
    assert only.docs == {SAMPLE_DOC_ID}
    with pytest.raises(gr.Error, match="没有共同的报告"):
        chosen_reports(kb, [SAMPLE_DOC_ID], ["2019"])
    (_hist, _section), *_rest = reversed(_run_where(kb, "建成示范村多少个?", only))
    assert "77个" in _hist[-1]["content"]


def _run_where(kb: KnowledgeBase, message: str, where: SearchFilter) -> list[tuple[list[Any], Any]]:
    return [(h, s) for h, s, _a in respond(kb, message, [], delay=0, where=where)]


def test_examples_follow_the_reports_loaded(kb: KnowledgeBase) -> None:
    examples = Examples(kb)
    questions = examples.questions()
    assert len(questions) == EXAMPLE_COUNT and len(set(questions)) == len(questions)
    updates = examples.buttons()
    assert [u["value"] for u in updates] == questions
    assert all(u["visible"] for u in updates)


def test_a_prose_answer_is_a_list_whose_links_highlight_each_points_clause() -> None:
    from rag.answer_types import Point

    text = "深化干部“四级家访”,开展家访6500余人次,发现并督促整改问题<200>余个。"
    first, second = "深化干部“四级家访”", "发现并督促整改问题<200>余个"
    at = text.index(second)
    cite = Citation(1, "d#20", "某报告", "干部卷", text, first, 20, "d", (0, len(first)))
    points = [Point(first, 1, (0, len(first))), Point(second, 1, (at, at + len(second)))]
    answer = Answer(
        "怎么开展家访?",
        "据《某报告》“干部卷”部分，主要有以下几点：\n1. 深化干部“四级家访”[1]\n"
        "2. 发现并督促整改问题<200>余个[1]",
        False,
        [cite],
        points=points,
    )
    out = render_answer_html(answer, uid="u9")
    assert '<ol class="kb-points">' in out and out.count("<li>") == 2
    assert '<div class="kb-lead">据《某报告》“干部卷”部分，主要有以下几点：</div>' in out
    # Each point's [1] opens the same card and names its own clause there.
    assert 'href="#mark-u9-1-0" class="cite"' in out
    assert f'href="#mark-u9-1-{at}" class="cite"' in out
    assert "发现并督促整改问题&lt;200&gt;余个" in out and "<200>" not in out
    sources = render_sources_html(answer, uid="u9")
    assert '<mark id="mark-u9-1-0">深化干部“四级家访”</mark>' in sources
    assert f'<mark id="mark-u9-1-{at}">发现并督促整改问题&lt;200&gt;余个</mark>' in sources
    assert "mark.mark-active" in app.JS  # the page's click handler sets it on the named clause


def test_a_point_whose_clause_overlaps_an_earlier_one_links_to_its_card() -> None:
    from rag.answer_types import Point

    text = "建成规范村211个,其中示范村77个。"
    whole, inner = (0, len(text) - 1), (text.index("其中"), len(text) - 1)
    cite = Citation(1, "d#3", "某报告", "基层卷", text, text, 3, "d", whole)
    answer = Answer(
        "建了哪些村?",
        "据《某报告》，主要有以下几点：\n1. 建成规范村211个,其中示范村77个[1]\n2. 其中示范村77个[1]",
        False,
        [cite],
        points=[Point(text[: whole[1]], 1, whole), Point(text[inner[0] : inner[1]], 1, inner)],
    )
    out = render_answer_html(answer, uid="u3")
    # The card marks the first clause only; the second point's link must not name a mark that
    # is not there (a dead link would open nothing).
    assert 'href="#mark-u3-1-0"' in out and f'href="#mark-u3-1-{inner[0]}"' not in out
    assert 'href="#cite-u3-1"' in out
    sources = render_sources_html(answer, uid="u3")
    assert sources.count("<mark ") == 1


def test_examples_are_drawn_from_a_dozen_reports_of_a_large_knowledge_base(kb_settings: Settings) -> None:
    ingest(kb_settings, embedder=HashEmbedder(), progress=False)
    small = Snapshot.load(kb_settings.index_dir).paragraphs
    assert list(_sample(small)) == list(small.values())  # every report of a small one, in order
    for n in range(EXAMPLE_REPORTS + 3):
        (kb_settings.kb_dir / f"{2000 + n}年总结.md").write_text(
            f"# {2000 + n}年总结\n\n## 人才工作\n\n{2000 + n}年引进人才{n + 5}名。\n", encoding="utf-8"
        )
    ingest(kb_settings, embedder=HashEmbedder(), progress=False)
    large = Snapshot.load(kb_settings.index_dir).paragraphs
    drawn = list(_sample(large))
    docs = list(dict.fromkeys(p.doc_id for p in drawn))
    assert len(docs) == EXAMPLE_REPORTS
    assert docs == [d for d in large.documents_in_order() if d in docs]  # in catalog order
    assert drawn == [p for p in large.values() if p.doc_id in docs]
    assert list(_sample(large)) == drawn  # the same draw every time
