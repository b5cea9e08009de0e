"""The extractive answerer: figures up front, citations to paragraphs, refusals."""

from __future__ import annotations

import pytest

from ingest.records import Paragraph
from rag.evidence.refusal import RefusalModel
from rag.evidence.retrieve import Hit
from rag.figures.answer import ExtractiveAnswerer
from rag.figures.numbers import asks_for_number, find_numbers, question_unit
from rag.pipeline import KnowledgeBase
from rag.question.focus import Focus, TermWeights
from rag.records import REFUSAL_TEXT
from tests.conftest import SAMPLE_DOC_ID


def pid(n: int) -> str:
    return f"{SAMPLE_DOC_ID}#{n}"


def test_numbers_with_units_and_qualifiers() -> None:
    text = "举办主体班4个,各类培训272期,培训党员干部40822人次,带动培训50余万人次,实现100%全覆盖"
    assert [m.text for m in find_numbers(text)] == ["4个", "272期", "40822人次", "50余万人次", "100%"]
    assert question_unit("2021年培训了多少人次党员干部?") == "人次"
    assert asks_for_number("建成示范村多少个?")
    assert not asks_for_number("如何强化政治引领?")


def test_training_question_gets_the_figure_first_with_citation(real_kb: KnowledgeBase) -> None:
    answer = real_kb.ask("2021年培训了多少人次党员干部?")
    assert not answer.refused
    assert answer.text.startswith("40822人次。")
    assert answer.text.endswith("[1]")
    cite = answer.citations[0]
    assert (cite.n, cite.paragraph_id, cite.number) == (1, pid(9), 9)
    assert cite.heading == "请阅 綦江组工“答卷” > 政治建设卷"
    assert "培训各级各类党员干部40822人次" in cite.sentence
    assert cite.sentence in cite.text  # a contiguous excerpt, so the UI can highlight it
    assert len(cite.sentence) <= 90


@pytest.mark.parametrize(
    ("question", "lead", "number"),
    [
        ("建成示范村(社区)多少个?", "77个", 33),
        ("选派了多少名驻村第一书记?", "40名", 19),
        ("全区有多少个村社区完成两委换届?", "381个村社区", 16),  # 个 with what it counts
    ],
)
def test_numeric_questions(real_kb: KnowledgeBase, question: str, lead: str, number: int) -> None:
    answer = real_kb.ask(question)
    assert answer.text.startswith(lead + "。")
    assert answer.citations[0].paragraph_id == pid(number)


def test_exam_question_is_answered_by_the_answer_key(real_kb: KnowledgeBase) -> None:
    # An exam question asks for a list of points (rag.prose): its answer key leads them.
    answer = real_kb.ask("如何强化政治引领?")
    assert answer.text.split("\n")[1] == "1. 以建党精神立根铸魂[1]"
    assert answer.citations[0].paragraph_id == pid(6)


@pytest.mark.parametrize(
    "question",
    ["区委组织部2022年的预算是多少?", "今年全区GDP增长率是多少?", "如何申请公租房?", "明天的天气怎么样?"],
)
def test_questions_the_report_does_not_answer_are_refused(real_kb: KnowledgeBase, question: str) -> None:
    answer = real_kb.ask(question)
    assert answer.refused
    # Said specifically when it is known why: the only report is about 2021.
    reason = "知识库中没有2022年的年度工作总结（现有：綦江区委组织部2021年组工答卷）。"
    assert answer.text.startswith(reason if "2022年" in question else REFUSAL_TEXT)
    assert "可能相关：" in answer.text
    assert [c.n for c in answer.citations] == [1, 2, 3]
    assert all(c.sentence == "" for c in answer.citations)


def _hit(paragraph: Paragraph, rank: int) -> Hit:
    return Hit(
        paragraph,
        score=1 / (10 + rank),
        chunk=None,
        bm25_rank=rank,
        dense_rank=rank,  # type: ignore[arg-type]
        dense_similarity=0.9,
    )


def test_two_facts_from_two_paragraphs_get_two_citations() -> None:
    hk = Paragraph("news#1", "news", "新闻", 1, "香港特区政府公布，2021年香港GDP增长6.4%。")
    mo = Paragraph("news#2", "news", "新闻", 2, "澳门统计局数据显示，2021年澳门GDP增长18%。")
    answerer = ExtractiveAnswerer(refusal=RefusalModel(threshold=0.0))
    answer = answerer.answer("2021年香港和澳门的GDP增长率", [_hit(hk, 1), _hit(mo, 2)])
    assert "6.4%" in answer.text and "18%" in answer.text
    assert [(c.n, c.paragraph_id) for c in answer.citations] == [(1, "news#1"), (2, "news#2")]
    assert "[1]" in answer.text and "[2]" in answer.text


def test_a_second_sentence_saying_only_the_whole_area_is_not_quoted() -> None:
    # The first sentence answers; the second shares only "全区" (the report's own area) and
    # words of the question's topic, and says something else.
    first = Paragraph(
        "r#1", "r", "某区报告", 1, "街道向老旧小区派驻网格工作组，新招录网格员120名和志愿者300名。"
    )
    second = Paragraph(
        "r#2", "r", "某区报告", 2, "5月，完成全区40个社区换届，社区网格员全部到岗，网格工作组全程指导。"
    )
    answerer = ExtractiveAnswerer(refusal=RefusalModel(threshold=0.0))
    answer = answerer.answer("全区新招录了多少名网格员？", [_hit(first, 1), _hit(second, 2)])
    assert answer.lead == "120名"
    assert [c.paragraph_id for c in answer.citations] == ["r#1"]
    assert "换届" not in answer.text


def test_no_hits_is_a_refusal() -> None:
    answer = ExtractiveAnswerer().answer("任何问题", [])
    assert answer.refused and answer.citations == []
    assert answer.text == REFUSAL_TEXT


def test_numbers_after_ascii_commas_and_with_thousands_separators() -> None:
    text = "11月,16个镇召开党代会,目标,2950名领头人,共40,822人次,增长6.4%"
    assert [m.text for m in find_numbers(text)] == ["11月", "16个", "2950名", "40,822人次", "6.4%"]


def test_bracketed_numbers_quoted_from_a_report_are_not_citation_markers() -> None:
    para = Paragraph("d#1", "d", "D", 1, "据统计[2]，全区建成党员活动室12个。")
    answer = ExtractiveAnswerer(refusal=RefusalModel(threshold=0.0)).answer(
        "建成党员活动室多少个?", [_hit(para, 1)]
    )
    assert answer.text == "12个。依据：据统计［2］，全区建成党员活动室12个。[1]"
    assert answer.citations[0].sentence == "据统计[2]，全区建成党员活动室12个。"


def test_the_unit_asked_for_is_no_subject_word() -> None:
    # Every word rare (idf 5): "万亿元" would match any figure in 万亿元, whatever it is about.
    answerer = ExtractiveAnswerer(weights=TermWeights(lambda _t: 5.0))
    question = "中央财政赤字多少万亿元？"
    terms = answerer.subject_terms(Focus(question, question))
    assert "赤字" in terms
    assert not {"万亿", "亿元", "万亿元"} & set(terms)


def test_one_report_answers_a_question_over_two_years_part_by_part(real_kb: KnowledgeBase) -> None:
    # A table across years needs reports of several years; the sample report is one (2021).
    answer = real_kb.ask("2020年和2021年分别培训了多少人次党员干部?")
    assert answer.table is None
    assert "40822人次" in answer.text


def test_growth_of_output_stated_as_economic_growth_answers() -> None:
    # Reports name the growth of 地区生产总值 "经济增长"; a question may name it either way.
    para = Paragraph("p#1", "p", "某省报告", 1, "经济增长目标设定为6％左右，是一个积极进取的目标。")
    answerer = ExtractiveAnswerer(weights=TermWeights(lambda _t: 5.0), refusal=RefusalModel(threshold=0.0))
    answer = answerer.answer("地区生产总值增长目标是多少？", [_hit(para, 1)])
    assert answer.lead == "6％左右"
    # Not any growth: the growth of something else is still no answer.
    other = Paragraph("p#2", "p", "某省报告", 2, "进出口增长目标设定为3%左右。")
    assert answerer.answer("地区生产总值增长目标是多少？", [_hit(other, 1)]).lead != "3%左右"


def test_a_sectors_share_stated_without_its_whole_is_its_share_of_output() -> None:
    from rag.figures.compose import says_output

    # "旅游业比重" names no whole: statistics' sector shares are of output (地区生产总值).
    assert says_output("2031年旅游业占GDP比例达到几成？", "旅游业比重从8.2%上升到12.5%")
    assert says_output("旅游业占地区生产总值比重怎样变化？", "旅游业占比达到12.5%")
    # Another whole named is another share; a share asked of another whole reads nothing in.
    assert not says_output("2031年旅游业占GDP比例达到几成？", "旅游业占就业的比重为8%")
    assert not says_output("旅游业占就业人员的比重是多少？", "旅游业比重从8.2%上升到12.5%")
    # Growth of the economy is growth of output.
    assert says_output("某市生产总值增速几何？", "经济增长6%")


def test_the_day_asked_is_the_one_nearest_the_questions_words() -> None:
    from rag.figures.compose import _nearest

    sentence = "2031年01月27日 星期四 本报綦江1月26日电 綦江马拉松将于3月8日在滨河公园开跑"
    assert _nearest(sentence, ["2031年01月27日", "1月26日", "3月8日"], ["马拉松", "开跑"]) == "3月8日"
    assert _nearest(sentence, ["2031年01月27日", "3月8日"], []) == "2031年01月27日"


def test_a_span_of_years_in_the_question_asks_no_unit() -> None:
    # "这几年", "那几年" say when; the unit asked is the one after the asking word.
    assert question_unit("这几年全市平均每年新增几个百分点？") == "个百分点"
    assert question_unit("搬迁那几年，财政拿出多少亿元？") == "亿元"
    assert question_unit("工程建了几年？") == "年"
    # A form's way: the unit in brackets after the thing counted.
    assert question_unit("去年图书馆来了多少读者（人次）？") == "人次"
    assert question_unit("去年图书馆来了多少读者？") == ""


def test_a_role_inside_a_longer_title_is_another_office() -> None:
    from rag.figures.answer import _named_in_role

    sentence = "在市委书记张某某带领下，某区党委书记王某主持召开会议。"
    assert _named_in_role(sentence, ["张某某", "王某"], "书记", "某区党委书记是谁？")
    assert not _named_in_role("在市委书记张某某带领下召开会议。", ["张某某"], "书记", "某区党委书记是谁？")
    assert _named_in_role("在市委书记张某某带领下召开会议。", ["张某某"], "书记", "市委书记是谁？")


def test_the_best_sentence_is_read_as_the_question_is_for_its_subject() -> None:
    # The question's "平均每天" is read as 日均; the sentence writing it out says the subject too.
    para = Paragraph("r#1", "r", "某区报告", 1, "全区新登记企业增长10%，平均每天新增150户。")
    answerer = ExtractiveAnswerer(weights=TermWeights(lambda _t: 5.0))
    question = "平均每天新蹦出来多少户？"
    focus = Focus(question, question)
    assert "日均" in answerer.subject_terms(focus)
    _sentences, features = answerer.evidence(question, [_hit(para, 1)], focus)
    assert features["subject"] > 0
