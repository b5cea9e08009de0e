"""The 学习 tab's handlers: a round as the page plays it, the feedback shown, escaping."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ingest.records import Paragraph
from study.progress import ProgressStore
from study.questions import CHOICE, Question
from study.quiz import ALL, Quiz
from study.render import key_sentence, render_feedback
from study.web import (
    Invalid,
    RoundState,
    View,
    browser_secret,
    input_updates,
    next_question,
    show_progress,
    start_round,
    submit,
    user_name,
)
from tests.study.conftest import FakeIndex


@pytest.fixture
def quiz(tmp_path: Path, paragraphs: list[Paragraph]) -> Quiz:
    index = FakeIndex("v1", {p.paragraph_id: p for p in paragraphs})
    return Quiz(lambda: index, ProgressStore(tmp_path / "study.sqlite"))


def _current(quiz: Quiz, state: RoundState) -> Question:
    q = quiz.question(state.ids[state.index])
    assert q is not None
    return q


def test_a_round_of_ten_in_the_tab(quiz: Quiz) -> None:
    view = start_round(quiz, "张三", ALL, 10)
    assert view.can_submit and not view.can_next and len(view.state.ids) == 10
    assert "第 1/10 题" in view.question_html
    right = 0
    for i in range(10):
        q = _current(quiz, view.state)
        assert view.choices == q.choices  # a radio for a choice, () for a typed answer
        answer = q.answer if i % 3 else "不知道"
        if q.type == CHOICE and i % 3 == 0:
            answer = next(c for c in q.choices if c != q.answer)
        view = submit(quiz, view.state, answer)
        assert view.can_next and not view.can_submit
        right += i % 3 != 0
        verdict = "✓ 回答正确" if i % 3 else "✗ 回答错误"
        assert verdict in view.feedback_html
        assert f"正确答案：<strong>{q.answer}</strong>" in view.feedback_html
        # The key sentence is marked and the answer in it emphasised.
        assert re.search(f"<mark>[^<]*<strong>{re.escape(q.answer)}</strong>[^<]*</mark>", view.feedback_html)
        assert q.paragraph_id in view.feedback_html
        view = next_question(quiz, view.state)
    assert f"本轮完成：答对 {right}/10 题。" in view.question_html
    assert "答错的题（下一轮会优先出现）" in view.question_html
    assert view.choices is None and not view.can_submit
    assert f"已答 10 次，答对 {right}，答错 {10 - right}" in view.progress_html


def test_a_double_submit_is_recorded_once(quiz: Quiz) -> None:
    view = start_round(quiz, "赵六", ALL, 3)
    q = _current(quiz, view.state)
    first = submit(quiz, view.state, q.answer)
    again = submit(quiz, view.state, q.answer)  # the second click carried the same, older state
    late = submit(quiz, first.state, q.answer)  # Enter, then a click after the first was graded
    assert first.feedback_html == again.feedback_html == late.feedback_html
    assert late.state.results == first.state.results == [(q.id, True)]
    p = quiz.progress("赵六")
    assert (p.answered, p.right) == (1, 1)
    assert quiz.store.reviews("赵六")[q.id].box == 1  # not pushed to box 2 ("3 天后")


def test_progress_shows_reports_then_their_sections(quiz: Quiz) -> None:
    for q in quiz.next_round("钱七", ALL, 3, now=1_700_000_000.0):
        quiz.answer("钱七", q, q.answer)
    html_out = show_progress(quiz, "钱七")
    assert (
        "<tr><td><b>綦江区委组织部2021年组工答卷</b></td><td>3</td><td>3</td><td>0</td><td>100%</td></tr>"
        in html_out
    )
    assert html_out.count("<td>　› ") >= 1


def test_wrong_answers_open_the_next_round(quiz: Quiz) -> None:
    view = start_round(quiz, "李四", ALL, 3)
    missed = _current(quiz, view.state)
    view = submit(quiz, view.state, "不知道" if not missed.choices else "Z")
    again = start_round(quiz, "李四", ALL, 3)
    assert again.state.ids[0] == missed.id
    assert "这道题会在下一轮优先出现。" in view.feedback_html


def test_the_source_shows_the_key_sentence_with_the_answer(quiz: Quiz) -> None:
    q = next(q for q in quiz.bank() if q.answer == "40822人次" and q.type != CHOICE)
    # Paragraph 9 is one 200-character sentence: the clause with the answer is what gets marked.
    start, end = key_sentence(q)
    assert q.source_text[start:end] == "培训各级各类党员干部40822人次,"
    short = next(q for q in quiz.bank() if q.answer == "以建党精神立根铸魂" and q.type != CHOICE)
    assert short.source_text[slice(*key_sentence(short))] == "答题要点:以建党精神立根铸魂。"
    result, review = quiz.answer("王五", q, "四万零八百二十二")
    html_out = render_feedback(q, result, review)
    assert "✓ 回答正确" in html_out and "你的答案：四万零八百二十二" in html_out
    assert "<mark>培训各级各类党员干部<strong>40822人次</strong>,</mark>" in html_out
    assert "政治建设卷 · 第9段" in html_out and "下次复习：1 天后。" in html_out


def test_names_are_required_and_progress_is_per_name(quiz: Quiz) -> None:
    with pytest.raises(Invalid, match="请先填写姓名"):
        start_round(quiz, " ", ALL, 10)
    with pytest.raises(Invalid, match="开始一轮"):
        submit(quiz, RoundState(), "x")
    assert show_progress(quiz, "") == ""
    assert "还没有答题记录" in show_progress(quiz, "新同志")


def test_report_text_and_answers_are_escaped(tmp_path: Path) -> None:
    evil = Paragraph(
        "x#1", "x", "<b>报告</b>", 1, "按照“<script>十破十立”要求,全区完成整改问题12个。", ("<i>卷</i>",)
    )
    quiz = Quiz(lambda: FakeIndex("v", {"x#1": evil}), ProgressStore(tmp_path / "s.sqlite"))
    view = start_round(quiz, "<script>alert(1)</script>", ALL, 5)
    shown = view.question_html
    while view.state.active:
        view = submit(quiz, view.state, "<img src=y onerror=alert(2)>")
        shown += view.feedback_html + view.progress_html
        view = next_question(quiz, view.state)
    shown += view.question_html
    assert "填空" in shown  # the phrase with markup in it was asked
    for raw in ("<img", "<script", "<b>报告", "<i>卷"):
        assert raw not in shown
    for escaped in (
        "&lt;script&gt;十破十立",
        "&lt;img src=y onerror=alert(2)&gt;",
        "&lt;b&gt;报告",
        "&lt;i&gt;卷",
    ):
        assert escaped in shown


def test_inputs_are_fresh_for_a_question_and_kept_after_grading() -> None:
    asking = View(RoundState(), choices=("A项", "B项"), can_submit=True)
    radio, text = input_updates(asking)
    assert radio == {
        "__type__": "update",
        "choices": ["A项", "B项"],
        "value": None,
        "visible": True,
        "interactive": True,
    }
    assert text == {"__type__": "update", "value": "", "visible": False, "interactive": True}
    graded = View(RoundState(), choices=(), can_next=True)
    radio, text = input_updates(graded)
    assert "value" not in radio and "value" not in text  # the typed answer stays on screen
    assert (radio["visible"], text["visible"], text["interactive"]) == (False, True, False)
    finished = View(RoundState())
    assert [u["visible"] for u in input_updates(finished)] == [False, False]


def test_the_browser_secret_is_kept_across_restarts(tmp_path: Path) -> None:
    first = browser_secret(tmp_path / "data")
    assert len(first) == 32 and browser_secret(tmp_path / "data") == first
    assert (tmp_path / "data" / "browser.secret").stat().st_mode & 0o777 == 0o600


def test_a_logged_in_user_is_who_the_progress_belongs_to() -> None:
    class Request:  # what Gradio passes: `username` is set when the app requires login
        def __init__(self, username: str | None) -> None:
            self.username = username

    assert user_name("张三", Request("zhangsan")) == "zhangsan"  # type: ignore[arg-type]
    assert user_name("张三", Request(None)) == "张三"  # type: ignore[arg-type]
    assert user_name("张三", None) == "张三"
