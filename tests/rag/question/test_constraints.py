"""Question constraints (years, results or targets, places, reports) and their resolution."""

from __future__ import annotations

import pytest

from ingest.records import Aspect, DocKind, DocumentMeta, Paragraph
from ingest.scope import paragraph_scope
from rag.evidence.retrieve import EVERYTHING, SearchFilter
from rag.question.constraints import find_places, read_question, time_fit, without_constraints
from rag.question.resolution import resolve

REGIONS = ["全国", "广东省", "綦江区"]


@pytest.mark.parametrize(
    ("question", "years", "aspect", "lean"),
    [
        ("2015年粮食产量实际达到多少？", (2015,), Aspect.RESULT, Aspect.RESULT),
        ("2020年粮食产量的预期目标是多少？", (2020,), Aspect.TARGET, Aspect.TARGET),
        ("2021年计划新建多少所学校？", (2021,), Aspect.TARGET, Aspect.TARGET),
        ("2022年要新增多少个养老床位？", (2022,), None, Aspect.TARGET),
        ("2013年新建保障房多少套？", (2013,), None, None),  # no cue: leaning RESULT
        ("二〇一八年人均预期寿命达到多少岁？", (2018,), None, None),  # 预期 inside a noun
        ("2019年棚改目标比2018年多了多少？", (2019,), Aspect.TARGET, Aspect.TARGET),  # 2018: a base year
        ("2014年到2017年粮食产量分别是多少？", (2014, 2017, 2015, 2016), None, None),
        ("2031年赤字安排了多少？跟2030年比多了多少？", (2031,), Aspect.TARGET, Aspect.TARGET),  # a base year
        # A five-year plan's period named as a time: its years.
        ("“十四五”期间城镇新增就业多少人？", (2021, 2022, 2023, 2024, 2025), None, None),
        ("十三五时期粮食产量年均多少？", (2016, 2017, 2018, 2019, 2020), None, None),
        ("“十三五”那五年一共新建了多少所学校？", (2016, 2017, 2018, 2019, 2020), None, None),
        ("“十四五”规划提出了哪些目标？", (), Aspect.TARGET, Aspect.TARGET),  # the plan, not a time
        # A year gone by, said relative to now: what happened then; not when compared with, or
        # when a plan is asked.
        ("某区去年新建了多少公里城市绿道？", (), Aspect.RESULT, Aspect.RESULT),
        ("上一年养老金发放了多少亿元？", (), Aspect.RESULT, Aspect.RESULT),
        ("今年比去年多建多少公里绿道？", (), None, None),
        ("某区去年提出要新建多少公里绿道？", (), None, Aspect.TARGET),
        ("去年的绿道建设目标是多少公里？", (), Aspect.TARGET, Aspect.TARGET),
        # Now: the level reached so far, not a plan; unless a plan is asked.
        ("某区城市绿道现在到多少公里了？", (), Aspect.RESULT, Aspect.RESULT),
        ("目前全区有多少名网格员？", (), Aspect.RESULT, Aspect.RESULT),
        ("现在的绿道建设目标是多少公里？", (), Aspect.TARGET, Aspect.TARGET),
    ],
)
def test_years_and_what_is_asked_of_them(
    question: str, years: tuple[int, ...], aspect: Aspect | None, lean: Aspect | None
) -> None:
    asked = read_question(question, REGIONS)
    assert (asked.years, asked.aspect, asked.lean) == (years, aspect, lean)
    assert asked.leaning is (aspect or lean or Aspect.RESULT)


def test_a_named_report_is_no_data_year() -> None:
    asked = read_question("据2016年政府工作报告，高速公路通车里程是多少？", REGIONS)
    assert asked.years == ()
    assert asked.report is not None
    assert (asked.report.year, asked.report.kind) == (2016, DocKind.GOVERNMENT_WORK_REPORT)
    congress = read_question("十八大报告中，城镇化率是多少？").report
    assert congress is not None and (congress.kind, congress.words) == (DocKind.CONGRESS_REPORT, "十八大")
    # Not report names: what is asked, the report at hand, a verb.
    for question in (
        "谁的报告指出幼蛇七月出现？",
        "这份报告提出的主要目标是什么？",
        "请总结2016年的工作成效",
    ):
        assert read_question(question).report is None, question


def test_places_by_full_or_short_name_and_the_subject_before_a_comparison() -> None:
    assert [f for f, _s, _e in find_places("广东2024年PM2.5浓度", REGIONS)] == ["广东省"]
    assert [f for f, _s, _e in find_places("深圳市2025年目标", REGIONS)] == ["深圳市"]
    assert [f for f, _s, _e in find_places("重庆市綦江区2025年目标", REGIONS)] == ["重庆市", "綦江区"]
    assert read_question("湖南2023年粮食产量比全国高多少？", REGIONS).regions == ("湖南省",)
    assert read_question("2016年我国粮食产量是多少？", REGIONS).regions == ("全国",)
    # A city pointed at ("那个…") is the subject too, named without its level.
    assert read_question("宜昌那个新建的港口，2031年吞吐量多少？", REGIONS).regions == ("宜昌",)


def test_the_country_named_as_the_subject_is_the_whole_country() -> None:
    """The national reports are the country's: "中国…" asks for their figure, not for what
    other reports say about a place called 中国."""
    for question in (
        "中国2030年的碳排放目标是什么？",
        "请问中国2020年粮食产量？",
        "中华人民共和国的人口有多少？",
    ):
        assert read_question(question, REGIONS).regions == ("全国",), question
    # Inside a name the country is no place asked about.
    assert read_question("中国特色社会主义有哪些特点？", REGIONS).regions == ()


def test_constraints_enforced_by_a_filter_leave_the_words_to_match() -> None:
    asked = read_question("广东省2024年粮食产量是多少？", REGIONS)
    assert (
        without_constraints("广东省2024年粮食产量是多少？", asked, {"years", "regions"}) == "粮食产量是多少？"
    )
    assert without_constraints("广东省2024年粮食产量是多少？", asked, set()) == "广东省2024年粮食产量是多少？"
    # The time of the year goes with its year: no paragraph has to say 年底.
    # (Not 全年: reports write it with a year's results, "全年新增就业…", and it helps find them.)
    for said in ("2031年底", "2031年年底", "2031年末"):
        question = f"{said}某区城市绿道有多少公里？"
        asked = read_question(question, REGIONS)
        assert without_constraints(question, asked, {"years"}) == "某区城市绿道有多少公里？"
    early = "2031年初步建成多少公里城市绿道？"
    assert (
        without_constraints(early, read_question(early, REGIONS), {"years"}) == "初步建成多少公里城市绿道？"
    )


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
        _paragraph("n2016", 1, "居民消费价格上涨1.4%。", "一、2015年工作回顾"),
        _paragraph("n2016", 2, "居民消费价格涨幅3%左右。", "二、2016年工作总体部署"),
        _paragraph("n2017", 1, "居民消费价格上涨2%。", "一、2016年工作回顾"),
        _paragraph("n2017", 2, "居民消费价格涨幅3%左右。", "二、2017年工作总体部署"),
        _paragraph("gd", 1, "居民消费价格上涨0.1%。", "一、2024年工作回顾"),
        _paragraph("gd", 2, "居民消费价格涨幅2%左右。北京市、上海市携手合作。", "二、2025年工作安排"),
    )
}


def _resolve(question: str, chosen: SearchFilter = EVERYTHING):  # type: ignore[no-untyped-def]
    return resolve(read_question(question, {m.region for m in METAS.values()}), METAS, PARAGRAPHS, chosen)


def test_a_result_comes_from_the_next_years_review_a_target_from_its_own_report() -> None:
    result = _resolve("2016年居民消费价格实际上涨了多少？")
    assert result.missing == "" and result.where.paragraphs == {"n2017#1"}
    target = _resolve("2016年物价涨幅的目标是多少？")
    assert target.where.paragraphs == {"n2016#2"}
    either = _resolve("2016年居民消费价格上涨多少？")  # no plain word: the result first, then the target
    assert either.where.paragraphs == {"n2016#2", "n2017#1"}
    assert either.preferred is not None and either.preferred.paragraphs == {"n2017#1"}


def test_a_year_no_report_covers_is_said_so() -> None:
    assert _resolve("2017年居民消费价格实际上涨了多少？").missing == (
        "知识库中只有2017年的目标，没有回顾2017年实际情况的报告（应在2018年的政府工作报告中）。"
    )
    assert _resolve("2012年物价上涨多少？").missing.startswith("知识库中没有2012年的政府工作报告（现有：")


def test_whose_figures() -> None:
    assert _resolve("广东省2024年居民消费价格上涨多少？").where.paragraphs == {"gd#1"}
    assert _resolve("广东省2016年物价涨幅是多少？").missing.startswith(
        "知识库中没有广东省2016年的政府工作报告"
    )
    assert _resolve("福建省2025年物价涨幅的目标是多少？").missing == "知识库中没有福建省的报告。"
    # A city named without its level, where no report names it.
    assert _resolve("厦门2025年物价涨幅的目标是多少？").missing == "知识库中没有厦门的报告。"
    # A place without its own report: only paragraphs that name it.
    beijing = _resolve("北京市2025年有什么合作？")
    assert beijing.missing == "" and beijing.mentions == ("北京",) and beijing.where.paragraphs == {"gd#2"}


def test_a_named_report() -> None:
    assert _resolve("2017年政府工作报告安排的物价目标是多少？").where.docs == {"n2017"}
    assert _resolve("国务院2017年政府工作报告中的物价目标是多少？").where.docs == {"n2017"}  # by its body
    assert _resolve("2013年政府工作报告提出的目标是多少？").missing == "知识库中没有《2013年政府工作报告》。"


def test_reports_chosen_by_the_user_are_searched_whatever_the_year() -> None:
    chosen = SearchFilter(docs=frozenset({"n2016"}))
    resolution = _resolve("2016年居民消费价格实际上涨了多少？", chosen)
    assert resolution.missing == ""
    assert resolution.where.docs == {"n2016"} and resolution.where.paragraphs is None


def test_within_reports_the_user_chose_the_missing_report_is_said_as_such() -> None:
    chosen = SearchFilter(docs=frozenset({"n2016"}))
    missing = _resolve("2013年政府工作报告提出的目标是多少？", chosen).missing
    assert missing == "所选的报告中没有《2013年政府工作报告》。"


def test_time_fit_prefers_the_year_as_asked() -> None:
    asked = read_question("2016年居民消费价格实际上涨了多少？")
    assert time_fit(asked, PARAGRAPHS["n2017#1"].scope) > time_fit(asked, PARAGRAPHS["n2016#2"].scope)
    assert time_fit(asked, PARAGRAPHS["n2016#1"].scope) < 0  # another year


def test_of_no_year_and_no_plan_asked_the_review_comes_before_the_plan() -> None:
    from rag.question.constraints import plan_unasked

    plain = read_question("居民消费价格上涨了多少？")
    review, plan = PARAGRAPHS["n2017#1"].scope, PARAGRAPHS["n2017#2"].scope
    assert plan_unasked(plain, review) == 0.0 and plan_unasked(plain, plan) < 0
    # A plan asked, a year or a report named is left to the rules for them.
    for question in (
        "居民消费价格涨幅的目标是多少？",
        "2017年居民消费价格涨幅是多少？",
        "2017年政府工作报告里居民消费价格涨幅是多少？",
    ):
        assert plan_unasked(read_question(question), plan) == 0.0, question


def test_a_years_target_is_looked_for_first_in_that_years_report() -> None:
    plan = _paragraph(
        "n2016", 3, "“十三五”时期居民消费价格涨幅保持在3%以内。", "三、“十三五”时期主要目标任务"
    )
    assert {a for y, a in plan.scope.years if y == 2017} == {Aspect.TARGET}  # a five-year plan's year
    paragraphs = {**PARAGRAPHS, plan.paragraph_id: plan}
    asked = read_question("2017年物价涨幅的目标是多少？", {m.region for m in METAS.values()})
    resolution = resolve(asked, METAS, paragraphs, EVERYTHING)
    assert resolution.where.paragraphs == {"n2016#3", "n2017#2"}  # the plan may still answer
    assert resolution.preferred is not None and resolution.preferred.paragraphs == {"n2017#2"}


def test_a_year_compared_with_is_no_year_asked() -> None:
    assert read_question("2031年的赤字率和2030年预算相比高了多少？").years == (2031,)
    assert read_question("与2030年相比，2031年赤字率高了多少？").years == (2031,)
    assert read_question("2030年和2031年的赤字率各是多少？").years == (2030, 2031)


def test_a_plans_period_is_a_time_only_when_a_figure_is_asked() -> None:
    assert read_question("“十四五”期间城镇新增就业多少人？").years == (2021, 2022, 2023, 2024, 2025)
    # Asked about the plan's aims, the name is the topic (its section's heading carries it).
    assert read_question("“十四五”时期为什么要推进结构性改革？").years == ()


def test_a_report_named_after_a_verb() -> None:
    from rag.question.constraints import find_report

    cited = find_report("帮我查查政府工作报告，2031年新增就业多少？")
    assert cited is not None and cited.text == "政府工作报告" and cited.words == ""
    checked = find_report("请对照2031年政府工作报告说明")
    assert checked is not None and checked.year == 2031 and checked.text == "2031年政府工作报告"
    # A verb inside the name (jieba reads 组工 as one) keeps the whole name.
    own = find_report("这份某区组工答卷的报道", ["某区"])
    assert own is not None and own.text == "这份某区组工答卷"
    # A pointer after the year points at the report; the body's name is what must match.
    pointed = find_report("2031年那份某区政府工作报告里，绿道有多长？")
    assert pointed is not None and (pointed.year, pointed.words) == (2031, "某区")


def test_what_the_user_wants_is_no_plan() -> None:
    assert read_question("2031年物价涨了多少？我要当年的数字").lean is None
    assert read_question("2031年物价要控制在多少？").lean is Aspect.TARGET


def test_a_report_dated_relative_to_now_is_named_by_its_place() -> None:
    from rag.question.constraints import find_report

    named = find_report("某区今年的工作要点里绿道有多长？", ["某区"])
    assert named is not None and (named.region, named.words, named.year) == ("某区", "", None)


def test_what_happened_said_with_no_year_looks_at_reviews_first() -> None:
    # "去年" asks what happened: the reviews' paragraphs first, the plans' after them.
    last_year = _resolve("广东省去年居民消费价格涨幅有多大？")
    assert last_year.preferred is not None and last_year.preferred.paragraphs == {"gd#1"}
    assert last_year.where.paragraphs is None
    # Nothing said about the time: no preference.
    assert _resolve("广东省居民消费价格涨幅有多大？").preferred is None
