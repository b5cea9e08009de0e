"""Question constraints (years, results or targets, places, reports) and their resolution."""

from __future__ import annotations

import pytest

from ingest.records import Aspect, DocKind, DocumentMeta, Paragraph
from ingest.scope import paragraph_scope
from rag.constraints import find_places, read_question, resolve, time_fit, without_constraints
from rag.retrieve import EVERYTHING, SearchFilter

REGIONS = ["全国", "广东省", "綦江区"]


@pytest.mark.parametrize(
    ("question", "years", "aspect", "lean"),
    [
        ("2016年全国国内生产总值实际增长了多少？", (2016,), Aspect.RESULT, Aspect.RESULT),
        ("2016年定的经济增长预期目标是多少？", (2016,), Aspect.TARGET, Aspect.TARGET),
        ("2019年高职院校要扩招多少人？", (2019,), None, Aspect.TARGET),
        ("2015年服务业增加值占比是多少？", (2015,), None, Aspect.RESULT),
        ("二〇一八年人均预期寿命达到多少岁？", (2018,), None, Aspect.RESULT),  # a term, not a plan
        ("2017年城镇新增就业预期目标比2016年多了多少？", (2017,), Aspect.TARGET, Aspect.TARGET),
        ("2014年到2017年GDP增长多少？", (2014, 2017, 2015, 2016), None, Aspect.RESULT),
    ],
)
def test_years_and_what_is_asked_of_them(
    question: str, years: tuple[int, ...], aspect: Aspect | None, lean: Aspect
) -> None:
    asked = read_question(question, REGIONS)
    assert (asked.years, asked.aspect, asked.lean) == (years, aspect, lean)


def test_a_named_report_is_no_data_year() -> None:
    asked = read_question("按2018年政府工作报告，五年来高速铁路运营里程增加到了多少？", REGIONS)
    assert asked.years == ()
    assert asked.report is not None
    assert (asked.report.year, asked.report.kind) == (2018, DocKind.GOVERNMENT_WORK_REPORT)
    congress = read_question("十九大报告中，贫困发生率降到了多少？").report
    assert congress is not None and (congress.kind, congress.words) == (DocKind.CONGRESS_REPORT, "十九大")
    assert read_question("谁的报告指出幼蛇七月出现？").report is None  # the report is what is asked


def test_places_by_full_or_short_name_and_the_subject_before_a_comparison() -> None:
    assert [f for f, _s, _e in find_places("广东2024年PM2.5浓度", REGIONS)] == ["广东省"]
    assert [f for f, _s, _e in find_places("深圳市2025年目标", REGIONS)] == ["深圳市"]
    assert [f for f, _s, _e in find_places("重庆市綦江区2025年目标", REGIONS)] == ["重庆市", "綦江区"]
    assert read_question("四川2024年经济增速比全国高多少？", REGIONS).regions == ("四川省",)
    assert read_question("2016年我国GDP增长多少？", REGIONS).regions == ("全国",)


def test_constraints_enforced_by_a_filter_leave_the_words_to_match() -> None:
    asked = read_question("广东省2024年粮食产量是多少？", REGIONS)
    assert (
        without_constraints("广东省2024年粮食产量是多少？", asked, {"years", "regions"}) == "粮食产量是多少？"
    )
    assert without_constraints("广东省2024年粮食产量是多少？", asked, set()) == "广东省2024年粮食产量是多少？"


# A small knowledge base: two national reports and one provincial report.
NATIONAL_2016 = DocumentMeta("2016年政府工作报告", 2016, "国务院", "全国", DocKind.GOVERNMENT_WORK_REPORT)
NATIONAL_2017 = DocumentMeta("2017年政府工作报告", 2017, "国务院", "全国", DocKind.GOVERNMENT_WORK_REPORT)
GUANGDONG = DocumentMeta(
    "2025年广东省政府工作报告", 2025, "广东省人民政府", "广东省", DocKind.GOVERNMENT_WORK_REPORT
)
METAS = {"n2016": NATIONAL_2016, "n2017": NATIONAL_2017, "gd": GUANGDONG}


def _paragraph(doc: str, n: int, text: str, heading: str) -> Paragraph:
    p = Paragraph(f"{doc}#{n}", doc, METAS[doc].title, n, text, heading_path=(heading,), meta=METAS[doc])
    return Paragraph(**{**p.__dict__, "scope": paragraph_scope(METAS[doc], p)})


PARAGRAPHS = {
    p.paragraph_id: p
    for p in (
        _paragraph("n2016", 1, "国内生产总值增长6.9%。", "一、2015年工作回顾"),
        _paragraph("n2016", 2, "国内生产总值增长6.5%－7%。", "二、2016年工作总体部署"),
        _paragraph("n2017", 1, "国内生产总值增长6.7%。", "一、2016年工作回顾"),
        _paragraph("n2017", 2, "国内生产总值增长6.5%左右。", "二、2017年工作总体部署"),
        _paragraph("gd", 1, "地区生产总值增长3.5%。", "一、2024年工作回顾"),
        _paragraph("gd", 2, "地区生产总值增长5%左右。北京市、上海市携手合作。", "二、2025年工作安排"),
    )
}


def _resolve(question: str, chosen: SearchFilter = EVERYTHING):  # type: ignore[no-untyped-def]
    return resolve(read_question(question, {m.region for m in METAS.values()}), METAS, PARAGRAPHS, chosen)


def test_a_result_comes_from_the_next_years_review_a_target_from_its_own_report() -> None:
    result = _resolve("2016年国内生产总值实际增长了多少？")
    assert result.missing == "" and result.where.paragraphs == {"n2017#1"}
    target = _resolve("2016年国内生产总值增长目标是多少？")
    assert target.where.paragraphs == {"n2016#2"}
    either = _resolve("2016年国内生产总值增长多少？")  # no plain word: both may answer, ranked by fit
    assert either.where.paragraphs == {"n2016#2", "n2017#1"}


def test_a_year_no_report_covers_is_said_so() -> None:
    assert _resolve("2017年国内生产总值实际增长了多少？").missing == (
        "知识库中只有2017年的目标，没有回顾2017年实际情况的报告（应在2018年的政府工作报告中）。"
    )
    assert _resolve("2012年国内生产总值增长多少？").missing.startswith(
        "知识库中没有2012年的政府工作报告（现有："
    )


def test_whose_figures() -> None:
    assert _resolve("广东省2024年地区生产总值增长多少？").where.paragraphs == {"gd#1"}
    assert _resolve("广东省2016年地区生产总值是多少？").missing.startswith(
        "知识库中没有广东省2016年的政府工作报告"
    )
    assert _resolve("山东省2025年地区生产总值增长目标是多少？").missing == "知识库中没有山东省的报告。"
    # A place without its own report: only paragraphs that name it.
    beijing = _resolve("北京市2025年有什么合作？")
    assert beijing.missing == "" and beijing.mentions == ("北京",) and beijing.where.paragraphs == {"gd#2"}


def test_a_named_report() -> None:
    assert _resolve("2017年政府工作报告安排的增长目标是多少？").where.docs == {"n2017"}
    assert _resolve("2013年政府工作报告提出的目标是多少？").missing == "知识库中没有《2013年政府工作报告》。"


def test_reports_chosen_by_the_user_are_searched_whatever_the_year() -> None:
    chosen = SearchFilter(docs=frozenset({"n2016"}))
    resolution = _resolve("2016年国内生产总值实际增长了多少？", chosen)
    assert resolution.missing == ""
    assert resolution.where.docs == {"n2016"} and resolution.where.paragraphs is None


def test_time_fit_prefers_the_year_as_asked() -> None:
    asked = read_question("2016年国内生产总值实际增长了多少？")
    assert time_fit(asked, PARAGRAPHS["n2017#1"].scope) > time_fit(asked, PARAGRAPHS["n2016#2"].scope)
    assert time_fit(asked, PARAGRAPHS["n2016#1"].scope) < 0  # another year
