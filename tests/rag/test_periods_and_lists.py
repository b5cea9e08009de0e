"""Ways reports state figures that a question does not mirror: a five-year plan's period
reviewed as one ("过去五年" in the report closing "十四五"), figures listed "respectively"
(城乡…分别达…和…), and a figure the user guesses ("有八千多人吗？"). A synthetic two-report
knowledge base on the real FAISS index."""

from __future__ import annotations

import pytest

from rag.pipeline import KnowledgeBase
from tests.fakes import reports_kb

REPORTS = {
    "2026年綦江区政府工作报告.txt": (
        "2026年綦江区政府工作报告\n一、2025年工作回顾\n"
        "2025年是“十四五”收官之年。过去五年，全区城镇新增就业累计超过4.2万人，地区生产总值年均增长6.1%。\n"
        "过去一年，全区城乡居民人均可支配收入分别达4.5万元和2.1万元，"
        "一般公共预算收入、税收收入分别增长5.2%和3.1%。城镇新增就业8600人。\n"
        "二、2026年工作安排\n今年全区城镇新增就业9000人以上。\n"
    ),
    "2025年綦江区政府工作报告.txt": (
        "2025年綦江区政府工作报告\n一、2024年工作回顾\n过去一年，全区城镇新增就业8200人，地区生产总值增长5.8%。\n"
        "二、2025年工作安排\n今年全区城镇新增就业8000人以上。\n"
    ),
}


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    return reports_kb(tmp_path_factory.mktemp("periods"), REPORTS)


def test_a_plans_period_is_answered_by_the_review_of_those_five_years(kb: KnowledgeBase) -> None:
    jobs = kb.ask("十四五期间全区城镇新增就业多少人？")
    assert jobs.text.startswith("超过4.2万人。依据：据《2026年綦江区政府工作报告》（回顾2021—2025年）：")
    growth = kb.ask("“十四五”时期地区生产总值年均增长多少？")
    assert growth.lead == "6.1%"
    # One year's figure is not the period's: neither 8600人 nor 8200人 answers for five years.
    assert "8600" not in jobs.text.split("依据")[0]


def test_figures_listed_respectively_belong_to_their_items(kb: KnowledgeBase) -> None:
    assert kb.ask("2025年农村居民人均可支配收入是多少？").lead == "2.1万元"
    assert kb.ask("2025年城镇居民人均可支配收入是多少？").lead == "4.5万元"
    assert kb.ask("2025年农民人均收入有多少？").lead == "2.1万元"  # the everyday name
    assert kb.ask("2025年税收收入增长了多少？").lead == "3.1%"
    assert kb.ask("2025年一般公共预算收入增长了多少？").lead == "5.2%"


def test_a_guessed_figure_is_checked_against_the_reports_figure(kb: KnowledgeBase) -> None:
    answer = kb.ask("2025年城镇新增就业有八千多人吗？具体是多少？")
    assert answer.searched == "2025年城镇新增就业有多少人？"
    assert answer.text.startswith("8600人。依据：据《2026年綦江区政府工作报告》（回顾2025年）：")
