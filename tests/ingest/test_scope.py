"""Time scopes: which years a paragraph speaks about, as results or targets."""

from __future__ import annotations

from ingest.records import Aspect, DocKind, DocumentMeta, Paragraph
from ingest.scope import five_year_plan, paragraph_scope, sentence_scope

R, T, P, M = Aspect.RESULT, Aspect.TARGET, Aspect.PERIOD, Aspect.MENTION
GWR_2017 = DocumentMeta("2017年政府工作报告", 2017, "国务院", "全国", DocKind.GOVERNMENT_WORK_REPORT)
GWR_2018 = DocumentMeta("2018年政府工作报告", 2018, "国务院", "全国", DocKind.GOVERNMENT_WORK_REPORT)
SUMMARY = DocumentMeta("某区委组织部2021年工作总结", 2021, "某区委组织部", "某区", DocKind.ANNUAL_SUMMARY)


def _scope(meta: DocumentMeta, text: str, *headings: str) -> dict[int, Aspect]:
    paragraph = Paragraph("d#1", "d", meta.title, 1, text, heading_path=headings)
    return dict(paragraph_scope(meta, paragraph).years)


def test_a_government_work_report_reviews_the_year_before_and_plans_its_own() -> None:
    assert _scope(GWR_2017, "国内生产总值达到74.4万亿元，增长6.7%。", "一、2016年工作回顾") == {2016: R}
    assert _scope(GWR_2017, "过去一年，我国发展面临诸多矛盾叠加。") == {2016: R}
    assert _scope(GWR_2017, "国内生产总值增长6.5%左右。", "二、2017年工作总体部署") == {2017: T}
    assert _scope(GWR_2017, "今年发展的主要预期目标是：国内生产总值增长6.5%左右。") == {2017: T}
    # Sections without a telling title are about the work of the report's year.
    assert _scope(GWR_2017, "深入推进简政放权。", "四、深化改革") == {2017: T}


def test_a_five_year_review_and_a_five_year_plan() -> None:
    review = _scope(GWR_2018, "国内生产总值从54万亿元增加到82.7万亿元。", "一、过去五年工作回顾")
    assert review == {2013: P, 2014: P, 2015: P, 2016: P, 2017: P}
    named = _scope(GWR_2018, "刚刚过去的2017年，国内生产总值增长6.9%。", "一、过去五年工作回顾")
    assert named[2017] == R
    assert five_year_plan("“十三五”时期主要目标任务") == (2016, 2017, 2018, 2019, 2020)
    assert five_year_plan("十四五规划") == (2021, 2022, 2023, 2024, 2025)


def test_years_named_in_the_text_are_read_with_their_words() -> None:
    scope = _scope(GWR_2017, "到2020年国内生产总值比2010年翻一番。", "二、2017年工作总体部署")
    assert scope[2020] == T
    assert scope[2017] == T
    assert _scope(GWR_2017, "二○三五年基本实现现代化。")[2035] == M


def test_an_annual_summary_describes_its_own_year_and_plans_the_next() -> None:
    assert _scope(SUMMARY, "培训党员干部40822人次。", "政治建设卷") == {2021: R}
    assert _scope(SUMMARY, "抓好班子建设。", "下一步工作打算") == {2022: T}


def test_an_undated_document_knows_only_the_years_it_names() -> None:
    undated = DocumentMeta("会议纪要")
    assert _scope(undated, "会议研究了工作。") == {}
    assert _scope(undated, "2019年完成了换届。") == {2019: R}


def test_a_sentence_naming_its_year_overrides_its_paragraph() -> None:
    text = "今年赤字率拟按2.6%安排。2016年实际增长6.7%。"
    paragraph = Paragraph("d#1", "d", "t", 1, text, heading_path=("二、2017年工作总体部署",))
    paragraph = Paragraph(**{**paragraph.__dict__, "scope": paragraph_scope(GWR_2017, paragraph)})
    assert dict(sentence_scope(paragraph, 0, 13).years) == {2017: T}
    assert dict(sentence_scope(paragraph, 14, len(text)).years) == {2016: R}


def test_a_horizon_named_in_a_review_is_no_year_it_reports() -> None:
    text = "部署启动面向2040年的重点项目。技术合同成交额超过50亿元。"
    paragraph = Paragraph("d#1", "d", "t", 1, text, heading_path=("一、2016年工作回顾",))
    paragraph = Paragraph(**{**paragraph.__dict__, "scope": paragraph_scope(GWR_2017, paragraph)})
    assert dict(paragraph.scope.years) == {2016: R, 2040: M}
    # The figure after it is still 2016's, not 2040's.
    after = dict(sentence_scope(paragraph, text.index("技术"), len(text)).years)
    assert after[2016] == R and after.get(2040) in (None, M)
