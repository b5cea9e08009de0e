"""Comparisons of two years through the whole pipeline: years said short, a gap asked with its
measure word, and a plan's figure against an outcome (no difference is computed between them)."""

from __future__ import annotations

import pytest

from rag.pipeline import KnowledgeBase
from tests.fakes import HashEmbedder, indexed_reports

REPORTS = {
    "2030年綦江区政府工作报告.txt": (
        "2030年綦江区政府工作报告\n一、2029年工作回顾\n过去一年，全区城镇新增就业3.2万人。\n"
        "二、2030年工作安排\n今年全区棚户区改造开工1200套。\n"
    ),
    "2031年綦江区政府工作报告.txt": (
        "2031年綦江区政府工作报告\n一、2030年工作回顾\n过去一年，全区城镇新增就业3.5万人，棚户区改造开工1500套。\n"
        "二、2031年工作安排\n今年全区城镇新增就业3.6万人以上。\n"
    ),
}


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    return KnowledgeBase(indexed_reports(tmp_path_factory.mktemp("comparisons"), REPORTS), HashEmbedder())


def test_two_years_said_short_and_a_gap_asked_in_people(kb: KnowledgeBase) -> None:
    answer = kb.ask("29年和30年城镇新增就业哪一年多？差了多少人？")
    assert answer.searched == "2029年和2030年城镇新增就业哪一年多？差了多少人？"
    first = answer.text.split("\n")[0]
    assert first.startswith("从2029年的3.2万人[1]增加到2030年的3.5万人[2]，相差3000人（据两处原文计算）")


def test_a_plan_against_an_outcome_is_no_difference(kb: KnowledgeBase) -> None:
    # 2031's employment figure is a plan, 2030's an outcome: asked as two outcomes, there is no
    # difference to give, and the answer says why.
    answer = kb.ask("2031年城镇新增就业跟2030年相比多了多少人？")
    assert answer.refused
    assert answer.text.startswith("知识库中找到的数字2030年的是实际数、2031年的是目标数，两者不能直接相减")


def test_a_plan_set_against_an_outcome_by_the_question_itself_is_not_refused() -> None:
    from rag.figures.extractive import _computable
    from rag.figures.table import Row, Table, read_cell

    rows = (
        Row("2030年", 2030, read_cell("3.5万人"), 1, aspect="实际"),
        Row("2031年", 2031, read_cell("3.6万人以上"), 2, aspect="目标"),
    )
    table = Table("城镇新增就业", rows, "year")
    assert not _computable(table, "2031年城镇新增就业比2030年多了多少人？")
    assert _computable(table, "2031年城镇新增就业目标比2030年实际多了多少人？")
    same = Table(
        "城镇新增就业", (rows[0], Row("2031年", 2031, read_cell("3.8万人"), 2, aspect="实际")), "year"
    )
    assert _computable(same, "2031年城镇新增就业比2030年多了多少人？")
