"""A year's plan against what happened: a reviewed year's outcome is not answered by its plan."""

from __future__ import annotations

import pytest

from rag.pipeline import KnowledgeBase
from tests.fakes import reports_kb


def _annual(body: str, year: int, review: str, plan: str) -> dict[str, str]:
    """One annual work report of `body`: the year before reviewed, its own year planned."""
    title = f"{year}年{body}政府工作报告"
    return {f"{title}.txt": f"{title}\n一、{year - 1}年工作回顾\n{review}\n二、{year}年工作安排\n{plan}\n"}


REPORTS = {
    **_annual(
        "綦江区",
        2030,
        "过去一年，全区居民消费价格上涨2.1%，财政赤字控制在预算范围内。",
        "今年全区居民消费价格涨幅3%左右。今年拟安排财政赤字12亿元。",
    ),
    **_annual(
        "綦江区",
        2031,
        "过去一年，全区地区生产总值增长6.2%。",
        "今年全区居民消费价格涨幅3%左右。今年拟安排财政赤字13亿元。",
    ),
}


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    return reports_kb(tmp_path_factory.mktemp("plans"), REPORTS)


def test_a_reviewed_years_plan_is_no_outcome_of_an_indicator_reported_as_one(kb: KnowledgeBase) -> None:
    # 2030 is reviewed (by the 2031 report) without a price figure; 2029's review states one.
    prices = kb.ask("2030年居民消费价格上涨了多少？")
    assert prices.refused
    assert prices.text.startswith("知识库中没有找到2030年的实际数字，报告只给出了2030年的目标。\n可能相关：")
    assert prices.citations[0].doc_id == "2030年綦江区政府工作报告"  # the plan first
    # Asked as a target, the plan answers.
    target = kb.ask("2030年居民消费价格涨幅目标是多少？")
    assert target.text.startswith("3%左右。依据：据《2030年綦江区政府工作报告》（2030年的目标）：")


def test_a_figure_only_ever_planned_is_answered_by_the_plan(kb: KnowledgeBase) -> None:
    deficit = kb.ask("2030年财政赤字是多少？")
    assert deficit.text.startswith("12亿元。依据：据《2030年綦江区政府工作报告》（2030年的目标）：")


def test_an_outcome_asked_with_no_year_is_not_answered_by_a_target(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    reports = {
        "2031年綦江区政府工作报告.txt": (
            "2031年綦江区政府工作报告\n一、2030年工作回顾\n过去一年，全区地区生产总值增长6.2%。\n"
            "二、今后五年的主要目标\n到2035年，全区森林覆盖率达到60%，城市绿道总长度超过300公里。\n"
        ),
    }
    kb = reports_kb(tmp_path_factory.mktemp("targets"), reports)
    assert kb.ask("森林覆盖率实际达到了多少？").refused
    assert kb.ask("森林覆盖率的目标是多少？").lead == "60%"


def test_last_year_asked_by_a_word_is_answered_by_the_review_not_the_plan(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    # The report reviews its year before (2030) and plans its own: "去年" asks what happened.
    reports = {
        "2031年某省政府工作报告.txt": (
            "2031年某省政府工作报告\n一、2030年工作回顾\n过去一年，新建城市绿道420公里，保持全国前列。\n"
            "二、2031年工作安排\n新建一批公园，确保全省新建城市绿道稳定在400公里以上。\n"
        ),
    }
    kb = reports_kb(tmp_path_factory.mktemp("lastyear"), reports)
    assert kb.ask("去年新建了多少公里城市绿道？").lead == "420公里"
    # A plan asked keeps the plan's figure; with no time word either may answer.
    assert kb.ask("新建城市绿道的目标是多少公里？").lead == "400公里以上"


def test_a_plan_for_a_later_year_ranked_first_does_not_hide_the_years_level(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    # The plan's sentence (about 2035, the year its sentence before names) ranks first; the
    # review states the level the five years ended at, the last year's.
    reports = {
        "2026年某省政府工作报告.txt": (
            "2026年某省政府工作报告\n一、2025年工作回顾\n过去一年，新建公园12个。\n"
            "二、“十五五”时期主要目标任务\n到2035年基本实现现代化。全省城市绿道总长达到3000公里、覆盖所有县城。\n"
        ),
        "2031年某省政府工作报告.txt": (
            "2031年某省政府工作报告\n一、过去五年工作回顾\n过去五年，城市绿道从300公里增加到1200公里，新建公园80个。\n"
        ),
    }
    kb = reports_kb(tmp_path_factory.mktemp("span"), reports)
    answer = kb.ask("2030年城市绿道总长达到多少公里？")
    assert answer.lead == "1200公里"
    assert [c.doc_id for c in answer.citations] == ["2031年某省政府工作报告"]


def test_an_outcome_stated_after_a_figure_ending_the_same_way_still_counts(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    # 2029's review states the indicator as an outcome ("…下降5%") right after another figure
    # ending in the same digits ("7.5%"); 2030 is reviewed without it, so its plan is no answer,
    # alone or as a row of a table.
    reports = {
        **_annual(
            "某市",
            2030,
            "过去一年，规上企业利润由上年减少1.4%转为增加7.5%，全市单位产值能耗下降5%，发展质量明显提高。",
            "全市单位产值能耗下降3%以上，环境质量持续改善。",
        ),
        **_annual(
            "某市",
            2031,
            "过去一年，全市地区生产总值增长6.2%，新建公园12个。",
            "今年全市地区生产总值增长6%左右。",
        ),
    }
    kb = reports_kb(tmp_path_factory.mktemp("energy"), reports)
    single = kb.ask("2030年单位产值能耗下降多少？")
    assert single.refused
    assert single.text.startswith("知识库中没有找到2030年的实际数字，报告只给出了2030年的目标。")
    table = kb.ask("2029年和2030年，单位产值能耗各下降多少？")
    assert table.table is not None
    cells = {row.key: (row.cell.text if row.cell else None) for row in table.table.rows}
    assert cells == {"2029年": "5%", "2030年": None}


def test_a_plans_change_is_not_the_change_of_two_outcomes(tmp_path_factory: pytest.TempPathFactory) -> None:
    # The plan says how much more it aims at ("比去年多2000人"); the reviews state both years'
    # outcomes. Asked how much more there were, the outcomes' difference is computed.
    reports = {
        **_annual(
            "某区",
            2030,
            "过去一年，全区新招募志愿者1.2万人，建成口袋公园8个。",
            "新招募志愿者预期目标比去年多2000人，突出志愿服务导向。",
        ),
        **_annual(
            "某区", 2031, "过去一年，全区新招募志愿者1.3万人，建成口袋公园9个。", "全区新建口袋公园10个。"
        ),
    }
    kb = reports_kb(tmp_path_factory.mktemp("planchange"), reports)
    answer = kb.ask("2030年新招募志愿者比上年多了多少？")
    assert not answer.refused
    lead = answer.text.split("\n", 1)[0]
    assert "相差1000人（据两处原文计算）" in lead and "2000" not in lead
    # Asked of the plan, the plan's stated change answers.
    assert "2000人" in kb.ask("2030年新招募志愿者的预期目标比上年多了多少？").text.split("\n", 1)[0]


def test_of_no_year_the_review_answers_before_the_plan_and_now_asks_the_level(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    # The plan's sentences say the review's words: with no year asked, what was done comes
    # first; "现在" asks the level reached, not the change a plan sets.
    reports = _annual(
        "某省",
        2031,
        "过去一年，新建城市绿道420公里，保持全国前列。城市绿道总长达到3200公里。",
        "新建一批公园，确保全省新建城市绿道稳定在400公里以上。全省城市绿道总长增加300公里。",
    )
    kb = reports_kb(tmp_path_factory.mktemp("nowlevel"), reports)
    assert kb.ask("新建城市绿道多少公里？").lead == "420公里"
    assert kb.ask("城市绿道总长现在到多少公里了？").lead == "3200公里"
    assert kb.ask("新建城市绿道的目标是多少公里？").lead == "400公里以上"


def test_a_sentence_opening_with_now_is_no_plan_of_the_year_before_it(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    # "目前" asks where things stand; the sentence opening with it states that, although the
    # sentence before it named a year's plan.
    reports = {
        "某区城市绿道简介.txt": (
            "某区城市绿道简介\n某区城市绿道始建于2020年。2027年，区里计划把绿道延伸到各个街道。"
            "目前全区共有城市绿道320公里，沿线设有驿站40个。\n"
        )
    }
    kb = reports_kb(tmp_path_factory.mktemp("now"), reports)
    assert kb.ask("目前全区共有多少公里城市绿道？").lead == "320公里"
    assert kb.ask("现在沿线有多少个驿站？").lead == "40个"


def test_where_things_stand_now_is_the_newest_reports_level(tmp_path_factory: pytest.TempPathFactory) -> None:
    # The same indicator in the reviews of two years, in the same words.
    older = "过去一年，全区城市绿道运营里程达到120公里，居全市前列。"
    newer = "过去一年，全区城市绿道运营里程达到180公里，比上年增加60公里。"
    reports = {
        **_annual("綦江区", 2031, older, "今年新建绿道20公里。"),
        **_annual("綦江区", 2032, "过去一年，全区新增就业1.2万人。", "今年新建绿道30公里。"),
        **_annual("綦江区", 2033, newer, "今年新建绿道40公里。"),
    }
    kb = reports_kb(tmp_path_factory.mktemp("now"), reports)
    now = kb.ask("全区城市绿道运营里程现在有多少公里？")
    assert now.text.startswith("180公里。依据：据《2033年綦江区政府工作报告》")
    # A year asked is that year's, now or not.
    then = kb.ask("2030年全区城市绿道运营里程为多少公里？")
    assert then.text.startswith("120公里。依据：据《2031年綦江区政府工作报告》")
