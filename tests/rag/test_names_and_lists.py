"""Figures a question names otherwise than the report: a short name (农机化率), a unit the
indicator's name carries (游客人次由…增加到…), one unit after a list of figures (分别高3.5和1.2个
百分点), a daily average compared across years, a yearly average that is not stated, a ratio that
is not a growth, a place the report does not name. A synthetic two-report knowledge base on the
real FAISS index."""

from __future__ import annotations

import pytest

from rag.pipeline import KnowledgeBase
from tests.fakes import reports_kb

REPORTS = {
    "2026年綦江区政府工作报告.txt": (
        "2026年綦江区政府工作报告\n一、2025年工作回顾\n"
        "过去五年，全区游客人次由600万增加到900多万，森林覆盖率从50%提高到55%，"
        "常住人口城镇化率年均提高1.1个百分点。\n"
        "过去一年，中小企业、涉农贷款增速比各项贷款平均增速分别高3.5和1.2个百分点。"
        "主要农作物耕种收综合机械化率提高到68%。全年平均每天新增市场主体120户。\n"
        "新增1.2万农村居民落户城镇。城乡居民人均可支配收入分别增长5.5%和6.8%。\n"
        "区第五届文化旅游节成功举办，区融媒体中心投入运行。首届茶叶博览会在重庆举办。\n"
        "旅游旺季全区日均接待游客3万人次。\n"
        "二、2026年工作安排\n今年全区地区生产总值增长6%左右，力争建成茶旅融合示范带。\n"
    ),
    "2025年綦江区政府工作报告.txt": (
        "2025年綦江区政府工作报告\n一、2024年工作回顾\n过去一年，全年平均每天新增市场主体100户。\n"
        "二、2025年工作安排\n今年全区地区生产总值增长6.5%左右。\n"
    ),
}


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    return reports_kb(tmp_path_factory.mktemp("names"), REPORTS)


def test_a_short_name_is_asked_as_the_report_writes_it(kb: KnowledgeBase) -> None:
    answer = kb.ask("全区农机化率是多少？")
    assert answer.searched == "全区农作物耕种收综合机械化率是多少？"
    assert answer.lead == "68%"


def test_a_unit_carried_by_the_indicators_name(kb: KnowledgeBase) -> None:
    # The level a five-year change ended at is the last year's: counted in the name's 人次.
    assert kb.ask("2025年全区游客有多少人次？").lead == "900多万"


def test_one_unit_after_a_list_of_differences(kb: KnowledgeBase) -> None:
    assert kb.ask("2025年涉农贷款增速比各项贷款平均增速快了多少？").lead == "1.2个百分点"
    assert kb.ask("2025年中小企业贷款增速比各项贷款平均增速高多少？").lead == "3.5个百分点"


def test_a_daily_average_compared_across_years(kb: KnowledgeBase) -> None:
    answer = kb.ask("2025年平均每天新增市场主体比2024年多了多少户？")
    assert answer.text.startswith("从2024年的100户[1]增加到2025年的120户[2]，相差20户（据两处原文计算）。")


def test_everyday_words_for_an_average_per_day(kb: KnowledgeBase) -> None:
    # The index writes 日均 (so "平均每天" is read as it), the answer's sentence 平均每天.
    assert kb.ask("2025年平均一天新开多少户市场主体？").lead == "120户"


def test_a_yearly_average_is_not_answered_by_the_level_reached(kb: KnowledgeBase) -> None:
    assert kb.ask("过去五年常住人口城镇化率年均提高多少？").lead == "1.1个百分点"
    # 森林覆盖率's five-year change is stated only as its two ends: no average to quote.
    assert kb.ask("过去五年森林覆盖率年均提高多少？").refused


def test_what_was_added_is_no_change_on_the_year_before(kb: KnowledgeBase) -> None:
    # "新增1.2万农村居民落户城镇" is neither new urban jobs nor their change.
    assert kb.ask("2025年城镇新增就业比上年多了多少人？").refused


def test_a_ratio_is_not_answered_by_a_growth(kb: KnowledgeBase) -> None:
    assert kb.ask("2025年城乡居民收入比是多少？").refused


def test_a_place_asked_is_named_in_the_clause_about_it(kb: KnowledgeBase) -> None:
    assert kb.ask("文化旅游节是在哪个城市举办的？").refused
    answer = kb.ask("茶叶博览会是在哪个城市举办的？")
    assert not answer.refused and "在重庆举办" in answer.text
    # Which place said it: a district's report names its own place.
    said = kb.ask("哪个区提出要建成茶旅融合示范带？")
    assert not said.refused and "《2026年綦江区政府工作报告》" in said.text


def test_a_question_naming_the_indicator_by_a_synonym_is_answered(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    reports = {
        "2031年綦江区政府工作报告.txt": (
            "2031年綦江区政府工作报告\n一、2030年工作回顾\n过去一年，全区地区生产总值增长6.2%。"
            "新建村卫生室15个。每万人拥有全科医师3.5名，城市绿道新增18公里。\n"
        ),
    }
    kb = reports_kb(tmp_path_factory.mktemp("synonyms"), reports)
    # The report writes 全科医师; 医生 is its synonym in the thesaurus.
    assert kb.ask("2030年每万人拥有全科医生多少名？").lead == "3.5名"
    # A look-alike is not: no report names this.
    assert kb.ask("2030年每万人拥有专科护士多少名？").refused
