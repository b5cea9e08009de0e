"""Several real reports at once, with the real default embedder: which year, whose figure,
which report (issue: many reports, many years). The reports are read from ../shared."""

from __future__ import annotations

import pytest

from ingest.config import Settings
from rag.evidence.retrieve import SearchFilter
from rag.generation.prompt import Turn
from rag.pipeline import KnowledgeBase


@pytest.fixture(scope="module")
def kb(reports_settings: Settings) -> KnowledgeBase:
    return KnowledgeBase(reports_settings)


def test_a_result_comes_from_the_next_years_review(kb: KnowledgeBase) -> None:
    answer = kb.ask("2016年GDP实际增长多少?")
    assert answer.text.startswith("6.7%。依据：据《2017年政府工作报告》（回顾2016年）：")
    cite = answer.citations[0]
    assert (cite.label, cite.year, cite.doc_id) == ("2017年政府工作报告 · 国务院", 2017, "2017年政府工作报告")
    assert "一、2016年工作回顾" in cite.heading
    # The extractive answer passes the same check as a model's: every figure, the provenance's
    # years included, stands in the cited paragraph, its headings or what it speaks about.
    assert answer.verification is not None and answer.verification.ok


def test_a_target_comes_from_that_years_report(kb: KnowledgeBase) -> None:
    answer = kb.ask("2016年城镇新增就业的预期目标是多少?")
    assert answer.text.startswith("1000万人以上。依据：据《2016年政府工作报告》（2016年的目标）：")
    # No word for target or result: what happened, from the next year's review.
    result = kb.ask("2016年城镇新增就业多少人？")
    assert result.text.startswith("1314万人。依据：据《2017年政府工作报告》（回顾2016年）：")


def test_growth_asked_in_other_words_than_the_report_uses(kb: KnowledgeBase) -> None:
    # "经济增长" for the report's 国内生产总值增长: the growth word carries the question.
    answer = kb.ask("2016年经济增长的目标定为多少?")
    assert answer.text.startswith("6.5%－7%。依据：据《2016年政府工作报告》（2016年的目标）：")


def test_restricted_to_one_report_the_question_gets_that_reports_figure(kb: KnowledgeBase) -> None:
    answer = kb.ask("2016年GDP实际增长多少?", where=SearchFilter(docs=frozenset({"2016年政府工作报告"})))
    assert answer.text.startswith("6.5%－7%。")  # the 2016 report has only the target
    assert {c.doc_id for c in answer.citations} == {"2016年政府工作报告"}


def test_no_report_for_that_year_or_place_is_said_plainly(kb: KnowledgeBase) -> None:
    guangdong = kb.ask("广东省2016年地区生产总值是多少?")
    assert guangdong.refused
    assert guangdong.text.startswith(
        "知识库中没有广东省2016年的政府工作报告（现有：2025年广东省政府工作报告）。"
    )
    later = kb.ask("2017年城镇新增就业实际完成了多少？")
    assert later.refused and later.text.startswith("知识库中只有2017年的目标，没有回顾2017年实际情况的报告")
    fujian = kb.ask("福建省2025年城镇新增就业目标是多少？")
    assert fujian.refused and fujian.text.startswith("知识库中没有福建省的报告。")
    city = kb.ask("厦门2024年地区生产总值是多少？")  # a city named without its level
    assert city.refused and city.text.startswith("知识库中没有厦门的报告。")


def test_whose_figure(kb: KnowledgeBase) -> None:
    answer = kb.ask("广东省2025年城镇新增就业的目标是多少？")
    assert answer.text.startswith("110万人以上。")
    assert {c.doc_id for c in answer.citations} == {"2025年广东省政府工作报告"}


def test_a_figure_about_another_indicator_of_the_same_kind_is_no_answer(kb: KnowledgeBase) -> None:
    # The Guangdong report gives the output of new-energy cars and robots, not of grain.
    answer = kb.ask("广东省2024年粮食产量是多少？")
    assert not answer.text.startswith(("43%", "44%"))


def test_a_follow_up_keeps_the_question_and_changes_the_year(kb: KnowledgeBase) -> None:
    first = kb.ask("2015年城镇新增就业多少人？")
    # 1312万 that year, not the five-year total the same review gives (超过6400万人).
    assert first.text.startswith("1312万人。依据：据《2016年政府工作报告》（回顾2015年）")
    answer = kb.ask("那2016年呢？", history=[Turn("2015年城镇新增就业多少人？")])
    assert answer.searched == "2016年城镇新增就业多少人？"
    assert answer.text.startswith("1314万人。")


# --- a figure per year: tables (rag.figures.series) --------------------------------------------


def test_a_target_per_year_each_from_that_years_report(kb: KnowledgeBase) -> None:
    answer = kb.ask("2015年至2017年城镇新增就业目标分别是多少?")
    assert answer.table is not None and not answer.refused
    rows = {r.key: r for r in answer.table.rows}
    assert [r.key for r in answer.table.rows] == ["2015年", "2016年", "2017年"]
    assert (rows["2016年"].shown, rows["2016年"].doc) == ("1000万人以上", "2016年政府工作报告")
    assert (rows["2017年"].shown, rows["2017年"].doc) == ("1100万人以上", "2017年政府工作报告")
    # The 2015 report is not loaded; the 2016 report only reviews 2015: no 2015 target.
    assert rows["2015年"].cell is None
    assert rows["2015年"].missing.startswith("知识库中只有2015年的实际情况")
    assert answer.text.startswith("从2016年的1000万人以上[1]增加到2017年的1100万人以上[2]。")
    assert answer.verification is not None and answer.verification.ok
    by_n = {c.n: c for c in answer.citations}
    assert by_n[rows["2017年"].citation].doc_id == "2017年政府工作报告"


def test_a_result_per_year_comes_from_the_following_years_review(kb: KnowledgeBase) -> None:
    answer = kb.ask("2014年到2016年国内生产总值实际增长了多少?")
    assert answer.table is not None
    shown = [(r.key, r.shown, r.doc) for r in answer.table.rows]
    assert shown[1:] == [("2015年", "6.9%", "2016年政府工作报告"), ("2016年", "6.7%", "2017年政府工作报告")]
    assert shown[0][1] == "—"  # no 2015 report reviews 2014: never a guess
    json_rows = answer.to_json()["table"]
    assert json_rows[2] | {"citation": 0} == {
        "key": "2016年",
        "year": 2016,
        "region": None,
        "doc": "2017年政府工作报告",
        "value": 6.7,
        "high": None,
        "unit": "%",
        "qualifier": "",
        "text": "6.7%",
        "citation": 0,
        "missing": None,
        "aspect": "result",
    }


def test_a_national_series_is_not_continued_by_a_province(kb: KnowledgeBase) -> None:
    # The national reports cover 2016-2017; Guangdong's 2025 report has a 2025 target too.
    answer = kb.ask("2016年以来城镇新增就业目标分别是多少？")
    assert answer.table is not None
    assert [(r.key, r.shown) for r in answer.table.rows] == [
        ("2016年", "1000万人以上"),
        ("2017年", "1100万人以上"),
    ]


def test_a_table_is_not_handed_to_a_model(reports_settings: Settings) -> None:
    from rag.generation.llm import OpenAIChat
    from tests.llm_server import FakeLLMServer, Reply

    with FakeLLMServer(lambda body: Reply("2016年：2000万人[1]")) as server:
        kb = KnowledgeBase(reports_settings, chat=OpenAIChat(server.base_url, "fake", timeout=2))
        answer = kb.ask("2016年和2017年城镇新增就业目标分别是多少？")
        assert server.requests == []
    assert answer.answerer == "extractive" and answer.table is not None
    assert [r.shown for r in answer.table.rows] == ["1000万人以上", "1100万人以上"]
