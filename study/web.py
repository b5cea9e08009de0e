"""The 学习 tab: rounds of questions in the browser, graded against the source paragraph.

The handlers are plain functions from (quiz, round state, input) to a `View`; `build_study_tab`
only maps a View onto Gradio components, so the tests drive the same functions the page does.
All report and user text is HTML-escaped.
"""

from __future__ import annotations

import os
import re
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import gradio as gr

from study.progress import ProgressError, check_user
from study.questions import CHOICE, TYPE_LABELS, Question
from study.quiz import ALL, DEFAULT_ROUND, MAX_ROUND, Quiz
from study.render import esc, render_feedback, render_progress, where

USER_KEY = "kb-study-user"  # browser storage key: the name typed last time comes back
INTRO = (
    "从知识库报告中自动出题（数字、考题要点、列举要点、填空、选择），答后对照原文讲评。"
    "进度按姓名保存：答错的题会在下一轮优先出现，答对的题按间隔（1、3、7、14、30 天）复习。"
)
START_HINT = '<div class="quiz-empty">填写姓名，选择范围和题数，点击“开始一轮”。</div>'


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


class Invalid(ValueError):
    """What the user has to do first ("请先填写姓名"): said in a notice, and nothing on the page
    changes. (A raised gr.Error would also mark every output component with a red "Error"
    badge, which reads as if the page were broken.)"""


def start_round(quiz: Quiz, name: str, scope: str, size: int) -> View:
    try:
        user = check_user(name)
        questions = quiz.next_round(user, scope or ALL, int(size))
    except (ProgressError, ValueError) as exc:
        raise Invalid(str(exc)) from exc
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
        raise Invalid("请先点击“开始一轮”。")
    question = quiz.question(state.ids[state.index])
    if question is None:  # the report changed since the round began
        gr.Info("这道题所在的报告刚刚更新，题目已不存在，已跳到下一题。")
        return next_question(quiz, replace(state, answered=True))
    if not (answer or "").strip():
        raise Invalid("请先作答：选择一项或输入答案。")
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


# ---- rendering what depends on the round (the rest: study/render.py) -------------------------


def render_question(q: Question, state: RoundState) -> str:
    meta = f"第 {state.index + 1}/{len(state.ids)} 题 · {TYPE_LABELS[q.type]} · {where(q)}"
    return f'<div class="quiz-meta">{esc(meta)}</div><div class="quiz-text">{esc(q.question)}</div>'


def render_round_end(quiz: Quiz, state: RoundState) -> str:
    right = sum(ok for _, ok in state.results)
    parts = [f'<div class="quiz-verdict">本轮完成：答对 {right}/{len(state.results)} 题。</div>']
    wrong = [quiz.question(qid) for qid, ok in state.results if not ok]
    missed = [q for q in wrong if q is not None]
    if missed:
        parts.append('<div class="quiz-line">答错的题（下一轮会优先出现）：</div><ul>')
        parts.extend(
            f"<li>{esc(q.question)} —— 正确答案：<strong>{esc(q.answer)}</strong></li>" for q in missed
        )
        parts.append("</ul>")
    parts.append('<div class="quiz-empty">点击“开始一轮”继续学习。</div>')
    return "".join(parts)


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


def build_study_tab(
    demo: gr.Blocks,
    quiz: Quiz,
    saved_name: gr.BrowserState,
    readable: Callable[[gr.Request | None], frozenset[str] | None] = lambda _r: None,
) -> None:
    """The tab's components and events; call inside `demo`'s `gr.Tab` context. `readable` gives
    the reports a request's user may read (None: all): questions, their choices and the scopes
    come from those alone, and the scopes are filled on load, for the user."""

    def for_user(request: gr.Request | None) -> Quiz:
        return quiz.restricted(readable(request))

    gr.Markdown(INTRO)
    state = gr.State(RoundState())
    with gr.Row():
        name = gr.Textbox(label="姓名", placeholder="输入姓名（用于保存进度）", scale=2, elem_id="quiz-name")
        scope = gr.Dropdown(  # custom values allowed: checked by the quiz, not echoed by Gradio
            allow_custom_value=True,
            label="出题范围",
            choices=[],
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

    def unchanged(exc: Invalid) -> tuple[Any, ...]:
        gr.Warning(str(exc), title="提示")
        return tuple(gr.skip() for _ in outputs)

    def on_start(user: str, where: str, count: float, request: gr.Request) -> tuple[Any, ...]:
        try:
            return shown(start_round(for_user(request), user_name(user, request), where, int(count)))
        except Invalid as exc:
            return unchanged(exc)

    def on_submit(current: RoundState, picked: str | None, text: str, request: gr.Request) -> tuple[Any, ...]:
        mine = for_user(request)
        question = mine.question(current.ids[current.index]) if current.active else None
        given = (picked or "") if question is not None and question.type == CHOICE else (text or "")
        try:
            return shown(submit(mine, current, given))
        except Invalid as exc:
            return unchanged(exc)

    def on_next(current: RoundState, request: gr.Request) -> tuple[Any, ...]:
        return shown(next_question(for_user(request), current))

    def scopes(request: gr.Request) -> Any:
        return gr.update(choices=_scope_choices(for_user(request)))

    # Reports may have been added or removed since the page loaded: the scopes follow.
    start.click(on_start, [name, scope, size], outputs).then(scopes, None, scope)
    # "once": a second click while the first is being graded is dropped in the browser too.
    send.click(on_submit, [state, options, typed], outputs, trigger_mode="once")
    typed.submit(on_submit, [state, options, typed], outputs, trigger_mode="once")
    further.click(on_next, [state], outputs, trigger_mode="once")
    name.change(lambda n: n, name, saved_name)

    def on_name(typed: str, request: gr.Request) -> str:
        # With login, only one's own progress: the typed name is ignored (see user_name).
        return show_progress(for_user(request), user_name(typed, request))

    name.blur(on_name, name, progress)

    def on_load(saved: str, request: gr.Request) -> tuple[Any, ...]:
        # The logged-in name (fixed), else the one typed in this browser last time; and the
        # scopes of the reports indexed now.
        login = getattr(request, "username", None)
        user = user_name(saved or "", request)
        box = gr.update(value=user, interactive=not login)
        mine = for_user(request)
        return box, show_progress(mine, user), gr.update(choices=_scope_choices(mine))

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
