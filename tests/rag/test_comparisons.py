"""Comparisons of two years through the whole pipeline: years said short, a gap asked with its
measure word, and a plan's figure against an outcome (no difference is computed between them)."""

from __future__ import annotations

import pytest

from rag.pipeline import KnowledgeBase
from tests.fakes import reports_kb

REPORTS = {
    "2030年綦江区政府工作报告.txt": (
        "2030年綦江区政府工作报告\n一、2029年工作回顾\n过去一年，全区新增市场主体3200户。\n"
        "二、2030年工作安排\n今年全区旧房改造开工1200套。\n"
    ),
    "2031年綦江区政府工作报告.txt": (
        "2031年綦江区政府工作报告\n一、2030年工作回顾\n过去一年，全区新增市场主体3500户，旧房改造开工1500套。\n"
        "二、2031年工作安排\n今年全区新增市场主体3600户以上。\n"
    ),
}


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    return reports_kb(tmp_path_factory.mktemp("comparisons"), REPORTS)


def test_two_years_said_short_and_a_gap_asked_in_its_unit(kb: KnowledgeBase) -> None:
    answer = kb.ask("29年和30年新增市场主体哪年多？相差多少户？")
    assert answer.searched == "2029年和2030年新增市场主体哪年多？相差多少户？"
    first = answer.text.split("\n")[0]
    assert first.startswith("从2029年的3200户[1]增加到2030年的3500户[2]，相差300户（据两处原文计算）")


def test_a_plan_against_an_outcome_is_no_difference(kb: KnowledgeBase) -> None:
    # 2031's figure is a plan, 2030's an outcome: asked as two outcomes, there is no difference
    # to give, and the answer says why.
    answer = kb.ask("2031年新增市场主体跟2030年相比多了多少户？")
    assert answer.refused
    assert answer.text.startswith("知识库中找到的数字2030年的是实际数、2031年的是目标数，两者不能直接相减")


def test_a_direction_asked_then_both_years_figures(kb: KnowledgeBase) -> None:
    answer = kb.ask("30年新增市场主体跟29年比是多了还是少了？这两年各自是多少？")
    assert answer.table is not None and not answer.refused
    assert answer.text.split("\n")[0].startswith("从2029年的3200户[1]增加到2030年的3500户[2]")


def test_a_comparison_one_year_of_which_has_no_figure_is_refused(kb: KnowledgeBase) -> None:
    # 旧房改造: 2030's outcome is in the 2031 report; 2029's is in none.
    answer = kb.ask("2029年和2030年旧房改造开工哪年多？")
    assert answer.refused
    lines = answer.text.split("\n")
    assert lines[0].startswith("无法比较：知识库中没有找到2029年的")
    assert "2030年：1500套（据《2031年綦江区政府工作报告》）[1]" in lines


def test_a_plan_set_against_an_outcome_by_the_question_itself_is_not_refused() -> None:
    from rag.figures.extractive import _computable
    from rag.figures.table import Row, Table, read_cell

    rows = (
        Row("2030年", 2030, read_cell("3500户"), 1, aspect="实际"),
        Row("2031年", 2031, read_cell("3600户以上"), 2, aspect="目标"),
    )
    table = Table("新增市场主体", rows, "year")
    assert not _computable(table, "2031年新增市场主体比2030年多了多少户？")
    assert _computable(table, "2031年新增市场主体目标比2030年实际多了多少户？")
    same = Table(
        "新增市场主体", (rows[0], Row("2031年", 2031, read_cell("3800户"), 2, aspect="实际")), "year"
    )
    assert _computable(same, "2031年新增市场主体比2030年多了多少户？")
