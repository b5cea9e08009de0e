"""Reading a question: one fact or a list of points (its kind), the parts it asks for, its topic."""

from __future__ import annotations

import pytest

from rag.question.focus import Focus, TermWeights
from rag.question.kind import ProseKind, asked_parts, prose_kind
from rag.question.topic import topic_of, topic_span, topic_terms


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("去年在人才引进方面做了哪些工作?", ProseKind.LIST),
        ("为发展村集体经济采取了哪些措施？", ProseKind.HOW),
        ("明年的主要任务有哪些?", ProseKind.GOALS),
        ("某市今年的主要预期目标是什么？", ProseKind.GOALS),
        ("报告包括哪几个方面?", ProseKind.ASPECTS),
        ("要把握好哪三条原则？", ProseKind.ASPECTS),
        ("怎样提升基层治理水平?", ProseKind.HOW),
        ("为什么要推进机关作风建设?", ProseKind.WHY),
        ("“两个覆盖”是指什么？", ProseKind.WHAT),
        # One fact: a figure, a date, a name.
        ("培训了多少人次党员干部?", None),
        ("党代会是什么时候召开的?", None),
        ("谁到村里报到了?", None),
        ("哪两位同志获得了表彰?", None),  # people and dates are facts however many
        ("哪几年超额完成了目标?", None),
        ("阅览室添置了哪几本书?", ProseKind.ASPECTS),  # a list of things: the report's items
    ],
)
def test_prose_questions_are_told_from_fact_questions(question: str, kind: ProseKind | None) -> None:
    assert prose_kind(question) == kind


def test_the_parts_asked_for() -> None:
    assert asked_parts("规划提出要抓好哪六个方面的工作?") == (6, "")
    assert asked_parts("要坚持哪几个原则?") == (None, "原则")
    assert asked_parts("分哪三个步骤推进?") == (3, "步骤")
    assert asked_parts("这份计划分为哪几个篇章?") == (None, "篇章")


def test_the_topic_is_the_question_without_how_it_asks() -> None:
    weights = TermWeights.uniform()
    focus = Focus("2031年给中小学生减负都有哪些招？", "给中小学生减负都有哪些招？")
    assert topic_of(focus) == "中小学生减负 招"
    terms = topic_terms(focus, weights)
    assert "中小学生" in terms and "减负" in terms
    assert "~减负" in terms and "~负招" not in terms  # no pair across two runs
    assert all(w not in terms for w in ("哪些", "措施", "工作"))


def test_where_the_topic_stands_in_the_question() -> None:
    question = "2031年某市政府工作报告在乡村治理和人才振兴方面提出了哪些措施?"
    start, end = topic_span(question, [(0, 13)])  # the report named is a constraint, not the topic
    assert question[start:end] == "乡村治理和人才振兴"
    start, end = topic_span("怎样加强党的基层组织建设?")
    assert "怎样加强党的基层组织建设?"[start:end] == "加强党的基层组织建设"
