"""A figure the user guesses is checked against the reports, not searched for."""

from __future__ import annotations

import pytest

from rag.question.guess import figure_asked


@pytest.mark.parametrize(
    ("question", "asked"),
    [
        ("十四五期间某区注册志愿者有四万多人吗？具体是多少？", "十四五期间某区注册志愿者有多少人？"),
        ("2025年某区注册志愿者有八千多人吗？", "2025年某区注册志愿者有多少人？"),
        ("2025年地区生产总值增长是不是超过了6%？", "2025年地区生产总值增长是多少？"),
        ("2025年地区生产总值增长超过6%了吗？", "2025年地区生产总值增长是多少？"),
        ("全年粮食产量有30万吨以上吗？那具体数字是多少？", "全年粮食产量有多少吨？"),
        # What the figure counts stays; an ask that names its own thing stays too.
        ("全区新建了12所学校吗？分别在哪些镇街？", "全区新建了多少所学校？分别在哪些镇街？"),
    ],
)
def test_a_guessed_figure_becomes_the_figure_asked(question: str, asked: str) -> None:
    assert figure_asked(question) == asked


@pytest.mark.parametrize(
    "question",
    [
        "2025年城镇新增就业多少人？",  # no guess
        "2026年的目标是6.5%到7%吗？",  # a range is no single figure to ask for
        "有三个方面吗？分别是什么？",  # a count of points, not a figure
        "2025年是“十四五”的最后一年吗？",  # a year
    ],
)
def test_questions_without_a_guessed_figure_stay(question: str) -> None:
    assert figure_asked(question) == question


def test_a_figure_said_as_a_fact_then_asked_exactly() -> None:
    assert figure_asked("2031年新增城镇就业有三千多人，具体是多少？") == "2031年新增城镇就业有多少人？"
    # A comma after a figure followed by another question is no guess.
    assert figure_asked("全区有3000多人，占比多少？") == "全区有3000多人，占比多少？"


def test_what_the_guessed_count_did_stays_in_the_question() -> None:
    asked = figure_asked("报名以后，有将近两百名志愿者进了服务队，准确的数字是多少？")
    assert asked == "报名以后，有多少名志愿者进了服务队？"
    asked = figure_asked("2030年解决了三千多万农村人口的饮水安全，确切说是多少？")
    assert asked == "2030年解决了多少农村人口的饮水安全？"


def test_what_is_not_wanted_and_what_was_heard_are_not_asked() -> None:
    from rag.question.guess import without_unwanted

    asked = "2031年当年物价涨了多少？我要当年的，不是累计数。"
    assert without_unwanted(asked) == "2031年当年物价涨了多少？我要当年的"
    assert without_unwanted("增长是不是超过了6%？") == "增长是不是超过了6%？"
    assert figure_asked("听说31年有一千多万人进城落户，准确是多少人？") == "31年有多少人进城落户？"


def test_an_exact_figure_asked_of_the_report_after_a_guess() -> None:
    # "说法" and "报告里" ask for the figure as written, nothing of their own.
    assert figure_asked("某区志愿者约有三千多人吧？原文中具体的说法是多少？") == "某区志愿者约有多少人？"
    assert figure_asked("某区志愿者有三千多人，确切的说法是多少？") == "某区志愿者有多少人？"
