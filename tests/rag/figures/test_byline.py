"""Who delivered a report and on which day, read from its byline."""

from __future__ import annotations

from ingest.records import Paragraph
from rag.figures.byline import asks_about_delivery, byline_answer
from rag.question.asked_type import AskedType


def _report(doc: str, *texts: str, body_from: int = 4) -> dict[str, Paragraph]:
    paras = {}
    for n, text in enumerate(texts, start=1):
        heading = ("一、工作回顾",) if n >= body_from else ()
        paras[f"{doc}#{n}"] = Paragraph(f"{doc}#{n}", doc, doc, n, text, heading_path=heading)
    return paras


REPORT = _report(
    "某区政府工作报告",
    "某区2030年政府工作报告",
    "——2030年1月8日在某区第九届人民代表大会第四次会议上",
    "区长　张明远",
    "过去一年，全区生产总值增长6%。",
)


def test_the_speaker_and_the_day_come_from_the_byline() -> None:
    who = byline_answer("这份报告是谁作的？", AskedType.PERSON, ["某区政府工作报告"], REPORT)
    assert who is not None and who.lead == "张明远"
    assert who.text == "张明远。依据：据《某区政府工作报告》：区长　张明远[1]"
    assert who.citations[0].paragraph_id == "某区政府工作报告#3"
    day = byline_answer("是哪一天在大会上作的？", AskedType.DAY, ["某区政府工作报告"], REPORT)
    assert day is not None and day.lead == "2030年1月8日"
    assert day.citations[0].paragraph_id == "某区政府工作报告#2"


def test_no_byline_no_answer() -> None:
    # The body's figures never answer who delivered the report, nor a report without a byline.
    bare = _report("某区工作总结", "各位代表：", "过去一年，全区生产总值增长6%。", body_from=2)
    assert byline_answer("是谁作的？", AskedType.PERSON, ["某区工作总结"], bare) is None
    # Several reports in question: whose byline is not known.
    assert byline_answer("是谁作的？", AskedType.PERSON, ["甲", "乙"], REPORT) is None


def test_only_questions_about_delivering_the_report() -> None:
    assert asks_about_delivery("报告人是谁？") and asks_about_delivery("是在哪天的会议上作的？")
    assert not asks_about_delivery("项目总设计师是谁？")


def test_a_byline_over_several_lines_with_a_spaced_out_name() -> None:
    congress = _report(
        "某次代表大会报告",
        "——在某省第十次代表大会上的报告",
        "（2031年6月2日）",
        "李　某　某",
        "同志们：",
        body_from=5,
    )
    day = byline_answer("是哪一天作的？", AskedType.DAY, ["某次代表大会报告"], congress)
    assert day is not None and day.lead == "2031年6月2日"
    who = byline_answer("是谁作的？", AskedType.PERSON, ["某次代表大会报告"], congress)
    assert who is not None and who.lead == "李某某"


def test_the_writer_comes_from_a_byline_line_anywhere() -> None:
    from ingest.records import Kind

    paras = _report("某区工作答卷", "某区工作答卷", "一、组织建设", "全年培训干部5000人次。", body_from=2)
    doc = "某区工作答卷"
    paras[f"{doc}#4"] = Paragraph(f"{doc}#4", doc, doc, 4, "文/记者 赵某", kind=Kind.BYLINE)
    who = byline_answer("这篇答卷的记者是谁？", AskedType.PERSON, ["某区工作答卷"], paras, role="记者")
    assert who is not None and who.lead == "赵某"
    assert who.citations[0].paragraph_id == "某区工作答卷#4"
    assert asks_about_delivery("文字记者是谁？", role="记者")
