"""The 学习 tab: rounds of questions in the browser, graded against the source paragraph.

The handlers are plain functions from (quiz, round state, input) to a `View`; `build_study_tab`
only maps a View onto Gradio components, so the tests drive the same functions the page does.
All report and user text is HTML-escaped.
"""

from __future__ import annotations

import html
import os
import re
import secrets
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import gradio as gr

from study.grade import Grade
from study.progress import DAY, ProgressError, Review, SectionStats, by_report, check_user
from study.questions import CHOICE, TYPE_LABELS, Question, clause_bounds, section_label
from study.quiz import ALL, DEFAULT_ROUND, MAX_ROUND, Progress, Quiz

USER_KEY = "kb-study-user"  # browser storage key: the name typed last time comes back
INTRO = (
    "从知识库报告中自动出题（数字、考题要点、填空、选择），答后对照原文讲评。"
    "进度按姓名保存：答错的题会在下一轮优先出现，答对的题按间隔（1、3、7、14、30 天）复习。"
)
START_HINT = '<div class="quiz-empty">填写姓名，选择范围和题数，点击“开始一轮”。</div>'
_SENTENCE_END = "。！？!?"
MAX_KEY_CHARS = 80

STUDY_CSS = """
.quiz-meta { font-size: .85em; color: var(--body-text-color-subdued); margin-bottom: .4em; }
.quiz-text { font-size: 1.15em; line-height: 1.8; }
.quiz-empty { color: var(--body-text-color-subdued); padding: .6em 0; }
.quiz-verdict { font-weight: 600; font-size: 1.1em; margin-bottom: .3em; }
.quiz-verdict.ok { color: #15803d; } .quiz-verdict.bad { color: #dc2626; }
.quiz-line { margin: .2em 0; } .quiz-note { color: #b45309; margin: .2em 0; }
.quiz-next { font-size: .85em; color: var(--body-text-color-subdued); margin: .3em 0 .6em; }
.src-text strong { color: #b91c1c; }
table.quiz-stats { border-collapse: collapse; margin-top: .4em; font-size: .9em; }
table.quiz-stats th, table.quiz-stats td + td { white-space: nowrap; }
table.quiz-stats td, table.quiz-stats th {
  border: 1px solid var(--border-color-primary); padding: .2em .6em; }
.quiz-weak { color: #b45309; margin-top: .4em; }
"""


@dataclass
class RoundState:
    user: str = ""
    ids: list[str] = field(default_factory=list)
    index: int = 0  # the question on screen
    answered: bool = False  # whether it has been graded
    results: list[tuple[str, bool]] = field(default_factory=list)  # (question id, correct)
    round_id: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def active(self) -> bool:
        return bool(self.ids) and self.index < len(self.ids)


@dataclass(frozen=True)
class View:
    """What the tab shows after an action."""

    state: RoundState
    question_html: str = START_HINT
    choices: tuple[str, ...] | None = None  # None: no question, (): a free answer, else radio
    feedback_html: str = ""
    can_submit: bool = False
    can_next: bool = False
    progress_html: str = ""


def start_round(quiz: Quiz, name: str, scope: str, size: int) -> View:
    try:
        user = check_user(name)
        questions = quiz.next_round(user, scope or ALL, int(size))
    except (ProgressError, ValueError) as exc:
        raise gr.Error(str(exc), print_exception=False) from exc
    state = RoundState(user=user, ids=[q.id for q in questions])
    if not questions:
        return View(
            state,
            '<div class="quiz-empty">这个范围里还没有可出的题目。</div>',
            progress_html=render_progress(quiz, user),
        )
    return _asking(quiz, state)


def submit(quiz: Quiz, state: RoundState, answer: str) -> View:
    """Grade the answer to the question on screen. Submitting it again (Enter and a click, a
    double click) shows the same verdict and is recorded once: the attempt key is the round's
    id and the question's position in it."""
    if not state.active:
        raise gr.Error("请先点击“开始一轮”。", print_exception=False)
    question = quiz.question(state.ids[state.index])
    if question is None:  # the report changed since the round began
        gr.Info("这道题所在的报告刚刚更新，题目已不存在，已跳到下一题。")
        return next_question(quiz, replace(state, answered=True))
    if not (answer or "").strip():
        raise gr.Error("请先作答：选择一项或输入答案。", print_exception=False)
    attempt = f"{state.round_id}:{state.index}"
    try:
        result, review = quiz.answer(state.user, question, answer, attempt=attempt)
    except ProgressError as exc:
        raise gr.Error(str(exc), print_exception=False) from exc
    if not state.answered:
        state = replace(state, answered=True, results=[*state.results, (question.id, result.correct)])
    return View(
        state,
        question_html=render_question(question, state),
        choices=question.choices,
        feedback_html=render_feedback(question, result, review),
        can_next=True,
        progress_html=render_progress(quiz, state.user),
    )


def next_question(quiz: Quiz, state: RoundState) -> View:
    state = replace(state, index=state.index + 1, answered=False)
    if state.active:
        return _asking(quiz, state)
    return View(state, render_round_end(quiz, state), progress_html=render_progress(quiz, state.user))


def show_progress(quiz: Quiz, name: str) -> str:
    try:
        return render_progress(quiz, check_user(name))
    except ProgressError:
        return ""


def _asking(quiz: Quiz, state: RoundState) -> View:
    while state.active:
        question = quiz.question(state.ids[state.index])
        if question is not None:
            return View(
                state,
                question_html=render_question(question, state),
                choices=question.choices,
                can_submit=True,
                progress_html=render_progress(quiz, state.user),
            )
        state = replace(state, index=state.index + 1)  # gone with a re-ingested report
    return View(state, render_round_end(quiz, state), progress_html=render_progress(quiz, state.user))


# ---- rendering -------------------------------------------------------------------------------


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _where(q: Question) -> str:
    return f"{q.doc_title} › {q.section_label}"


def render_question(q: Question, state: RoundState) -> str:
    meta = f"第 {state.index + 1}/{len(state.ids)} 题 · {TYPE_LABELS[q.type]} · {_where(q)}"
    return f'<div class="quiz-meta">{_esc(meta)}</div><div class="quiz-text">{_esc(q.question)}</div>'


def key_sentence(q: Question) -> tuple[int, int]:
    """The sentence of the source paragraph that holds the answer, or, where that sentence is a
    whole long paragraph (reports often run one sentence for 200 characters), its clause."""
    text, (start, end) = q.source_text, q.answer_span
    left = max((text.rfind(ch, 0, start) for ch in _SENTENCE_END), default=-1) + 1
    ends = [i for i in (text.find(ch, end) for ch in _SENTENCE_END) if i != -1]
    right = min(ends) + 1 if ends else len(text)
    if right - left <= MAX_KEY_CHARS:
        return left, right
    return clause_bounds(text, start, end)


def render_source(q: Question) -> str:
    text, (start, end) = q.source_text, q.answer_span
    left, right = key_sentence(q)
    body = (
        _esc(text[:left])
        + "<mark>"
        + _esc(text[left:start])
        + "<strong>"
        + _esc(text[start:end])
        + "</strong>"
        + _esc(text[end:right])
        + "</mark>"
        + _esc(text[right:])
    )
    number = q.paragraph_id.rsplit("#", 1)[-1]
    where = f"{q.section_label} · 第{number}段" if number.isdigit() else q.section_label
    return (
        f'<div class="src-card quiz-source"><div class="src-head">{_esc(q.doc_title)}</div>'
        f'<div class="src-meta">{_esc(where)} · 段落编号 {_esc(q.paragraph_id)}</div>'
        f'<div class="src-text">{body}</div></div>'
    )


def render_feedback(q: Question, result: Grade, review: Review) -> str:
    verdict = (
        '<div class="quiz-verdict ok">✓ 回答正确</div>'
        if result.correct
        else '<div class="quiz-verdict bad">✗ 回答错误</div>'
    )
    lines = [
        verdict,
        f'<div class="quiz-line">你的答案：{_esc(result.given)}</div>',
        f'<div class="quiz-line">正确答案：<strong>{_esc(result.expected)}</strong></div>',
    ]
    if result.note:
        lines.append(f'<div class="quiz-note">{_esc(result.note)}</div>')
    lines.append(f'<div class="quiz-next">{_esc(next_review_text(review))}</div>')
    lines.append('<div class="quiz-line">原文出处（答案所在句已高亮）：</div>')
    lines.append(render_source(q))
    return "".join(lines)


def next_review_text(review: Review) -> str:
    if review.box == 0:
        return "这道题会在下一轮优先出现。"
    days = round((review.due - review.last_at) / DAY)
    return f"下次复习：{days} 天后。"


def render_round_end(quiz: Quiz, state: RoundState) -> str:
    right = sum(ok for _, ok in state.results)
    parts = [f'<div class="quiz-verdict">本轮完成：答对 {right}/{len(state.results)} 题。</div>']
    wrong = [quiz.question(qid) for qid, ok in state.results if not ok]
    missed = [q for q in wrong if q is not None]
    if missed:
        parts.append('<div class="quiz-line">答错的题（下一轮会优先出现）：</div><ul>')
        parts.extend(
            f"<li>{_esc(q.question)} —— 正确答案：<strong>{_esc(q.answer)}</strong></li>" for q in missed
        )
        parts.append("</ul>")
    parts.append('<div class="quiz-empty">点击“开始一轮”继续学习。</div>')
    return "".join(parts)


def render_progress(quiz: Quiz, user: str) -> str:
    p = quiz.progress(user)
    return render_progress_summary(user, p)


def render_progress_summary(user: str, p: Progress) -> str:
    head = f"<b>{_esc(user)}</b> 的学习进度："
    if not p.answered:
        return f"<div>{head}还没有答题记录。共有 {p.unseen} 个知识点待学习。</div>"
    rate = round(100 * p.right / p.answered)
    parts = [
        f"<div>{head}已答 {p.answered} 次，答对 {p.right}，答错 {p.wrong}（正确率 {rate}%）；"
        f"待复习 {p.due} 题（其中答错待重做 {p.wrong_due} 题），未学 {p.unseen} 个知识点。</div>",
        '<table class="quiz-stats"><tr><th>报告 › 板块</th>'
        "<th>已答</th><th>答对</th><th>答错</th><th>正确率</th></tr>",
    ]
    for report, sections in by_report(p.sections):
        parts.append(_stats_row(f"<b>{_esc(report.doc_title)}</b>", report))
        parts.extend(_stats_row(f"　› {_esc(section_label(s.section))}", s) for s in sections)
    parts.append("</table>")
    if p.weak:
        weak = "、".join(f"{section_label(s.section)}（正确率 {round(100 * s.accuracy)}%）" for s in p.weak)
        parts.append(f'<div class="quiz-weak">薄弱板块：{_esc(weak)}，建议重点复习。</div>')
    return "".join(parts)


def _stats_row(label_html: str, s: SectionStats) -> str:
    return (
        f"<tr><td>{label_html}</td><td>{s.answered}</td><td>{s.right}</td><td>{s.wrong}</td>"
        f"<td>{round(100 * s.accuracy)}%</td></tr>"
    )


# ---- Gradio ----------------------------------------------------------------------------------


def _plain_label(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def browser_secret(data_dir: Path) -> str:
    """The key the browser's copy of the user name is encrypted with. Gradio makes a new one per
    start unless given one, and the name would be forgotten at every restart of the app."""
    path = data_dir / "browser.secret"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(16))
    return path.read_text().strip()


def remembered_name(secret: str | None = None) -> gr.BrowserState:
    """The user name kept in the browser's localStorage. Create it outside any tab: Gradio
    renders a tab's components when it is first opened, and one not yet rendered has not read
    localStorage when the page's load event asks for its value."""
    return gr.BrowserState("", storage_key=USER_KEY, secret=secret)


def build_study_tab(demo: gr.Blocks, quiz: Quiz, saved_name: gr.BrowserState) -> None:
    """The tab's components and events; call inside `demo`'s `gr.Tab` context."""
    gr.Markdown(INTRO)
    state = gr.State(RoundState())
    with gr.Row():
        name = gr.Textbox(label="姓名", placeholder="输入姓名（用于保存进度）", scale=2, elem_id="quiz-name")
        scope = gr.Dropdown(  # custom values allowed: checked by the quiz, not echoed by Gradio
            allow_custom_value=True,
            label="出题范围",
            choices=_scope_choices(quiz),
            value=ALL,
            scale=4,
            elem_id="quiz-scope",
        )
        size = gr.Slider(
            1, MAX_ROUND, value=DEFAULT_ROUND, step=1, label="每轮题数", scale=2, elem_id="quiz-size"
        )
        start = gr.Button("开始一轮", variant="primary", scale=1, min_width=100, elem_id="quiz-start")
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            question = gr.HTML(START_HINT, elem_id="quiz-question")
            options = gr.Radio(label="请选择", choices=[], visible=False, elem_id="quiz-options")
            typed = gr.Textbox(
                label="你的答案", placeholder="输入答案，按回车提交", visible=False, elem_id="quiz-answer"
            )
            with gr.Row():
                send = gr.Button("提交答案", variant="primary", visible=False, elem_id="quiz-submit")
                further = gr.Button("下一题", visible=False, elem_id="quiz-next")
            feedback = gr.HTML("", elem_id="quiz-feedback")
        with gr.Column(scale=2):
            gr.Markdown("### 我的进度")
            progress = gr.HTML("", elem_id="quiz-progress")

    outputs = [state, question, options, typed, send, further, feedback, progress]

    def shown(view: View) -> tuple[Any, ...]:
        radio, text = input_updates(view)
        last = view.state.index + 1 >= len(view.state.ids)
        return (
            view.state,
            view.question_html,
            radio,
            text,
            gr.update(visible=view.can_submit),
            gr.update(visible=view.can_next, value="查看本轮结果" if last else "下一题"),
            view.feedback_html,
            view.progress_html,
        )

    def on_start(user: str, where: str, count: float, request: gr.Request) -> tuple[Any, ...]:
        return shown(start_round(quiz, user_name(user, request), where, int(count)))

    def on_submit(current: RoundState, picked: str | None, text: str) -> tuple[Any, ...]:
        question = quiz.question(current.ids[current.index]) if current.active else None
        given = (picked or "") if question is not None and question.type == CHOICE else (text or "")
        return shown(submit(quiz, current, given))

    def on_next(current: RoundState) -> tuple[Any, ...]:
        return shown(next_question(quiz, current))

    # Reports may have been added or removed since the page loaded: the scopes follow.
    start.click(on_start, [name, scope, size], outputs).then(
        lambda: gr.update(choices=_scope_choices(quiz)), None, scope
    )
    # "once": a second click while the first is being graded is dropped in the browser too.
    send.click(on_submit, [state, options, typed], outputs, trigger_mode="once")
    typed.submit(on_submit, [state, options, typed], outputs, trigger_mode="once")
    further.click(on_next, [state], outputs, trigger_mode="once")
    name.change(lambda n: n, name, saved_name)

    def on_name(typed: str, request: gr.Request) -> str:
        # With login, only one's own progress: the typed name is ignored (see user_name).
        return show_progress(quiz, user_name(typed, request))

    name.blur(on_name, name, progress)

    def on_load(saved: str, request: gr.Request) -> tuple[Any, ...]:
        # The logged-in name (fixed), else the one typed in this browser last time; and the
        # scopes of the reports indexed now.
        login = getattr(request, "username", None)
        user = user_name(saved or "", request)
        box = gr.update(value=user, interactive=not login)
        return box, show_progress(quiz, user), gr.update(choices=_scope_choices(quiz))

    demo.load(on_load, saved_name, [name, progress, scope])


def user_name(typed: str, request: gr.Request | None) -> str:
    """Whose progress it is: the logged-in user when the app requires login, else the typed name."""
    login = getattr(request, "username", None) if request is not None else None
    return str(login) if login else typed


def input_updates(view: View) -> tuple[dict[str, Any], dict[str, Any]]:
    """Updates of the choice radio and the answer box: empty and editable for a new question;
    after grading, what was answered stays on screen, read-only."""
    asking, multiple = view.choices is not None, bool(view.choices)
    if view.can_submit:
        radio = gr.update(choices=list(view.choices or ()), value=None, visible=multiple, interactive=True)
        return radio, gr.update(value="", visible=not multiple, interactive=True)
    return (
        gr.update(visible=asking and multiple, interactive=False),
        gr.update(visible=asking and not multiple, interactive=False),
    )


def _scope_choices(quiz: Quiz) -> list[tuple[str, str]]:
    return [(_plain_label(s.label), s.key) for s in quiz.scopes()]
