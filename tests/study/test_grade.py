"""Grading free and chosen answers: number forms, qualifiers, width and punctuation."""

from __future__ import annotations

import pytest

from study.grade import grade, normalize
from study.questions import CHOICE, CLOZE, EXAM, NUMBER, Question
from tests.study.conftest import find


@pytest.mark.parametrize(
    "given",
    [
        "40822人次",
        "40,822人次",
        "40822",
        "４０８２２人次",
        "四万零八百二十二",
        "四万零八百二十二人次",
        "4.0822万人次",
        " 40822 人次 ",
    ],
)
def test_a_figure_is_right_in_any_form(bank: list[Question], given: str) -> None:
    result = grade(find(bank, NUMBER, "40822人次"), given)
    assert result.correct and result.note == ""


@pytest.mark.parametrize(
    ("given", "note"),
    [
        ("4万人次", "接近了，原文是“40822人次”。"),
        ("约4万人次", "接近了，原文是“40822人次”。"),
        ("40823", "接近了，原文是“40822人次”。"),
        ("6500余人次", ""),
        ("40822人", "单位不对：应为“人次”。"),
        ("40822人次或50余万人次", "请只写一个数。"),
        ("6500余人次 40822人次 50余万人次", "请只写一个数。"),
        ("不是40822人次", "请直接写出原文中的数字。"),
        ("很多", "没有读出数字，请填写数字（阿拉伯数字或汉字均可）。"),
        ("", "未作答。"),
    ],
)
def test_a_wrong_figure_or_unit_is_wrong(bank: list[Question], given: str, note: str) -> None:
    result = grade(find(bank, NUMBER, "40822人次"), given)
    assert not result.correct
    assert (result.expected, result.note) == ("40822人次", note)


@pytest.mark.parametrize(
    ("given", "note"),
    [
        ("50余万人次", ""),
        ("五十余万人次", ""),
        ("50多万", ""),
        ("超过50万人次", ""),
        ("50万人次", "数值正确；原文表述为“50余万人次”。"),
        ("500000", "数值正确；原文表述为“50余万人次”。"),
    ],
)
def test_qualifiers_do_not_change_the_value(bank: list[Question], given: str, note: str) -> None:
    result = grade(find(bank, NUMBER, "50余万人次"), given)
    assert result.correct and result.note == note


@pytest.mark.parametrize(
    ("answer", "given", "correct", "note"),
    [
        ("16个", "16个镇", True, ""),  # the counted noun after the unit
        ("16个", "16镇", True, ""),
        ("381个", "381个村", True, ""),
        ("2950名", "2950人", True, ""),  # 人/名/位 all count people
        ("2950名", "两千九百五十人", True, ""),
        ("2950名", "2950个", False, "单位不对：应为“名”。"),
        ("16个", "4个16个72个77个", False, "请只写一个数。"),
        ("50余万人次", "近50万人次", False, "原文是“50余万人次”，是超过这个数，不是接近这个数。"),
    ],
)
def test_units_lists_and_qualifiers_that_change_the_meaning(
    bank: list[Question], answer: str, given: str, correct: bool, note: str
) -> None:
    result = grade(find(bank, NUMBER, answer), given)
    assert (result.correct, result.note) == (correct, note)


def test_the_number_as_the_question_counts_it(bank: list[Question]) -> None:
    money = find(bank, NUMBER, "3600万元")
    assert money.question.endswith("超多少万元？")
    assert [grade(money, g).correct for g in ("3600万元", "3600", "3600万", "超3600万元", "36000000")] == [
        True
    ] * 5
    assert not grade(money, "3600元").correct
    # Asked "多少人次", a bare 50 is 50 人次, not 50万.
    assert not grade(find(bank, NUMBER, "50余万人次"), "50").correct


def test_phrases_ignore_quotes_punctuation_and_width(bank: list[Question]) -> None:
    phrase = find(bank, CLOZE, "十破十立")
    assert [grade(phrase, g).correct for g in ("十破十立", "“十破十立”", '"十破十立"', "「十破十立」 ")] == [
        True
    ] * 4
    assert not grade(phrase, "十立十破").correct
    slogan = find(bank, CLOZE, "讲政治、重公道、业务精、作风好")
    assert grade(slogan, "讲政治重公道业务精作风好").correct
    assert grade(slogan, "讲政治,重公道,业务精,作风好").correct
    near = grade(slogan, "讲政治、重公道、业务精、作风硬")
    assert not near.correct and near.note.startswith("很接近了")
    assert grade(find(bank, EXAM, "以建党精神立根铸魂"), "以建党精神立根铸魂。").correct


def test_choices_by_text_or_letter(bank: list[Question]) -> None:
    q = find(bank, CHOICE, "40822人次")
    assert q.choices == ("6500余人次", "40822人次", "50余万人次")
    assert grade(q, "40822人次").correct and grade(q, "b").correct
    assert grade(q, "Ｂ").correct and grade(q, "B.").correct and grade(q, "b)").correct
    wrong = grade(q, "A")
    assert not wrong.correct and wrong.given == "6500余人次"
    assert grade(q, "D").note == "只有 3 个选项。"
    assert grade(q, "40,822").correct  # typed rather than chosen


def test_normalize() -> None:
    assert normalize("“ＡＢＣ，ｄ” 1２") == "abcd12"
