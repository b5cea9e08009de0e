from __future__ import annotations

import pytest

from rag.question.spoken_time import full_years, term_as_written

YEARS = range(2014, 2020)  # the reports' own years


@pytest.mark.parametrize(
    ("question", "read"),
    [
        ("14年和15年城镇新增就业各是多少？", "2014年和2015年城镇新增就业各是多少？"),
        ("’16年GDP增长多少", "2016年GDP增长多少"),
        ("19年底贫困人口还有多少？", "2019年底贫困人口还有多少？"),
        ("13年的粮食产量", "2013年的粮食产量"),  # reviewed by the 2014 report
    ],
)
def test_a_two_digit_year_the_reports_cover_is_read_in_full(question: str, read: str) -> None:
    assert full_years(question, YEARS) == read


@pytest.mark.parametrize(
    "question",
    [
        "近15年来增长多少？",
        "用了15年建成",
        "15年来累计多少？",
        "在16年里",
        "第15年",
        "连续18年增长",
        "10年GDP多少？",
    ],
)
def test_a_duration_or_a_year_no_report_covers_stays(question: str) -> None:
    # "10年": 2010 is covered by no report here, so it is ten years.
    assert full_years(question, YEARS) == question


def test_four_digit_years_are_untouched() -> None:
    assert full_years("2014年和2015年", YEARS) == "2014年和2015年"


def test_a_governments_term_is_the_five_years_its_closing_report_reviews() -> None:
    assert term_as_written("上一届政府五年里新增就业加起来有多少？") == "过去五年新增就业加起来有多少？"
    assert term_as_written("本届政府任期内累计减税多少？") == "过去五年累计减税多少？"
    assert term_as_written("市政府今年的目标") == "市政府今年的目标"
