"""The 问答 tab: a chat over the knowledge base whose answers stream in, with the sources panel
beside it, the report and year selectors, example questions and a table answer's downloads.

`respond` and the other handlers are plain functions over a KnowledgeBase, so the tests drive
the same code the page does; `build_chat_tab` only lays out the components and connects them.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import gradio as gr

from admin.audit import AuditLog, address_of
from chat.render import (
    SOURCES_PLACEHOLDER,
    Past,
    esc,
    esc_lines,
    render_answer_html,
    render_sources_html,
    render_sources_panel,
)
from chat.table_view import export_files
from ingest.paragraph_store import ParagraphStore
from ingest.records import Paragraph
from ingest.visible import visible
from rag.answer_types import Answer
from rag.evidence.retrieve import EVERYTHING, SearchFilter
from rag.generation.prompt import Turn
from rag.pipeline import Final, KnowledgeBase, Searched, Token
from rag.question.report_choice import choose_reports, report_choices, year_choices
from study.bank import example_questions
from study.questions import digest

log = logging.getLogger(__name__)

HINT = (
    "回答只来自知识库中的报告原文，并注明出处；点击回答中的 [1]、[2] 等角标，可在右侧查看并高亮对应原文段落。"
)
EXAMPLE_COUNT = 4  # example questions, drawn from the reports loaded (study.bank.example_questions)
EXAMPLE_REPORTS = 12  # reports the examples are drawn from (all of them in a smaller knowledge base)
EMPTY_QUESTION = "请先输入一个问题，或点击下方的示例问题。"
STREAM_CHUNKS = 40  # an answer streams in about this many steps
STREAM_DELAY = 0.01  # seconds between steps
MAX_PAST = 20  # earlier answers whose sources stay in the panel (collapsed)

Message = dict[str, Any]
# The reports a web request's user may read (admin.access), None for all.
Readable = Callable[[gr.Request | None], frozenset[str] | None]
History = list[Message]
MAX_TURNS = 6  # earlier exchanges kept for rewriting follow-up questions


def _chunk_ends(length: int) -> Iterator[int]:
    step = max(3, -(-length // STREAM_CHUNKS))
    yield from range(step, length, step)
    yield length


def chosen_reports(
    kb: KnowledgeBase,
    reports: list[str] | None,
    years: list[str] | None,
    readable: frozenset[str] | None = None,
) -> SearchFilter:
    """The reports the user restricted the question to in the selector; what matches no report
    the user may read is said and left out (a report the user may not read is unknown, just
    like one that does not exist). A choice that leaves no report at all is refused."""
    where, unknown = choose_reports(kb.snapshot_for(readable).metas, reports or [], years or [])
    if unknown:
        gr.Warning(f"知识库中没有这些报告或年份，已忽略：{'、'.join(esc(u) for u in unknown)}", title="提示")
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
    readable: frozenset[str] | None = None,
) -> Iterator[tuple[History, str | None, Answer | None]]:
    """Answer `message` as a stream of (chat history, sources html, answer) triples.

    `turns` are the conversation's earlier exchanges, for rewriting a follow-up question;
    `where` the reports the user chose; `readable` the ones the user may read (None: all). A
    generated answer grows token by token; an extractive one a few characters per step (sources
    and answer None: leave the panel as is). The last triple holds the answer with clickable
    `[n]` links, its sources html and the Answer itself."""
    history = list(history or [])
    question = visible(message).strip()  # shown in the bubble as it reads (no direction override)
    if not question:
        gr.Warning(EMPTY_QUESTION, title="提示")
        yield history, None, None
        return
    history.append({"role": "user", "content": esc_lines(question)})
    reply: Message = {"role": "assistant", "content": ""}
    history.append(reply)
    header, streamed, answer = "", "", None
    try:
        for event in kb.ask_stream(question, history=turns or (), where=where, readable=readable):
            if isinstance(event, Searched):
                header = f'<div class="kb-searched">检索问题：{esc(event.question)}</div>'
                reply["content"] = header
                yield [*history[:-1], dict(reply)], None, None
            elif isinstance(event, Token):
                streamed += event.text
                reply["content"] = header + esc_lines(streamed)
                yield [*history[:-1], dict(reply)], None, None
            elif isinstance(event, Final):
                answer = event.answer
    except ValueError as exc:
        raise gr.Error(esc(str(exc)), title="无法回答", print_exception=False) from exc
    except Exception as exc:
        # Type only at the default level: an exception's text may carry the question.
        log.error("kb.ask failed (%s)", type(exc).__name__)
        log.debug("kb.ask failure", exc_info=True)
        raise gr.Error(f"查询知识库时出错：{esc(str(exc))}", title="出错了", print_exception=False) from exc
    assert answer is not None
    if not streamed:  # an extractive answer arrives whole: show it growing, as a model's would
        for end in _chunk_ends(len(answer.text)):
            reply["content"] = header + esc_lines(answer.text[:end])
            yield [*history[:-1], dict(reply)], None, None
            if delay:
                time.sleep(delay)
    uid = uuid.uuid4().hex[:10]
    reply["content"] = render_answer_html(answer, uid)
    yield history, render_sources_html(answer, uid), answer


class Examples:
    """The chat's example questions, drawn from the reports a reader may read, once per index
    version and set of readable reports."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self._kb = kb
        self._drawn: dict[tuple[str, frozenset[str] | None], list[str]] = {}

    def questions(self, readable: frozenset[str] | None = None) -> list[str]:
        snapshot = self._kb.snapshot_for(readable)
        key = (snapshot.version, readable)
        if key not in self._drawn:
            if len(self._drawn) > 64:  # older versions' and readers' draws
                self._drawn.clear()
            self._drawn[key] = example_questions(_sample(snapshot.paragraphs), EXAMPLE_COUNT)
        return self._drawn[key]

    def buttons(self, readable: frozenset[str] | None = None) -> list[Any]:
        """Updates for the example buttons: one per question, the rest hidden."""
        shown = self.questions(readable)
        return [
            gr.update(value=shown[i], visible=True) if i < len(shown) else gr.update(visible=False)
            for i in range(EXAMPLE_COUNT)
        ]


def selector_updates(kb: KnowledgeBase, readable: frozenset[str] | None = None) -> tuple[Any, Any]:
    """The report and year selectors' choices, from the reports loaded now that the user may read."""
    metas = kb.snapshot_for(readable).metas
    return gr.update(choices=report_choices(metas)), gr.update(choices=year_choices(metas))


def build_chat_tab(
    demo: gr.Blocks, kb: KnowledgeBase, readable: Readable = lambda _r: None, audit: AuditLog | None = None
) -> None:
    """The tab's components and events; call inside `demo`'s `gr.Tab` context. `readable` gives
    the reports a request's user may read (None: all): the page is built with none of them (the
    selectors and examples are filled on load, for the user), every answer is limited to them.
    With `audit` set to log questions (KB_AUDIT_QUESTIONS=1), each question asked is recorded."""
    examples = Examples(kb)
    past = gr.State([])
    turns = gr.State([])  # list[Turn]: this session's exchanges, for follow-up questions
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
            # Custom values allowed: chosen_reports checks them itself, and Gradio's own check
            # would echo the list of reports into the log when an API caller sends another.
            with gr.Row():
                reports = gr.Dropdown(
                    label="只查这些报告（可多选，不选则查全部）",
                    choices=[],
                    multiselect=True,
                    allow_custom_value=True,
                    scale=3,
                    elem_id="kb-reports",
                )
                years = gr.Dropdown(
                    label="报告年份",
                    choices=[],
                    multiselect=True,
                    allow_custom_value=True,
                    scale=1,
                    elem_id="kb-years",
                )
            gr.Markdown("示例问题（来自当前知识库，点击直接提问）：")
            with gr.Row():
                example_buttons = [gr.Button("", size="sm", visible=False) for _ in range(EXAMPLE_COUNT)]
            clear = gr.Button("清空对话", size="sm", variant="secondary")
        with gr.Column(scale=2):
            gr.Markdown("### 原文出处")
            sources = gr.HTML(SOURCES_PLACEHOLDER, elem_id="kb-sources", js_on_load=None)

    # The endpoint's name, "/chat", is the HTTP API the load test drives (benchmarks/load.py).
    def chat(
        message: str,
        history: History,
        earlier: Past,
        done: list[Turn],
        chosen: list[str] | None,
        chosen_years: list[str] | None,
        request: gr.Request,
    ) -> Iterator[tuple[Any, ...]]:
        allowed = readable(request)
        where = chosen_reports(kb, chosen, chosen_years, allowed)
        if audit is not None and audit.questions and visible(message).strip():
            user = str(getattr(request, "username", None) or "")
            audit.record("question", user, address_of(request), visible(message).strip())
        for hist, section, answer in respond(kb, message, history, done, where=where, readable=allowed):
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
    # Filled for the user on each load: after an upload or ingest, a reload shows the new reports.
    # (Gradio hands the request to a parameter annotated gr.Request.)
    def selectors(request: gr.Request) -> tuple[Any, Any]:
        return selector_updates(kb, readable(request))

    def example_updates(request: gr.Request) -> list[Any]:
        return examples.buttons(readable(request))

    demo.load(selectors, None, [reports, years])
    demo.load(example_updates, None, example_buttons)


def _sample(paragraphs: ParagraphStore) -> Iterator[Paragraph]:
    """The paragraphs of up to EXAMPLE_REPORTS reports, in catalog order: a fixed draw spread
    over the whole knowledge base (the same reports every time), read report by report, so a
    knowledge base of thousands of reports is not read whole to offer four questions."""
    docs = paragraphs.documents_in_order()
    if len(docs) > EXAMPLE_REPORTS:
        drawn = set(sorted(docs, key=digest)[:EXAMPLE_REPORTS])
        docs = [d for d in docs if d in drawn]
    for doc_id in docs:
        yield from paragraphs.of_document(doc_id)
