"""The web chat: a Gradio app over the knowledge base, with clickable citations.

    python app.py [--host HOST] [--port PORT]      (or `kb serve`)

Answers stream into the chat; every `[n]` in an answer links to its paragraph in the sources
panel, which shows the full paragraph with the supporting sentence highlighted. All document
and question text is HTML-escaped; the chat renders our own markup only (no Markdown).
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import logging
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr

from admin.users import Users
from admin.web import build_admin_tab
from chat.table_view import chart_svg, table_html, write_csv, write_xlsx
from ingest.config import Settings, add_database_argument, add_llm_arguments, llm_overrides
from rag.answer import Answer, Citation
from rag.pipeline import Final, KnowledgeBase, Searched, Status, Token
from rag.prompt import Turn
from rag.records import CITATION_MARKER
from rag.report_choice import choose_reports, report_choices, year_choices
from rag.retrieve import EVERYTHING, SearchFilter
from study.bank import example_questions
from study.progress import ProgressError, ProgressStore
from study.quiz import Quiz
from study.web import STUDY_CSS, browser_secret, build_study_tab, remembered_name

log = logging.getLogger(__name__)

TITLE = "组工报告知识库问答"
HINT = (
    "回答只来自知识库中的报告原文，并注明出处；点击回答中的 [1]、[2] 等角标，可在右侧查看并高亮对应原文段落。"
)
EXAMPLE_COUNT = 4  # example questions, drawn from the reports loaded (study.bank.example_questions)
EMPTY_QUESTION = "请先输入一个问题，或点击下方的示例问题。"
SOURCES_PLACEHOLDER = (
    '<div class="src-empty">提问后，这里会显示回答所依据的原文段落。'
    "点击回答中的角标（如 [1]）可定位并高亮对应段落。</div>"
)
STREAM_CHUNKS = 40  # an answer streams in about this many steps
STREAM_DELAY = 0.01  # seconds between steps
CONCURRENT_ANSWERS = 8
MAX_PAST = 20  # earlier answers whose sources stay in the panel (collapsed)

Message = dict[str, Any]
History = list[Message]
Past = list[tuple[str, str]]  # (question, sources section html), newest first
MAX_TURNS = 6  # earlier exchanges kept for rewriting follow-up questions


CSS = """
#kb-sources { max-height: 640px; overflow-y: auto !important; }
.src-q { color: var(--body-text-color-subdued); margin-bottom: .5em; }
.src-title { font-weight: 600; margin: .2em 0 .6em; }
.src-card { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: .6em .8em;
  margin-bottom: .7em; transition: box-shadow .3s, background-color .3s; scroll-margin: 1em; }
.src-head { font-weight: 600; }
.src-n { color: var(--color-accent); margin-right: .3em; }
.src-meta { font-size: .85em; color: var(--body-text-color-subdued); margin: .2em 0 .4em; }
.src-text { line-height: 1.7; }
.src-text mark { background: #fde68a; color: inherit; padding: 0 .1em; border-radius: 2px; }
.src-card.cite-active { box-shadow: 0 0 0 3px var(--color-accent); background: rgba(253, 230, 138, .25); }
.src-old { margin-top: .8em; } .src-old > summary { cursor: pointer; color: var(--body-text-color-subdued); }
.src-empty { color: var(--body-text-color-subdued); padding: 1em 0; }
.src-doc { margin-bottom: .4em; }
.src-doc-head { font-size: .9em; font-weight: 600; color: var(--body-text-color-subdued);
  border-bottom: 1px solid var(--border-color-primary); margin: .6em 0 .5em; padding-bottom: .2em; }
.src-doc-n { font-weight: 400; }
td.meta-corrected { background: rgba(253, 230, 138, .35); }
a.cite { color: var(--color-accent) !important; font-weight: 600; text-decoration: none !important;
  cursor: pointer; padding: 0 .15em; border-radius: 4px; background: var(--color-accent-soft); }
a.cite:hover { text-decoration: underline !important; }
table.kb-table { border-collapse: collapse; margin: 6px 0; font-size: 14px; }
table.kb-table th, table.kb-table td { border: 1px solid #ddd; padding: 3px 10px; text-align: left; }
table.kb-table th { background: #f6f6f6; }
tr.kb-missing td { color: #888; }
.kb-kind { color: #888; font-size: 12px; }
svg.kb-chart { display: block; max-width: 100%; height: auto; margin-top: 6px; }
/* Gradio titles its toasts by level in English ("Warning"); show Chinese instead. */
.toast-title.warning, .toast-title.error, .toast-title.info { font-size: 0 !important; }
.toast-title.warning::before, .toast-title.info::before { content: "提示"; font-size: 16px; }
.toast-title.error::before { content: "出错了"; font-size: 16px; }
.toast-title .toast-count { font-size: 12px; }
.kb-searched { font-size: .85em; color: var(--body-text-color-subdued); margin-bottom: .3em; }
.kb-progress { font-size: .9em; color: var(--body-text-color-subdued); padding: .2em 0; }
.kb-notice { font-size: .85em; color: #b45309; margin-bottom: .3em; }
.kb-verified { font-size: .8em; color: #15803d; margin-top: .4em; }
.kb-unverified { font-size: .9em; border-left: 3px solid #dc2626; padding: .2em .6em; margin-top: .5em; }
.kb-unverified ul { margin: .2em 0 .4em 1.2em; }
span.unverified { background: rgba(220, 38, 38, .12); text-decoration: underline wavy #dc2626; }
"""

# Runs once on page load: adds the styles and one delegated click handler for all `[n]` links,
# so links in messages rendered later work too. Opens collapsed earlier answers if needed.
_JS = r"""
() => {
  if (window.__kbCite) return;
  window.__kbCite = true;
  const style = document.createElement('style');
  style.textContent = __CSS__;
  document.head.appendChild(style);
  document.addEventListener('click', (ev) => {
    const a = ev.target instanceof Element ? ev.target.closest('a[href^="#cite-"]') : null;
    if (!a) return;
    ev.preventDefault();
    ev.stopPropagation();
    const card = document.getElementById(a.getAttribute('href').slice(1));
    if (!card) return;
    for (let d = card.parentElement; d; d = d.parentElement) if (d.tagName === 'DETAILS') d.open = true;
    document.querySelectorAll('.src-card.cite-active').forEach((c) => c.classList.remove('cite-active'));
    card.classList.add('cite-active');
    card.scrollIntoView({ behavior: 'smooth', block: 'center' });
  }, true);
  // Gradio checks an upload's size in the browser and says so in English: say it in Chinese.
  const tooBig = /^File\(s\) exceed the maximum allowed size of (.+?): (.+)$/;
  new MutationObserver(() => {
    document.querySelectorAll('.toast-body *').forEach((el) => {
      if (el.children.length) return;
      const m = tooBig.exec(el.textContent.trim());
      if (m) el.textContent = `文件超过大小上限（${m[1].replace(' Mb', ' MB')}）：${m[2]}`;
    });
  }).observe(document.body, { childList: true, subtree: true });
}
"""
JS = _JS.replace("__CSS__", json.dumps(CSS + STUDY_CSS))


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _esc_lines(text: str) -> str:
    return "<br>".join(_esc(line) for line in text.split("\n"))


def _uid(answer: Answer) -> str:
    return hashlib.sha1(f"{answer.question}\0{answer.text}".encode()).hexdigest()[:10]


def cite_anchor(uid: str, n: int) -> str:
    return f"cite-{uid}-{n}"


def _linked(text: str, known: set[int], uid: str) -> str:
    """`text` escaped, each `[n]` of a known citation a link to its source card."""
    parts = CITATION_MARKER.split(text)  # text, n, text, n, ..., text
    for i in range(1, len(parts), 2):
        n = int(parts[i])
        link = f'<a href="#{cite_anchor(uid, n)}" class="cite" title="查看来源 {n}">[{n}]</a>'
        parts[i] = link if n in known else f"[{n}]"
    for i in range(0, len(parts), 2):
        parts[i] = _esc_lines(parts[i])
    return "".join(parts)


def _marked_body(answer: Answer, known: set[int], uid: str) -> str:
    """The answer with each sentence that failed verification marked (and why, on hover)."""
    checks = answer.verification.sentences if answer.verification else ()
    out, pos = [], 0
    for check in checks:
        if check.ok:
            continue
        out.append(_linked(answer.text[pos : check.start], known, uid))
        why = _esc("；".join(check.problems))
        sentence = _linked(answer.text[check.start : check.end], known, uid)
        out.append(f'<span class="unverified" title="{why}">⚠{sentence}</span>')
        pos = check.end
    out.append(_linked(answer.text[pos:], known, uid))
    return "".join(out)


def render_answer_html(answer: Answer, uid: str | None = None) -> str:
    """The answer for the chat: escaped text with `[n]` links, the question searched when a
    follow-up was rewritten, and for a generated answer the result of its verification (failed
    sentences marked, the extractive answer offered)."""
    uid = uid or _uid(answer)
    known = {c.n for c in answer.citations}
    html_parts = []
    if answer.searched:
        html_parts.append(f'<div class="kb-searched">检索问题：{_esc(answer.searched)}</div>')
    if answer.notice:
        html_parts.append(f'<div class="kb-notice">{_esc(answer.notice)}</div>')
    if answer.table is not None and not answer.refused:
        html_parts.append(_table_body(answer, known, uid))
    else:
        html_parts.append(_marked_body(answer, known, uid))
    generated = answer.answerer != "extractive" and not answer.refused
    if generated and answer.verification is not None and answer.verification.ok:
        html_parts.append('<div class="kb-verified">✓ 引用与数字已逐句核对原文</div>')
    elif generated and answer.verification is not None:
        problems = "".join(f"<li>{_esc(p)}</li>" for p in answer.verification.problems)
        fallback = answer.fallback
        offered = f"原文摘录答案：<br>{_linked(fallback.text, known, uid)}" if fallback is not None else ""
        html_parts.append(
            '<div class="kb-unverified">⚠ 生成的回答未通过核对，请以原文为准：'
            f"<ul>{problems}</ul>{offered}</div>"
        )
    return "".join(html_parts)


def _table_body(answer: Answer, known: set[int], uid: str) -> str:
    """A figure per year: the summary line, the table with its citation links, the chart."""
    assert answer.table is not None
    table = answer.table
    head = answer.text.split("\n")[: -len(table.rows)]  # the summary, or a stated difference
    summary = _linked("\n".join(head), known, uid)

    def link(n: int) -> str:
        return _linked(f"[{n}]", known, uid)

    chart = chart_svg(table)
    return (
        (f'<div class="kb-summary">{summary}</div>' if summary else "")
        + table_html(table, link)
        + chart
        + ("" if chart else '<div class="kb-note">各行数值单位不同，未绘制图表。</div>')
    )


def export_files(answer: Answer | None) -> tuple[str | None, str | None]:
    """CSV and Excel files of a table answer, for the download buttons (None: no table)."""
    if answer is None or answer.table is None or answer.refused:
        return None, None
    folder = Path(tempfile.mkdtemp(prefix="kb-table-"))
    return str(write_csv(answer.table, folder)), str(write_xlsx(answer.table, folder))


def _highlighted(citation: Citation) -> str:
    text, sentence = citation.text, citation.sentence
    if citation.span is not None and text[citation.span[0] : citation.span[1]] == sentence:
        at = citation.span[0]  # the very place the answer quotes, not an earlier repeat
    else:
        at = text.find(sentence) if sentence else -1
    if at < 0:
        return _esc_lines(text)
    end = at + len(sentence)
    return f"{_esc_lines(text[:at])}<mark>{_esc_lines(sentence)}</mark>{_esc_lines(text[end:])}"


def _source_card(citation: Citation, uid: str) -> str:
    heading = citation.heading or "（无标题）"
    about = [f"{citation.year}年" if citation.year else "", citation.kind if citation.kind != "其他" else ""]
    meta = " · ".join([*(a for a in about if a), heading, f"第{citation.number}段", citation.paragraph_id])
    return (
        f'<div class="src-card" id="{cite_anchor(uid, citation.n)}">'
        f'<div class="src-head"><span class="src-n">[{citation.n}]</span>{_esc(citation.label)}</div>'
        f'<div class="src-meta">{_esc(meta)}</div>'
        f'<div class="src-text">{_highlighted(citation)}</div></div>'
    )


def _by_report(citations: list[Citation]) -> list[list[Citation]]:
    """Citations grouped by report, in the order the answer first cites each report."""
    groups: dict[str, list[Citation]] = {}
    for c in citations:
        groups.setdefault(c.doc_id or c.doc, []).append(c)
    return list(groups.values())


def render_sources_html(answer: Answer, uid: str | None = None) -> str:
    """The sources of one answer, grouped by report: a card per citation, the supporting
    sentence in <mark>."""
    uid = uid or _uid(answer)
    title = "可能相关的段落" if answer.refused else "本回答的来源"
    groups = _by_report(answer.citations)
    cards = "".join(
        f'<div class="src-doc"><div class="src-doc-head">{_esc(group[0].label)}'
        f'<span class="src-doc-n">（{len(group)} 段）</span></div>'
        + "".join(_source_card(c, uid) for c in group)
        + "</div>"
        for group in groups
    )
    if not cards:
        cards = '<div class="src-empty">没有找到相关段落。</div>'
    searched = f"（检索：{_esc(answer.searched)}）" if answer.searched else ""
    return (
        f'<div class="src-answer"><div class="src-q">问：{_esc(answer.question)}{searched}</div>'
        f'<div class="src-title">{title}</div>{cards}</div>'
    )


def render_sources_panel(past: Past) -> str:
    """The newest answer's sources in full, earlier answers' sources collapsed below."""
    if not past:
        return SOURCES_PLACEHOLDER
    (_, newest), older = past[0], past[1:]
    collapsed = "".join(
        f'<details class="src-old"><summary>较早的提问：{_esc(q)}</summary>{section}</details>'
        for q, section in older
    )
    return newest + collapsed


def render_status(status: Status, model: str = "") -> str:
    built = time.strftime("%Y-%m-%d %H:%M", time.localtime(status.built_at)) if status.built_at else "未知"
    how = f"大模型生成（{model}），逐句核对原文" if model else "摘录原文"
    return (
        f"知识库：{status.documents} 个文档，{status.paragraphs} 个段落 · 索引建立于 {built} · 回答方式："
        + how
    )


def _status_text(kb: KnowledgeBase) -> str:
    try:
        return render_status(kb.status(), kb.chat.name if kb.chat is not None else "")
    except Exception:
        log.exception("status failed")
        return "知识库状态暂时无法读取。"


def _chunk_ends(length: int) -> Iterator[int]:
    step = max(3, -(-length // STREAM_CHUNKS))
    yield from range(step, length, step)
    yield length


def chosen_reports(kb: KnowledgeBase, reports: list[str] | None, years: list[str] | None) -> SearchFilter:
    """The reports the user restricted the question to in the selector; what matches no loaded
    report is said and left out. A choice that leaves no report at all is refused."""
    where, unknown = choose_reports(kb.snapshot.metas, reports or [], years or [])
    if unknown:
        gr.Warning(f"知识库中没有这些报告或年份，已忽略：{'、'.join(_esc(u) for u in unknown)}", title="提示")
    if where.docs is not None and not where.docs:
        raise gr.Error(
            "所选的报告和年份中没有共同的报告，请重新选择。", title="无法回答", print_exception=False
        )
    return where


def respond(
    kb: KnowledgeBase,
    message: str,
    history: History,
    turns: list[Turn] | None = None,
    delay: float = STREAM_DELAY,
    where: SearchFilter = EVERYTHING,
) -> Iterator[tuple[History, str | None, Answer | None]]:
    """Answer `message` as a stream of (chat history, sources html, answer) triples.

    `turns` are the conversation's earlier exchanges, for rewriting a follow-up question;
    `where` the reports the user chose. A generated answer grows token by token; an extractive
    one a few characters per step (sources and answer None: leave the panel as is). The last
    triple holds the answer with clickable `[n]` links, its sources html and the Answer itself."""
    history = list(history or [])
    question = (message or "").strip()
    if not question:
        gr.Warning(EMPTY_QUESTION, title="提示")
        yield history, None, None
        return
    history.append({"role": "user", "content": _esc_lines(question)})
    reply: Message = {"role": "assistant", "content": ""}
    history.append(reply)
    header, streamed, answer = "", "", None
    try:
        for event in kb.ask_stream(question, history=turns or (), where=where):
            if isinstance(event, Searched):
                header = f'<div class="kb-searched">检索问题：{_esc(event.question)}</div>'
                reply["content"] = header
                yield [*history[:-1], dict(reply)], None, None
            elif isinstance(event, Token):
                streamed += event.text
                reply["content"] = header + _esc_lines(streamed)
                yield [*history[:-1], dict(reply)], None, None
            elif isinstance(event, Final):
                answer = event.answer
    except ValueError as exc:
        raise gr.Error(_esc(str(exc)), title="无法回答", print_exception=False) from exc
    except Exception as exc:
        # Type only at the default level: an exception's text may carry the question.
        log.error("kb.ask failed (%s)", type(exc).__name__)
        log.debug("kb.ask failure", exc_info=True)
        raise gr.Error(f"查询知识库时出错：{_esc(str(exc))}", title="出错了", print_exception=False) from exc
    assert answer is not None
    if not streamed:  # an extractive answer arrives whole: show it growing, as a model's would
        for end in _chunk_ends(len(answer.text)):
            reply["content"] = header + _esc_lines(answer.text[:end])
            yield [*history[:-1], dict(reply)], None, None
            if delay:
                time.sleep(delay)
    uid = uuid.uuid4().hex[:10]
    reply["content"] = render_answer_html(answer, uid)
    yield history, render_sources_html(answer, uid), answer


class Examples:
    """The chat's example questions, drawn from the reports loaded, once per index version."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self._kb = kb
        self._version = ""
        self._questions: list[str] = []

    def questions(self) -> list[str]:
        snapshot = self._kb.snapshot
        if snapshot.version != self._version:
            self._questions = example_questions(snapshot.paragraphs.values(), EXAMPLE_COUNT)
            self._version = snapshot.version
        return self._questions

    def buttons(self) -> list[Any]:
        """Updates for the example buttons: one per question, the rest hidden."""
        shown = self.questions()
        return [
            gr.update(value=shown[i], visible=True) if i < len(shown) else gr.update(visible=False)
            for i in range(EXAMPLE_COUNT)
        ]


def selector_updates(kb: KnowledgeBase) -> tuple[Any, Any]:
    """The report and year selectors' choices, from the reports loaded now."""
    metas = kb.snapshot.metas
    return gr.update(choices=report_choices(metas)), gr.update(choices=year_choices(metas))


def _chat_tab(kb: KnowledgeBase, examples: Examples) -> tuple[Any, ...]:
    gr.Markdown(HINT)
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            chatbot = gr.Chatbot(
                label="对话",
                height=520,
                render_markdown=False,  # content is our escaped HTML, never Markdown
                sanitize_html=True,
                latex_delimiters=[],
                feedback_options=None,
                buttons=[],  # copy buttons would copy our HTML markup, not the text
                placeholder="您好！请输入关于工作报告的问题，我会从知识库原文中查找答案并标明出处。",
            )
            with gr.Row():
                # A table answer's downloads; shown only after one (see export_files).
                csv_file = gr.DownloadButton("下载表格（CSV）", visible=False, size="sm", elem_id="kb-csv")
                xlsx_file = gr.DownloadButton(
                    "下载表格（Excel）", visible=False, size="sm", elem_id="kb-xlsx"
                )
            with gr.Row():
                box = gr.Textbox(
                    show_label=False, placeholder="输入问题，按回车发送", scale=5, autofocus=True
                )
                send = gr.Button("发送", variant="primary", scale=1, min_width=80)
            metas = kb.snapshot.metas
            # Custom values allowed: chosen_reports checks them itself, and Gradio's own check
            # would echo the list of reports into the log when an API caller sends another.
            with gr.Row():
                reports = gr.Dropdown(
                    label="只查这些报告（可多选，不选则查全部）",
                    choices=report_choices(metas),
                    multiselect=True,
                    allow_custom_value=True,
                    scale=3,
                    elem_id="kb-reports",
                )
                years = gr.Dropdown(
                    label="报告年份",
                    choices=year_choices(metas),
                    multiselect=True,
                    allow_custom_value=True,
                    scale=1,
                    elem_id="kb-years",
                )
            gr.Markdown("示例问题（来自当前知识库，点击直接提问）：")
            with gr.Row():
                shown = examples.questions()
                example_buttons = [
                    gr.Button(shown[i] if i < len(shown) else "", size="sm", visible=i < len(shown))
                    for i in range(EXAMPLE_COUNT)
                ]
            clear = gr.Button("清空对话", size="sm", variant="secondary")
        with gr.Column(scale=2):
            gr.Markdown("### 原文出处")
            sources = gr.HTML(SOURCES_PLACEHOLDER, elem_id="kb-sources", js_on_load=None)
    return chatbot, box, send, reports, years, example_buttons, clear, sources, csv_file, xlsx_file


def build_ui(kb: KnowledgeBase, quiz: Quiz | None = None, users: Users | None = None) -> gr.Blocks:
    """The page: a 问答 tab (chat with cited sources), a 学习 tab (quiz from the reports) and,
    for a logged-in administrator, a 管理 tab (upload, delete). Styles and the citation click
    handler load with the page (see JS)."""
    study_error = ""
    if quiz is None:
        try:
            quiz = Quiz(lambda: kb.snapshot, ProgressStore.from_settings(kb.settings))
        except ProgressError as exc:  # the chat must not go down with the study records
            log.error("study mode disabled: %s", exc)
            study_error = str(exc)
    users = users or Users.from_settings(kb.settings.data_dir, database_url=kb.settings.database_url)
    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        with gr.Row():
            gr.Markdown(f"# {TITLE}")
            who = gr.Markdown("", elem_id="kb-user")
            gr.Button("退出登录", link="/logout", size="sm", scale=0, min_width=90, visible=users.enabled)
        status = gr.Markdown(_status_text(kb))
        past = gr.State([])
        turns = gr.State([])  # list[Turn]: this session's exchanges, for follow-up questions
        saved_name = remembered_name(browser_secret(kb.settings.data_dir))
        with gr.Tabs():
            with gr.Tab("问答", id="chat"):
                examples = Examples(kb)
                chat_parts = _chat_tab(kb, examples)
                chatbot, box, send, reports, years, example_buttons, clear, sources, csv_file, xlsx_file = (
                    chat_parts
                )
            with gr.Tab("学习", id="study"):
                if quiz is not None:
                    build_study_tab(demo, quiz, saved_name)
                else:
                    gr.Markdown(f"学习功能暂不可用：{study_error}")
            with gr.Tab("管理", id="admin", visible=False) as admin_tab:
                docs, choices, meta_choices, refreshed = build_admin_tab(kb, users)

        def on_load(request: gr.Request) -> tuple[Any, ...]:
            name = getattr(request, "username", None)
            admin = users.is_admin(name)
            shown = refreshed() if admin else (gr.skip(), gr.skip(), gr.skip())
            greeting = f"当前用户：{html.escape(str(name))}{'（管理员）' if admin else ''}" if name else ""
            return greeting, gr.update(visible=admin), *shown

        demo.load(on_load, None, [who, admin_tab, docs, choices, meta_choices])

        def chat(
            message: str,
            history: History,
            earlier: Past,
            done: list[Turn],
            chosen: list[str] | None,
            chosen_years: list[str] | None,
        ) -> Iterator[tuple[Any, ...]]:
            where = chosen_reports(kb, chosen, chosen_years)
            for hist, section, answer in respond(kb, message, history, done, where=where):
                if section is None or answer is None:
                    yield hist, gr.skip(), gr.skip(), "", gr.skip(), gr.skip(), gr.skip()
                else:
                    earlier = [(message.strip(), section), *earlier][:MAX_PAST]
                    turn = Turn(answer.searched or answer.question, answer.text)
                    done = [*done, turn][-MAX_TURNS:]
                    csv_path, xlsx_path = export_files(answer)
                    yield (
                        hist,
                        render_sources_panel(earlier),
                        earlier,
                        "",
                        done,
                        gr.update(value=csv_path, visible=csv_path is not None),
                        gr.update(value=xlsx_path, visible=xlsx_path is not None),
                    )

        inputs = [box, chatbot, past, turns, reports, years]
        outputs = [chatbot, sources, past, box, turns, csv_file, xlsx_file]
        box.submit(chat, inputs, outputs)
        send.click(chat, inputs, outputs)
        for button in example_buttons:
            # The button's own label is the question: examples follow the reports loaded.
            button.click(lambda q: q, button, box).then(chat, inputs, outputs)
        hidden = gr.update(value=None, visible=False)
        clear.click(lambda: ([], SOURCES_PLACEHOLDER, [], "", [], hidden, hidden), None, outputs)
        chatbot.clear(
            lambda: (SOURCES_PLACEHOLDER, [], [], hidden, hidden),
            None,
            [sources, past, turns, csv_file, xlsx_file],
        )
        demo.load(None, None, None, js=JS)
        demo.load(lambda: _status_text(kb), None, status)
        # After an upload or ingest, a reload shows the new reports in the selectors and examples.
        demo.load(lambda: selector_updates(kb), None, [reports, years])
        demo.load(examples.buttons, None, example_buttons)
    return demo


def launch(settings: Settings) -> None:
    """Serve the app on settings.host:settings.port (the index must exist; see ingest.startup.ensure_index).
    With users configured, every page and API call requires login."""
    configure_logging()
    kb = KnowledgeBase(settings)
    users = Users.from_settings(settings.data_dir, database_url=settings.database_url)
    # Users that cannot be read (a database that is down) stop the start here, with the reason:
    # starting without login would open the app to everyone.
    login = users.enabled
    # Several people ask at once: answering is thread-safe (the embedder serialises its own
    # calls), so more than Gradio's default single worker may stream answers concurrently. Each
    # event listener has its own workers (its concurrency_id defaults to its function), so an
    # upload running in the 管理 tab (queue "kb-ingest", admin/web.py) takes none of the chat's.
    build_ui(kb, users=users).queue(default_concurrency_limit=CONCURRENT_ANSWERS).launch(
        server_name=settings.host,
        server_port=settings.port,
        footer_links=["api", "gradio", "settings"],
        auth=users.authenticate_async if login else None,
        auth_message="请输入组织部分配的用户名和密码。" if login else None,
        max_file_size=f"{settings.max_file_mb}mb",
    )


def configure_logging() -> None:
    """Warnings from everything; our own audit lines (uploads, deletions) at INFO. No module logs
    question or report text at these levels (tests/test_logs.py)."""
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("admin").setLevel(logging.INFO)


def main(argv: list[str] | None = None) -> int:
    from ingest.build import IngestLocked
    from ingest.embed import EmbedderError
    from ingest.search_types import IndexBackendError
    from ingest.startup import ensure_index
    from ingest.store import IndexMissing

    parser = argparse.ArgumentParser(description=f"{TITLE}：网页对话")
    parser.add_argument("--host", default=None, help="监听地址（默认 127.0.0.1，或 KB_HOST）")
    parser.add_argument("--port", type=int, default=None, help="端口（默认 7860，或 KB_PORT）")
    add_database_argument(parser)
    add_llm_arguments(parser)
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env(
            host=args.host, port=args.port, database_url=args.database_url, **llm_overrides(args)
        )
        ensure_index(settings, refresh=True)  # index reports added since the last start
        launch(settings)
    except (IngestLocked, EmbedderError, IndexBackendError, IndexMissing, ValueError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
