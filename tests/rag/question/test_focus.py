"""How a question's words are put as reports write them before they are matched."""

from __future__ import annotations

import pytest

from rag.question.focus import Focus, as_written


@pytest.mark.parametrize(
    ("question", "written"),
    [
        ("2030年的粮食产量目标定的多少？", "2030年的粮食产量目标是多少？"),
        ("各区的绿化指标各定为多少？", "各区的绿化指标是多少？"),
        ("平均一天接待多少游客？", "平均每天接待多少游客？"),
        ("森林覆盖率平均一年涨几个点？", "森林覆盖率平均每年提高几个百分点？"),
        ("去年新开了多少家门店？", "去年新增了多少家门店？"),
        # Words that are not a way of asking stay as they are.
        ("一天之内办结的事项有哪些？", "一天之内办结的事项有哪些？"),
        ("目标定位是什么？", "目标定位是什么？"),
    ],
)
def test_ways_of_asking_are_put_as_reports_write(question: str, written: str) -> None:
    assert as_written(question) == written


def test_the_focus_matches_with_the_written_words() -> None:
    assert Focus.of("平均一天新开多少家企业？", None, None).terms == "平均每天新增多少家企业？"


def test_a_place_said_with_a_localiser_is_its_noun() -> None:
    from rag.question.focus import TermWeights, subject_terms

    known = {"村", "进驻", "工作队"}
    weights = TermWeights(lambda t: 5.0 if t in known else 0.0, known.__contains__)
    # "村里" is written nowhere, but 村 is: the question is not about a thing no report names.
    assert "村里" not in subject_terms(Focus.of("工作队何时进驻村里？", None, None), weights)
    # A place no report writes whose noun none writes either stays a subject.
    assert "海外" in subject_terms(Focus.of("海外有多少项目？", None, None), weights)


def test_a_count_word_is_said_by_the_figures_unit() -> None:
    from rag.question.focus import TermWeights, subject_terms

    weights = TermWeights(lambda _t: 5.0)
    terms = subject_terms(Focus("保障房基本建成的套数是多少？", "保障房基本建成的套数是多少？"), weights)
    assert "套数" not in terms and "建成" in terms


def test_when_a_level_is_taken_is_no_subject() -> None:
    from rag.question.focus import TermWeights, subject_terms

    weights = TermWeights(lambda _t: 5.0)
    question = "截至年底，城市绿道总里程是多少？"  # the year itself is a filter, taken out
    terms = subject_terms(Focus(question, question), weights)
    assert not {"截至", "年底"} & set(terms) and "绿道" in terms


def test_how_a_percentage_is_asked_and_numerals_are_no_subject() -> None:
    from rag.question.focus import TermWeights, subject_terms

    weights = TermWeights(lambda _t: 5.0)
    question = "养老金这一部分，按时发放的占了百分之多少？"
    terms = subject_terms(Focus(question, question), weights)
    assert not {"一部分", "百分", "百分之"} & set(terms) and {"养老金", "发放"} <= set(terms)


def test_when_said_as_in_speech_is_no_subject() -> None:
    from rag.question.focus import TermWeights, subject_terms

    weights = TermWeights(lambda _t: 5.0)
    for question in ("那会儿全区有多少名志愿者？", "那时候全区有多少名志愿者？", "当时全区有多少名志愿者？"):
        terms = subject_terms(Focus(question, question), weights)
        assert "志愿者" in terms and not {"会儿", "那会儿", "时候", "那时候", "当时"} & set(terms), question


def test_pointing_and_hearsay_are_no_subject() -> None:
    from rag.question.focus import TermWeights, subject_terms

    weights = TermWeights(lambda _t: 5.0)
    question = "听说那些网格员去年培训了多少人次？"
    terms = subject_terms(Focus(question, question), weights)
    assert {"网格", "培训"} <= set(terms) and not {"听说", "那些"} & set(terms)


def test_a_span_of_years_is_no_subject() -> None:
    from rag.question.focus import TermWeights, subject_terms

    weights = TermWeights(lambda _t: 5.0)
    for question in (
        "过去五年全区新建绿道多少公里？",
        "近三年全区新建绿道多少公里？",
        "这几年全区新建绿道多少公里？",
    ):
        terms = subject_terms(Focus(question, question), weights)
        assert "绿道" in terms and not {"过去", "五年", "三年", "几年"} & set(terms), question
