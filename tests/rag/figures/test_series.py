"""Cross-year questions read into rows, and the table records: no model, no index."""

from __future__ import annotations

import csv

import pytest

from ingest.records import Aspect, Paragraph, TimeScope
from rag.answer_types import Answer, Citation
from rag.figures.series import SeriesAsk, covered_years, read_series, tabulate, verify_table
from rag.figures.table import Row, read_cell, summarize


@pytest.mark.parametrize(
    ("question", "years", "row"),
    [
        ("2010年到2013年粮食产量目标分别是多少？", (2010, 2011, 2012, 2013), "2010年粮食产量目标是多少？"),
        ("2010至2012年财政收入实际增长多少?", (2010, 2011, 2012), "2010年财政收入实际增长多少？"),
        ("2011—2013年各年的研发投入分别是多少", (2011, 2012, 2013), "2011年的研发投入是多少？"),
        ("2012年和2014年的棉花产量各是多少？", (2012, 2014), "2012年的棉花产量是多少？"),
        ("2009、2010、2011三年的外贸增速目标是多少?", (2009, 2010, 2011), "2009年的外贸增速目标是多少？"),
        # "各有": each row has its own figure, asked plainly.
        ("2031到2033年某区新建的绿道各有多少公里？", (2031, 2032, 2033), "2031年某区新建的绿道有多少公里？"),
    ],
)
def test_years_stated(question: str, years: tuple[int, ...], row: str) -> None:
    ask = read_series(question)
    assert ask is not None and ask.by == "year"
    assert ask.years == years
    assert ask.row_question(str(years[0])) == row
    assert ask.keys() == [str(y) for y in years]


def test_a_comparison_asks_both_years_and_drops_the_comparison() -> None:
    ask = read_series("2012年的财政赤字率比2011年高还是低？")
    assert ask is not None and ask.compare
    assert ask.years == (2011, 2012)
    assert ask.row_question("2011") == "2011年的财政赤字率是多少？"
    ask = read_series("2013年新增贷款比2012年多了多少?")
    assert ask is not None and ask.years == (2012, 2013)
    # Each year asked, then one against the other in a sentence of its own.
    ask = read_series("2031年和2032年城市绿道各是多少公里？2032年比2031年增长了多少？")
    assert ask is not None and ask.compare and ask.years == (2031, 2032)
    assert ask.row_question("2031") == "2031年城市绿道是多少公里？"
    # A mean named as an indicator is each row's own figure, not an average over the rows.
    ask = read_series("2031年和2032年某区城区平均房价各是多少？")
    assert ask is not None and ask.years == (2031, 2032)
    assert read_series("2031年到2033年城市绿道平均每年新建多少公里？") is None


def test_spans_relative_to_what_the_reports_cover() -> None:
    recent = read_series("近三年居民收入增长目标分别是多少？")
    assert recent is not None and recent.recent == 3
    assert recent.keys([2008, 2009, 2010, 2011]) == ["2009", "2010", "2011"]
    assert recent.row_question("2009") == "2009年居民收入增长目标是多少？"
    since = read_series("2009年以来用电量目标是怎么变化的？")
    assert since is not None and since.since == 2009
    assert since.keys([2007, 2008, 2009, 2010, 2011]) == ["2009", "2010", "2011"]
    assert since.row_question("2010") == "2010年用电量目标是多少？"
    every = read_series("历年植树造林面积")
    assert every is not None and every.every
    assert every.keys([2005, 2007]) == ["2005", "2006", "2007"]  # a year between is a row too
    assert every.row_question("2006") == "2006年植树造林面积是多少？"
    assert recent.keys([]) == []  # nothing covered: no rows


def test_places_listed() -> None:
    ask = read_series("2020年山东、河南和河北的粮食产量目标分别是多少？")
    assert ask is not None and ask.by == "region"
    assert ask.places == ("山东", "河南", "河北")
    assert ask.row_question("河南") == "2020年河南的粮食产量目标是多少？"


@pytest.mark.parametrize(
    "question",
    [
        "2011年粮食产量是多少？",  # one year
        "2008年到2012年累计新增就业多少人？",  # a total over the span
        "2008年至2012年年均增长多少?",  # an average over the span
        "过去五年农村贫困人口减少了多少？",  # a report's five-year review
        "2010年到2012年的工作有哪些？",  # no figure asked
        "到2020年国内生产总值比2010年翻一番",  # a base year, no question
    ],
)
def test_not_a_table(question: str) -> None:
    assert read_series(question) is None


def test_cells_keep_qualifier_and_range() -> None:
    cell = read_cell("7.5%左右")
    assert cell is not None and (cell.low, cell.high, cell.unit, cell.qualifier) == (7.5, 7.5, "%", "左右")
    span = read_cell("6.5%－7%")
    assert span is not None and span.is_range and (span.low, span.high, span.qualifier) == (6.5, 7.0, "")
    count = read_cell("1100万人以上")
    assert count is not None and (count.low, count.unit, count.qualifier) == (11_000_000, "人", "以上")
    assert read_cell("没有数字") is None


def _row(key: str, text: str | None, n: int = 1) -> Row:
    cell = read_cell(text) if text else None
    return Row(key, int(key[:4]) if key[:4].isdigit() else None, cell, n if cell else 0, "某报告")


def test_the_summary_holds_only_cell_values() -> None:
    rows = [_row("2010年", "8%左右", 1), _row("2011年", None), _row("2012年", "7.5%左右", 2)]
    assert summarize(rows) == "从2010年的8%左右降到2012年的7.5%左右"
    assert (
        summarize([_row("2010年", "100万人"), _row("2011年", "120万人")])
        == "从2010年的100万人增加到2011年的120万人"
    )
    assert summarize([_row("2010年", "3%左右"), _row("2011年", "3%左右")]) == "2010年至2011年均为3%左右"
    assert summarize([_row("2010年", "3%"), _row("2011年", "5亿元")]) == ""  # no common unit
    places = [_row("甲省", "5%左右"), _row("乙省", "6%以上"), _row("丙省", "5.5%")]
    assert summarize(places, by="region") == "最高为乙省的6%以上，最低为甲省的5%左右"


def _paragraph(pid: str, text: str, years: tuple[tuple[int, Aspect], ...]) -> Paragraph:
    doc = pid.split("#")[0]
    return Paragraph(pid, doc, doc, 1, text, scope=TimeScope(years))


def _answer(question: str, lead: str, paragraph: Paragraph, sentence: str) -> Answer:
    cite = Citation(1, paragraph.paragraph_id, paragraph.doc_title, "", paragraph.text, sentence)
    text = f"{lead}。依据：{sentence}[1]"
    return Answer(question, text, False, [cite], [(paragraph.paragraph_id, 1.0)], confidence=0.8, lead=lead)


def test_a_table_is_the_rows_answers_with_their_citations_renumbered() -> None:
    ask = read_series("2010年到2012年粮食产量目标分别是多少？")
    assert isinstance(ask, SeriesAsk)
    p10 = _paragraph("2010年报告#3", "粮食产量稳定在1万亿斤以上。", ((2010, Aspect.TARGET),))
    p12 = _paragraph("2012年报告#5", "粮食产量1.1万亿斤左右。", ((2012, Aspect.TARGET),))
    missing = Answer(
        "q", "知识库中没有2011年的政府工作报告（现有：2010年报告、2012年报告）。", True, conclusive=True
    )
    rows = [
        ("2010", _answer("q", "1万亿斤以上", p10, "粮食产量稳定在1万亿斤以上")),
        ("2011", missing),
        ("2012", _answer("q", "1.1万亿斤左右", p12, "粮食产量1.1万亿斤左右")),
    ]
    answer = tabulate(ask, rows, top_k=5)
    assert answer.table is not None and not answer.refused
    assert [(r.key, r.shown, r.citation) for r in answer.table.rows] == [
        ("2010年", "1万亿斤以上", 1),
        ("2011年", "—", 0),
        ("2012年", "1.1万亿斤左右", 2),
    ]
    assert answer.table.rows[1].missing == "知识库中没有2011年的政府工作报告"
    assert answer.text.split("\n") == [
        "从2010年的1万亿斤以上[1]增加到2012年的1.1万亿斤左右[2]。",
        "2010年：1万亿斤以上（据《2010年报告》）[1]",
        "2011年：—（知识库中没有2011年的政府工作报告）",
        "2012年：1.1万亿斤左右（据《2012年报告》）[2]",
    ]
    assert [c.n for c in answer.citations] == [1, 2]
    json_rows = answer.to_json()["table"]
    assert json_rows[0] == {
        "key": "2010年",
        "year": 2010,
        "region": None,
        "doc": "2010年报告",
        "value": 1e12,
        "high": None,
        "unit": "斤",
        "qualifier": "以上",
        "text": "1万亿斤以上",
        "citation": 1,
        "missing": None,
        "aspect": None,
    }
    assert json_rows[1]["value"] is None and json_rows[1]["missing"] == "知识库中没有2011年的政府工作报告"
    check = verify_table(answer, {1: p10, 2: p12}, ask.question)
    assert check.ok and len(check.sentences) == 4  # the summary's two runs and the two cited rows
    # A figure the cited paragraph does not hold is caught, in its own line.
    wrong = answer.text.replace("1.1万亿斤左右（", "1.3万亿斤左右（")
    answer.text = wrong
    bad = verify_table(answer, {1: p10, 2: p12}, ask.question)
    assert not bad.ok and "1.3万亿斤" in bad.problems[0]
    table = list(csv.reader(answer.table.to_csv().splitlines()))
    assert table[0] == ["年份", "数值", "类别", "来源", "说明"]
    assert table[2] == ["2011年", "—", "", "", "知识库中没有2011年的政府工作报告"]


def test_every_row_missing_is_a_refusal() -> None:
    ask = read_series("2001年到2002年粮食产量分别是多少？")
    assert ask is not None
    rows = [(str(y), Answer("q", f"知识库中没有{y}年的报告。", True, conclusive=True)) for y in (2001, 2002)]
    answer = tabulate(ask, rows, top_k=5)
    assert answer.refused and answer.conclusive
    assert answer.text == "知识库中没有2001年的报告；知识库中没有2002年的报告。"


def test_covered_years_are_a_reports_own_year_and_the_one_before() -> None:
    scopes = [
        (2016, TimeScope(((2015, Aspect.RESULT), (2016, Aspect.TARGET), (2020, Aspect.TARGET)))),
        (2017, TimeScope(((2016, Aspect.RESULT), (2017, Aspect.TARGET), (2035, Aspect.TARGET)))),
        (None, TimeScope(((1999, Aspect.RESULT),))),
    ]
    assert covered_years(scopes, {Aspect.TARGET}) == [2016, 2017]  # not 2020 or 2035
    assert covered_years(scopes, {Aspect.RESULT}) == [2015, 2016]
    assert covered_years(scopes, {Aspect.RESULT, Aspect.TARGET}) == [2015, 2016, 2017]


def test_targets_and_results_side_by_side_say_which_is_which() -> None:
    ask = read_series("2010年到2011年粮食产量分别是多少？")
    assert ask is not None
    p10 = _paragraph("2010年报告#3", "粮食产量稳定在1万亿斤以上。", ((2010, Aspect.TARGET),))
    p12 = _paragraph("2012年报告#2", "2011年粮食产量1.1万亿斤。", ((2011, Aspect.RESULT),))
    rows = [
        ("2010", _answer("q", "1万亿斤以上", p10, "粮食产量稳定在1万亿斤以上")),
        ("2011", _answer("q", "1.1万亿斤", p12, "2011年粮食产量1.1万亿斤")),
    ]
    answer = tabulate(ask, rows, 5, {"2010": Aspect.TARGET, "2011": Aspect.RESULT})
    assert answer.table is not None and answer.table.mixed
    assert answer.table.summary == ""  # a plan against an outcome is no change to report
    assert answer.text.split("\n") == [
        "2010年：1万亿斤以上（目标，据《2010年报告》）[1]",
        "2011年：1.1万亿斤（实际，据《2012年报告》）[2]",
    ]
    assert [r["aspect"] for r in answer.to_json()["table"]] == ["target", "result"]
    same = tabulate(ask, rows, 5, {"2010": Aspect.TARGET, "2011": Aspect.TARGET})
    assert same.text.split("\n")[1] == "2010年：1万亿斤以上（据《2010年报告》）[1]"


def test_a_comparison_closed_by_xiangbi_and_a_listed_pair_with_which_is_more() -> None:
    ask = read_series("2031年的失业率和2030年目标相比高了多少？")
    assert ask is not None and ask.compare and ask.difference
    assert ask.row_question("2030") == "2030年的失业率是多少？"
    pair = read_series("2030年和2031年的专项债券各是多少？哪年多？")
    assert pair is not None and pair.compare and pair.years == (2030, 2031)
    assert pair.row_question("2030") == "2030年的专项债券是多少？"


def test_two_compared_figures_get_their_difference_computed_and_marked() -> None:
    ask = read_series("2031年的专项资金比2030年多了多少？")
    assert ask is not None and ask.compare
    p30 = _paragraph("2030年报告#3", "安排专项资金4500亿元。", ((2030, Aspect.TARGET),))
    p31 = _paragraph("2031年报告#4", "安排专项资金4700亿元。", ((2031, Aspect.TARGET),))
    rows = [
        ("2030", _answer("q", "4500亿元", p30, "安排专项资金4500亿元")),
        ("2031", _answer("q", "4700亿元", p31, "安排专项资金4700亿元")),
    ]
    answer = tabulate(ask, rows, top_k=5)
    summary = "从2030年的4500亿元[1]增加到2031年的4700亿元[2]，相差200亿元（据两处原文计算）。"
    assert answer.text.split("\n")[0] == summary
    # The computed figure stands in no paragraph, and is not checked as if it had to.
    assert verify_table(answer, {1: p30, 2: p31}, ask.question).ok


def test_a_difference_asked_in_a_measure_word_of_things_counted() -> None:
    ask = read_series("某区出台的地方性法规，2031年和2033年各是多少部？2033年比2031年多几部？")
    assert ask is not None and ask.years == (2031, 2033) and ask.compare
    # Each row asks its own year only: the other year named in the comparison is no row's.
    assert ask.row_question("2031") == "某区出台的地方性法规，2031年是多少部？"
    # The measure the difference is asked in is each row's ("多多少人": 是多少人).
    people = read_series("2031年和2032年的志愿者各有多少？2032年比2031年多多少人？")
    assert people is not None and people.row_question("2031") == "2031年的志愿者是多少人？"


def test_a_daily_average_is_each_years_own_figure_and_its_difference_reads_whole() -> None:
    ask = read_series("2031年平均每天新增企业比2030年多了多少户？")
    assert ask is not None and ask.difference and ask.years == (2030, 2031)
    p30 = _paragraph("2030年报告#3", "平均每天新增企业1.2万户。", ((2030, Aspect.RESULT),))
    p31 = _paragraph("2031年报告#4", "平均每天新增企业1.5万户。", ((2031, Aspect.RESULT),))
    rows = [
        ("2030", _answer("q", "1.2万户", p30, "平均每天新增企业1.2万户")),
        ("2031", _answer("q", "1.5万户", p31, "平均每天新增企业1.5万户")),
    ]
    # Less than one 万: "3000户", not "0.3万户".
    assert "相差3000户（据两处原文计算）" in tabulate(ask, rows, top_k=5).text
    # An average over the years themselves is one figure, not a row per year.
    assert read_series("2026年到2030年年均增长多少？") is None


def test_a_difference_stated_alone_leads_after_both_years_figures() -> None:
    from rag.figures.series import with_difference

    ask = read_series("2031年的培训人数目标比2030年多定了多少人？")
    assert ask is not None and ask.compare and ask.difference and ask.years == (2030, 2031)
    p30 = _paragraph("2030年报告#3", "培训人数目标3万人以上。", ((2030, Aspect.TARGET),))
    p31 = _paragraph("2031年报告#4", "培训人数目标3.5万人以上。", ((2031, Aspect.TARGET),))
    p31b = _paragraph("2031年报告#5", "培训人数目标比去年多5000人。", ((2031, Aspect.TARGET),))
    rows = [
        ("2030", _answer("q", "3万人以上", p30, "培训人数目标3万人以上")),
        ("2031", _answer("q", "3.5万人以上", p31, "培训人数目标3.5万人以上")),
    ]
    direct = _answer("q", "5000人", p31b, "培训人数目标比去年多5000人")
    answer = with_difference(direct, tabulate(ask, rows, top_k=5))
    first = answer.text.split("\n")[0]
    assert first == "2030年3万人以上[2]，2031年3.5万人以上[3]，多5000人。依据：培训人数目标比去年多5000人[1]"
    assert verify_table(answer, {1: p31b, 2: p30, 3: p31}, ask.question).ok


def test_a_later_years_level_given_back_is_no_difference() -> None:
    from rag.figures.series import is_a_level

    ask = read_series("某区城市绿道2030年底和2031年底各有多少公里？两年之间多了多少？")
    assert ask is not None and ask.difference and ask.years == (2030, 2031)
    p30 = _paragraph("2031年报告#3", "城市绿道总长达到1.1万公里。", ((2030, Aspect.RESULT),))
    p31 = _paragraph("2032年报告#4", "城市绿道总长达到1.6万公里。", ((2031, Aspect.RESULT),))
    rows = [
        ("2030", _answer("q", "1.1万公里", p30, "城市绿道总长达到1.1万公里")),
        ("2031", _answer("q", "1.6万公里", p31, "城市绿道总长达到1.6万公里")),
    ]
    table = tabulate(ask, rows, top_k=5)
    # A single answer leading with 2031's level does not state the difference; the rows give it.
    assert is_a_level("1.6万公里", table.table)
    assert not is_a_level("5000公里", table.table)
    assert not is_a_level("1.6万公里，比去年增加5000公里", table.table)  # a level and its change
    assert "相差5000公里（据两处原文计算）" in table.text


def test_a_request_for_a_table_is_no_part_of_a_rows_question() -> None:
    for asked in (
        "2030到2033年，每年年底某区城市绿道有多少公里？列个表",
        "2030到2033年某区城市绿道各多少公里，做成表格",
    ):
        ask = read_series(asked)
        assert ask is not None and ask.years == (2030, 2031, 2032, 2033), asked
        assert "表" not in ask.row_question("2031"), asked
    # The time of year said with 每年 is each row's: "2031年年底…".
    ends = read_series("2030到2033年，每年年底某区城市绿道有多少公里？")
    assert ends is not None and ends.row_question("2031").startswith("2031年年底")


def test_which_year_with_a_verb_before_more() -> None:
    # "哪年修得多", "哪年建得多", "哪一年最多": a comparison closing the rows' question.
    for tail in ("哪年修得多？", "哪年建得多？", "哪一年最多？"):
        ask = read_series(f"2030年和2031年某区新开工公租房各多少套？{tail}")
        assert ask is not None and ask.compare and ask.years == (2030, 2031), tail
        assert ask.row_question("2030") == "2030年某区新开工公租房各多少套？"


def test_which_year_a_little_more_and_a_count_after_the_places() -> None:
    pair = read_series("2030年和2031年的公交客运量各是多少？哪一年多一些？")
    assert pair is not None and pair.compare
    assert pair.row_question("2031") == "2031年的公交客运量是多少？"
    places = read_series("甲省、乙省、丙省三个省2030年的粮食播种面积各是多少？", ["甲省", "乙省", "丙省"])
    assert places is not None and places.places == ("甲省", "乙省", "丙省")
    # The count belongs to the list: a row is asked about one place.
    assert places.row_question("乙省") == "乙省2030年的粮食播种面积是多少？"


def test_a_gap_asked_with_its_measure_word_and_a_year_compared_with_gen() -> None:
    pair = read_series("2030年和2031年的粮食产量，哪年多？相差多少吨？")
    assert pair is not None and pair.compare and pair.years == (2030, 2031)
    # Both comparisons that end it are the table's summary; a row asks its figure in the unit.
    assert pair.row_question("2030") == "2030年的粮食产量是多少吨？"
    # The unit of the difference is what each row counts.
    per_day = read_series("2031年平均每天新办的商户比2030年多了多少户？")
    assert per_day is not None and per_day.row_question("2030") == "2030年平均每天新办的商户是多少户？"
    colloquial = read_series("2031年的专项资金跟2030年相比多了多少？")
    assert colloquial is not None and colloquial.difference and colloquial.years == (2030, 2031)


def test_a_stated_change_beside_one_level_leads_after_both_levels() -> None:
    from rag.figures.series import with_difference

    ask = read_series("2031年的专项资金比2030年多拨了多少？两年分别是多少？")
    assert ask is not None and ask.difference
    p30 = _paragraph("2030年报告#3", "安排专项资金4500亿元。", ((2030, Aspect.TARGET),))
    p31 = _paragraph("2031年报告#4", "安排专项资金4700亿元，比去年增加200亿元。", ((2031, Aspect.TARGET),))
    rows = [
        ("2030", _answer("q", "4500亿元", p30, "安排专项资金4500亿元")),
        ("2031", _answer("q", "4700亿元", p31, "安排专项资金4700亿元，比去年增加200亿元")),
    ]
    direct = _answer("q", "4700亿元，比去年增加200亿元", p31, "安排专项资金4700亿元，比去年增加200亿元")
    answer = with_difference(direct, tabulate(ask, rows, top_k=5))
    first = answer.text.split("\n")[0]
    assert first.startswith("2030年4500亿元[2]，2031年4700亿元[1]，比去年增加200亿元。依据：")
    assert verify_table(answer, {1: p31, 2: p30}, ask.question).ok


def test_a_direction_asked_with_le_and_a_rows_clause_after_it() -> None:
    # "…是多了还是少了？这两年各自是多少？": the last clause only asks each row's figure.
    ask = read_series("2032年的公交客运量跟2031年比是多了还是少了？这两年各自是多少？")
    assert ask is not None and ask.compare and ask.years == (2031, 2032)
    assert ask.row_question("2031") == "2031年的公交客运量是多少？"
    rate = read_series("空气优良天数比例2032年比2031年是高了还是低了？")
    assert rate is not None and rate.compare and rate.row_question("2032") == "空气优良天数比例2032年是多少？"


def test_each_rows_own_change_is_not_read_as_the_comparison() -> None:
    # "分别新增了多少" asks every row's increase; "哪一年增得更多，高出多少" compares them.
    ask = read_series("2031年和2032年全区绿地面积分别新增了多少？哪一年增得更多，高出多少？")
    assert ask is not None and ask.compare and ask.years == (2031, 2032)
    assert ask.row_question("2031") == "2031年全区绿地面积新增了多少？"


def test_words_before_a_colon_that_name_no_year_are_the_users_reason() -> None:
    ask = read_series("给领导准备发言稿，想核对一下：2031年和2032年的公交客运量各是多少？")
    assert ask is not None and ask.years == (2031, 2032)
    assert ask.row_question("2032") == "2032年的公交客运量是多少？"


def test_one_of_two_rows_missing_is_a_refusal_that_shows_the_other() -> None:
    ask = read_series("2030年和2031年的公交客运量哪年多？")
    assert ask is not None and ask.compare
    p31 = _paragraph("2032年报告#3", "公交客运量1.2亿人次。", ((2031, Aspect.RESULT),))
    missing = Answer("q", "知识库中没有找到能回答这个问题的内容。", True)
    rows = [("2030", missing), ("2031", _answer("q", "1.2亿人次", p31, "公交客运量1.2亿人次"))]
    answer = tabulate(ask, rows, top_k=5)
    assert answer.refused and answer.conclusive
    lines = answer.text.split("\n")
    assert lines[0] == "无法比较：知识库中没有找到2030年的这一数字。"
    assert lines[2] == "2031年：1.2亿人次（据《2032年报告》）[1]"
    # Two figures asked each ("各是多少"), no comparison: the question is still half answered.
    each = read_series("2030年和2031年的公交客运量各是多少？")
    assert each is not None and not each.compare
    half = tabulate(each, rows, top_k=5)
    assert half.refused and half.text.split("\n")[:3] == [
        "知识库中没有找到2030年的这一数字，只找到2031年的。",
        "2030年：—（知识库中没有找到2030年的这一数字）",
        "2031年：1.2亿人次（据《2032年报告》）[1]",
    ]
    # Three rows with one missing are still a table: the others can be compared.
    p30 = _paragraph("2031年报告#3", "公交客运量1.1亿人次。", ((2030, Aspect.RESULT),))
    three = [("2029", missing), ("2030", _answer("q", "1.1亿人次", p30, "公交客运量1.1亿人次")), rows[1]]
    assert not tabulate(read_series("2029年、2030年和2031年的公交客运量哪年多？") or ask, three, 5).refused


def test_a_figure_written_without_the_unit_its_rows_share_is_compared_in_it() -> None:
    ask = read_series("2031年和2032年全区低收入人口分别减少了多少？哪年多？")
    assert ask is not None
    p31 = _paragraph("2032年报告#3", "低收入人口减少12万人。", ((2031, Aspect.RESULT),))
    p32 = _paragraph("2033年报告#3", "低收入人口减少9万。", ((2032, Aspect.RESULT),))
    rows = [
        ("2031", _answer("q", "12万人", p31, "低收入人口减少12万人")),
        ("2032", _answer("q", "9万", p32, "低收入人口减少9万")),
    ]
    answer = tabulate(ask, rows, top_k=5)
    first = answer.text.split("\n")[0]
    assert first == "从2031年的12万人[1]减少到2032年的9万[2]，相差3万人（据两处原文计算）。"
    # A bare number beside percentages is no percentage.
    p33 = _paragraph("2033年报告#4", "低收入人口占比3%。", ((2032, Aspect.RESULT),))
    mixed = [rows[0], ("2032", _answer("q", "3%", p33, "低收入人口占比3%"))]
    assert "相差" not in tabulate(ask, [rows[1], mixed[1]], top_k=5).text


def test_years_listed_then_counted_and_a_comparison_closed_after_them() -> None:
    pair = read_series("2031、2032这两年造林面积分别是多少？后一年比前一年多造了多少亩？")
    assert pair is not None and pair.compare and pair.years == (2031, 2032)
    assert pair.row_question("2031") == "2031年造林面积是多少亩？"
    three = read_series("2030、2031、2032这三年，快递业务量各是多少？")
    assert three is not None and three.years == (2030, 2031, 2032)
    # "2031年跟2032年比，…": 比 closes the comparison with the years; a rows-only clause in the
    # middle ("这两年各自是多少") adds nothing.
    gen = read_series("2031年跟2032年比，全区造林面积哪年多一些？这两年各自是多少，相差多少亩？")
    assert gen is not None and gen.compare and gen.row_question("2032") == "2032年全区造林面积是多少亩？"


def test_each_rows_change_with_ge_and_a_fall_in_points_compared() -> None:
    ask = read_series("2031年和2032年全区快递业务量各增长了多少？增速回落了多少个百分点？")
    assert ask is not None and ask.compare
    assert ask.row_question("2031") == "2031年全区快递业务量各增长了多少？"


def test_one_question_asked_again_of_the_next_year_clause_by_clause() -> None:
    ask = read_series("养老金，2031年上调了多少，2032年又上调了多少？后一年比前一年高几个百分点？")
    assert ask is not None and ask.years == (2031, 2032) and ask.compare
    assert ask.template == "养老金，{}上调了多少？"
    again = read_series("2031年保障房开工多少套，2032年呢？")
    assert again is not None and again.years == (2031, 2032) and again.template == "{}保障房开工多少套？"
    # Two questions about two things are no table.
    assert read_series("2031年粮食产量多少，2032年物价涨了多少？") is None
    # The next year's clause asks the same level in fewer words: bare, or as a level reached.
    level = read_series("全区绿道2031年是多少公里，2032年增加到多少公里？相差多少？")
    assert level is not None and level.years == (2031, 2032) and level.compare
    assert level.template == "全区绿道{}是多少公里？"
    bare = read_series("全区绿道2031年是多少公里，2032年是多少？")
    assert bare is not None and bare.years == (2031, 2032)
    # "到2032年变成多少了": the year's own 到, and other words for the level reached.
    became = read_series("2031年全区绿道多少公里，到2032年变成多少了？")
    assert became is not None and became.years == (2031, 2032)
    # A change asked first, a level after: two questions.
    assert read_series("2031年全区绿道增加了多少公里，2032年是多少？") is None


def test_each_rows_figure_asked_in_a_unit_after_a_comparison() -> None:
    ask = read_series("2032年专项资金跟2031年比是多了还是少了？两年各多少亿元？")
    assert ask is not None and ask.years == (2031, 2032) and ask.compare


def test_no_difference_from_a_figure_stated_only_as_at_least() -> None:
    from rag.figures.table import computed_difference

    def row(year: int, lead: str) -> Row:
        return Row(f"{year}年", year, read_cell(lead))

    assert computed_difference([row(2031, "1300多亿元"), row(2032, "1363亿元")]) == ""
    both = computed_difference([row(2031, "1300多亿元"), row(2032, "1400多亿元")])
    assert both.startswith("，相差约100亿元")
    assert computed_difference([row(2031, "1300亿元"), row(2032, "1363亿元")]).startswith("，相差63亿元")


def test_which_place_or_year_is_more_asked_with_words_between() -> None:
    places = read_series("2031年甲省和乙省的城市绿道各是多少公里？哪个省更多？差多少？", ["甲省", "乙省"])
    assert places is not None and places.template == "2031年{}的城市绿道是多少公里？"
    years = read_series("公租房竣工的套数，2031年和2032年各是多少？哪年竣工得多？多出多少套？")
    assert years is not None and years.template == "公租房竣工的套数，{}是多少套？"


def test_a_tables_name_leaves_out_the_comma_after_the_rows() -> None:
    from rag.figures.series import _indicator

    ask = read_series("2031到2033年，咱们每年实际利用外资多少亿美元？")
    assert ask is not None and _indicator(ask) == "咱们实际利用外资多少亿美元"


def test_which_of_two_years_offered_as_a_choice() -> None:
    # "哪一年……更多，甲年还是乙年？": the two years offered are the rows, and which is more the
    # comparison; a last clause asking each year's figure adds nothing.
    ask = read_series("哪一年新招募的志愿者更多，2032年还是2031年？两年各招了多少人？")
    assert ask is not None and ask.compare and ask.years == (2031, 2032)
    assert ask.row_question("2031") == "2031年新招募的志愿者是多少？"
    after = read_series("2031年还是2032年，哪年网格员多？")
    assert after is not None and after.compare and after.row_question("2032") == "2032年网格员是多少？"
    longer = read_series("城市绿道哪年更长，2033年还是2031年？")
    assert longer is not None and longer.compare and longer.years == (2031, 2033)
    # The years listed first, then which of them; or one said larger, "还是" the other.
    for asked in ("2031年和2032年，哪年城市绿道更长？", "2031年城市绿道长，还是2032年长？"):
        ask = read_series(asked)
        assert ask is not None and ask.compare and ask.years == (2031, 2032), asked
        assert ask.row_question("2031") == "2031年城市绿道是多少？", asked


def test_a_change_over_a_span_compares_its_two_ends() -> None:
    # "从甲年到乙年上涨了多少": the change between the two ends, not a row for every year.
    ask = read_series("城市绿化覆盖率从2031年到2033年上涨了多少？这两年各是多少？")
    assert ask is not None and ask.years == (2031, 2033) and ask.compare and ask.difference
    assert ask.row_question("2033") == "城市绿化覆盖率2033年是多少？"
    # Two years' own rise ("菜价涨了多少") is each row's figure, no comparison.
    own = read_series("2031年和2032年菜价涨了多少？")
    assert own is not None and not own.compare and own.row_question("2031") == "2031年菜价涨了多少？"
    # Each year's own change, or how it went, is still a row per year.
    for asked in (
        "2031年到2033年，志愿者人数每年增加了多少？",
        "2031年到2033年志愿者人数是怎么变化的？",
        "2031年到2033年菜价涨了多少？",  # without 从: each year's own rise
        "2031年到2033年，志愿者人数增加了多少？",  # or change
        "从2031年到2033年菜价每年涨了多少？",
    ):
        rows = read_series(asked)
        assert rows is not None and rows.years == (2031, 2032, 2033), asked


def test_provinces_listed_by_their_one_character_names() -> None:
    ask = read_series("苏浙皖三省，2030年志愿者各有多少？")
    assert ask is not None and ask.by == "region"
    assert ask.places == ("江苏", "浙江", "安徽")
    joined = read_series("川、渝两地2030年的网格员分别是多少？")
    assert joined is not None and joined.places == ("四川", "重庆")
    # A place named inside another ("四川省成都市") is one place, not two rows.
    assert read_series("四川省成都市2030年的网格员各有多少？") is None
    # One such character alone, or a run not said to be a list, is a word ("新建", "青年").
    from ingest.metadata import PROVINCES
    from rag.question.constraints import find_places

    for text in ("2030年新建了多少公里绿道，青年志愿者有多少？", "京津冀协同发展"):
        assert [f for f, _s, _e in find_places(text) if f in PROVINCES] == [], text


def test_a_base_year_said_first_and_closed_by_xiangbi() -> None:
    # "与甲年相比，乙年…增加了多少": the base first, then the year asked about.
    ask = read_series("与2030年相比，2031年志愿者人数增加了多少？")
    assert ask is not None and ask.years == (2030, 2031) and ask.compare and ask.difference
    assert ask.row_question("2031") == "2031年志愿者人数是多少？"
    # A year said first without 相比 after it is no base ("和2030年的…" names two things).
    assert read_series("和2030年的志愿者人数一样吗？") is None


def test_a_change_against_the_year_before_compares_it_with_that_year() -> None:
    # "比上年", "跟前一年比": the year before the one named is the base.
    ask = read_series("2031年志愿者人数比上年增加了多少？")
    assert ask is not None and ask.years == (2030, 2031) and ask.compare and ask.difference
    assert ask.row_question("2030") == "2030年志愿者人数是多少？"
    after = read_series("2031年新建绿道跟前一年比多了多少公里？")
    assert after is not None and after.row_question("2031") == "2031年新建绿道是多少公里？"
    # A budget compared with the year before's: each row is its own year's.
    budget = read_series("2031年专项资金比上年预算增加了多少？")
    assert budget is not None and budget.row_question("2030") == "2030年专项资金是多少？"
    # A growth rate ("比上年增长多少") is one year's own figure; no year named, no rows.
    assert read_series("2031年地区生产总值比上年增长多少？") is None
    assert read_series("去年志愿者比前年多了多少？") is None


def test_a_plan_compared_with_an_outcome_is_no_comparison_unless_asked_so() -> None:
    from dataclasses import replace

    ask = read_series("2030年和2031年粮食产量哪年多？")
    assert ask is not None and ask.compare
    p30 = _paragraph("2030年报告#3", "粮食产量稳定在1万亿斤以上。", ((2030, Aspect.TARGET),))
    p32 = _paragraph("2032年报告#2", "粮食产量1.1万亿斤。", ((2031, Aspect.RESULT),))
    rows = [
        ("2030", _answer("q", "1万亿斤以上", p30, "粮食产量稳定在1万亿斤以上")),
        ("2031", _answer("q", "1.1万亿斤", p32, "粮食产量1.1万亿斤")),
    ]
    kinds = {"2030": Aspect.TARGET, "2031": Aspect.RESULT}
    answer = tabulate(ask, rows, 5, kinds)
    assert answer.refused
    assert answer.text.split("\n")[0] == "无法比较：2030年是目标数，2031年是实际数。"
    asked_so = replace(ask, question="2030年的粮食产量目标和2031年实际哪个多？")
    assert not tabulate(asked_so, rows, 5, kinds).refused


def test_places_counted_or_taken_all_are_the_reports_places_of_that_level() -> None:
    known = {"全国", "山东省", "河南省", "河北省", "綦江区"}
    ask = read_series("三个省2030年的粮食产量各是多少？列个表", known)
    assert ask is not None and ask.by == "region"
    assert set(ask.places) == {"山东", "河南", "河北"}
    assert ask.row_question("河南") == "河南2030年的粮食产量是多少？"
    every = read_series("各省2030年粮食产量分别是多少？", known)
    assert every is not None and set(every.places) == {"山东", "河南", "河北"}
    assert read_series("两个省2030年的粮食产量各是多少？", known) is None  # not the reports' three
    assert read_series("三个省2030年的粮食产量是多少？", known) is None  # a total, maybe
    assert read_series("各区2030年粮食产量分别是多少？", known) is None  # one district only


def test_each_after_the_places_counted_asks_every_place() -> None:
    known = {"全国", "山东省", "河南省", "河北省"}
    ask = read_series("三个省去年各新建了多少公里绿道？", known)
    assert ask is not None and set(ask.places) == {"山东", "河南", "河北"}
    assert ask.row_question("河北") == "河北去年新建了多少公里绿道？"
    later = read_series("三个省2031年各有多少志愿者？", known)
    assert later is not None and later.row_question("山东") == "山东2031年有多少志愿者？"
    # Kinds of things, not the places: one figure (maybe a total).
    assert read_series("三个省各类市场主体有多少户？", known) is None


def test_both_ends_of_a_change_asked_at_once_are_no_table() -> None:
    assert read_series("2031到2035年某区绿道从多少公里增加到多少公里？") is None
    assert read_series("2031到2035年某区绿道各是多少公里？") is not None
