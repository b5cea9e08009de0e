"""Prose answers end to end on the sample report and on real published reports: the lead line
says whose report and which part, each point is a clause of its cited paragraph, refusals."""

from __future__ import annotations

from ingest.config import Settings
from rag.generation.prompt import Turn
from rag.pipeline import KnowledgeBase
from rag.prose.points import MAX_CHARS, MAX_POINTS
from tests.conftest import SAMPLE_DOC_ID

TITLE = "据《綦江区委组织部2021年组工答卷》"


def assert_points_quote_their_paragraphs(answer) -> None:  # type: ignore[no-untyped-def]
    """Every point is the very text its citation's paragraph holds at the point's span, so the
    chat can highlight it; the answer's lines are the lead and the numbered points."""
    cited = {c.n: c for c in answer.citations}
    lines = answer.text.split("\n")
    assert len(lines) == len(answer.points) + 1
    for i, (line, point) in enumerate(zip(lines[1:], answer.points, strict=True), start=1):
        assert line == f"{i}. {point.text}[{point.citation}]"
        assert point.span is not None
        assert cited[point.citation].text[point.span[0] : point.span[1]] == point.text
    assert 2 <= len(answer.points) <= MAX_POINTS
    assert sum(len(p.text) for p in answer.points) <= MAX_CHARS
    assert answer.verification is not None and answer.verification.ok


def test_a_section_named_for_the_topic_answers_with_its_parts(real_kb: KnowledgeBase) -> None:
    answer = real_kb.ask("基层党建方面都做了哪些工作？")
    assert not answer.refused
    assert answer.text.startswith(TITLE + "“基层党建卷”部分，主要有以下几点：\n")
    assert_points_quote_their_paragraphs(answer)
    assert all(c.heading.endswith("基层党建卷") for c in answer.citations)
    assert answer.points[0].text == "以务实举措提质增效"  # the exam's answer key leads its section
    joined = "".join(p.text for p in answer.points)
    assert "“整乡推进、整县提升”" in joined and "“灯下黑”随机调研" in joined


def test_an_area_named_as_an_activity_is_the_area(real_kb: KnowledgeBase) -> None:
    answer = real_kb.ask("在干部队伍建设上做了哪些工作?")  # the section is "干部队伍卷"
    assert answer.text.startswith(TITLE + "“干部队伍卷”部分")
    assert_points_quote_their_paragraphs(answer)


def test_a_narrow_topic_is_answered_by_its_paragraph_clause_by_clause(real_kb: KnowledgeBase) -> None:
    answer = real_kb.ask("干部家访工作是怎么开展的?")
    assert_points_quote_their_paragraphs(answer)
    assert {c.paragraph_id for c in answer.citations} == {f"{SAMPLE_DOC_ID}#20"}
    assert [p.text for p in answer.points][:2] == [
        "深化干部“四级家访”,开展家访6500余人次",
        "发现并督促整改问题200余个,帮助解决困难500余个",
    ]


def test_an_outline_question_lists_the_reports_parts(real_kb: KnowledgeBase) -> None:
    answer = real_kb.ask("这份答卷分为哪几个部分?")
    assert answer.text.split("\n")[0] == TITLE + "，分为以下3个方面："
    assert [p.text for p in answer.points] == [
        "政治建设卷：如何强化政治引领",
        "干部队伍卷：如何激发干事热情",
        "基层党建卷：如何建强战斗堡垒",
    ]
    assert [c.number for c in answer.citations] == [5, 13, 29]  # each part's exam question


def test_the_exam_question_itself_gets_its_answer_key_first(real_kb: KnowledgeBase) -> None:
    answer = real_kb.ask("如何强化政治引领?")
    assert answer.text.startswith(TITLE + "“政治建设卷”部分")
    assert answer.points[0].text == "以建党精神立根铸魂"
    assert answer.citations[0].paragraph_id == f"{SAMPLE_DOC_ID}#6"
    assert_points_quote_their_paragraphs(answer)


def test_why_leads_with_the_reason(real_kb: KnowledgeBase) -> None:
    answer = real_kb.ask("组织部为什么要选派驻村第一书记?")
    assert answer.text.split("\n")[0].endswith("原因主要有：")
    assert "培养锻炼干部的大舞台" in answer.text and "在实践中长才壮筋骨" in answer.text


def test_a_topic_the_report_never_covers_is_refused(real_kb: KnowledgeBase) -> None:
    answer = real_kb.ask("2021年在招商引资方面做了哪些工作？")
    assert answer.refused and not answer.points
    assert answer.text.startswith("知识库中没有找到") and "可能相关" in answer.text
    missing = real_kb.ask("2019年在基层党建方面做了哪些工作？")
    assert missing.refused and missing.text.startswith("知识库中没有2019年")


def test_a_follow_up_asks_the_same_about_another_area(real_kb: KnowledgeBase) -> None:
    first = real_kb.ask("在乡村振兴方面有哪些举措?")
    follow = real_kb.ask("那基层社会治理呢?", history=[Turn(first.searched or first.question, first.text)])
    assert follow.searched == "在基层社会治理方面有哪些举措?"
    assert "联动应急处突" in follow.text and not follow.refused


def test_the_json_lists_the_points_beside_the_other_fields(real_kb: KnowledgeBase) -> None:
    out = real_kb.ask("干部家访工作是怎么开展的?").to_json()
    assert {"question", "answer", "refused", "citations", "points", "verification"} <= set(out)
    assert out["points"][0] == {"text": "深化干部“四级家访”,开展家访6500余人次", "citation": 1}
    assert "points" not in real_kb.ask("建成示范村(社区)多少个?").to_json()  # a figure's answer has none


def test_a_section_of_a_government_report_and_the_years_own_report(reports_settings: Settings) -> None:
    kb = KnowledgeBase(reports_settings)
    # The plan for a year comes from that year's report, not from a five-year plan naming it.
    answer = kb.ask("2017年在新型城镇化方面有哪些安排?")
    assert answer.text.startswith("据《2017年政府工作报告》")
    assert_points_quote_their_paragraphs(answer)
    assert any("进城落户1300万人以上" in p.text for p in answer.points)
    outline = kb.ask("广东省2025年政府工作报告包括哪几个部分?")
    assert [p.text for p in outline.points] == ["一、2024年工作回顾", "二、2025年工作安排"]


def test_a_report_the_reader_may_not_read_shapes_nothing_in_a_list(reports_settings: Settings) -> None:
    from ingest.search_types import SearchFilter

    kb = KnowledgeBase(reports_settings)
    hidden = "2017年政府工作报告"
    where = SearchFilter(docs=frozenset({"2016年政府工作报告", "2025年广东省政府工作报告"}))
    answer = kb.ask("在新型城镇化方面有哪些安排?", where=where)
    assert answer.citations and all(c.doc_id != hidden for c in answer.citations)
    assert "2017" not in answer.text.split("\n", 1)[0]
    # Asked for the hidden year's plan, the answer is what a knowledge base without that report
    # gives: the plan the 2016 report sets for the years up to 2020, nothing of the 2017 report.
    named = kb.ask("2017年在新型城镇化方面有哪些安排?", where=where)
    assert named.text.startswith("据《2016年政府工作报告》（2017年的目标）")
    assert all(c.doc_id != hidden for c in named.citations)
    assert "进城落户1300万人以上" not in named.text


def test_a_list_question_that_names_no_area_is_not_answered_with_a_guess(real_kb: KnowledgeBase) -> None:
    answer = real_kb.ask("采取了哪些措施?")
    assert answer.refused and not answer.points and not answer.citations
    assert answer.text.startswith("这个问题没有说明是哪方面的工作。请补充要了解的方面")
    # Naming the report alone is a topic: the report's parts.
    assert real_kb.ask("这份答卷包括哪几个方面?").points


def test_a_list_question_worded_unlike_the_report_lists_the_part_its_sentence_stands_in(
    reports_settings: Settings,
) -> None:
    from rag.evidence.retrieve import EVERYTHING
    from rag.pipeline import idf_weights
    from rag.prose.answer import ProseAnswerer, answer_prose

    kb = KnowledgeBase(reports_settings)
    question = "2017年怎么帮农村穷人脱贫?"  # the report says 精准脱贫 and 贫困人口, never 穷人
    retriever, _answerer = kb.current()
    prose = ProseAnswerer(idf_weights(retriever.snapshot), retriever.snapshot.paragraphs)
    assert answer_prose(retriever, prose, question, 5, EVERYTHING).refused  # no part names 穷人
    # The figure answerer finds the sentence on clear evidence; the answer is its paragraph's points.
    answer = kb.ask(question)
    assert not answer.refused
    assert answer.text.startswith("据《2017年政府工作报告》")
    assert_points_quote_their_paragraphs(answer)
    assert answer.points[0].text == "贫困地区和贫困人口是全面建成小康社会最大的短板"  # its opening
    assert any("完成易地扶贫搬迁340万人" in p.text for p in answer.points)
    assert any(p.text == "中央财政专项扶贫资金增长30%以上" for p in answer.points)
    assert {c.paragraph_id for c in answer.citations} == {"2017年政府工作报告#45"}
