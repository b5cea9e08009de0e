"""Verification of generated answers: citations that exist, and figures their paragraphs hold."""

from __future__ import annotations

from ingest.records import Paragraph
from rag.generation.verify import answer_sentences, figure_values, verify

TRAINING = Paragraph(
    "report#9",
    "report",
    "綦江区委组织部2021年组工答卷",
    9,
    "培训各级各类党员干部40822人次,带动培训党员群众50余万人次,覆盖率达100%。",
    heading_path=("组织体系卷",),
)
VILLAGES = Paragraph(
    "report#33", "report", "綦江区委组织部2021年组工答卷", 33, "建成市级示范村(社区)77个、规范村120个。"
)
SOURCES = {1: TRAINING, 2: VILLAGES}


def test_a_faithful_answer_passes() -> None:
    result = verify("全区培训党员干部40822人次[1]，建成示范村77个[2]。", SOURCES)
    assert result.ok
    assert result.to_json() == {"ok": True, "problems": []}


def test_a_changed_number_is_caught_with_the_sentence_and_citation_named() -> None:
    result = verify("培训党员干部40822人次[1]。覆盖率达95%[1]。", SOURCES)
    assert not result.ok
    assert result.problems == ["第2句中的“95%”在所引段落 [1] 中找不到"]
    assert [s.ok for s in result.sentences] == [True, False]
    bad = result.sentences[1]
    assert "95%" in "培训党员干部40822人次[1]。覆盖率达95%[1]。"[bad.start : bad.end]


def test_a_number_from_another_paragraph_than_the_cited_one_is_caught() -> None:
    result = verify("建成示范村77个[1]。", SOURCES)
    assert result.problems == ["第1句中的“77个”在所引段落 [1] 中找不到"]


def test_a_percentage_must_stay_a_percentage_and_magnitudes_count() -> None:
    assert not verify("覆盖率达100人[1]。", SOURCES).ok
    assert verify("带动培训50余万人次[1]。", SOURCES).ok
    assert not verify("带动培训50余人次[1]。", SOURCES).ok


def test_the_year_in_the_document_title_supports_a_date() -> None:
    assert verify("2021年培训党员干部40822人次[1]。", SOURCES).ok
    assert verify("2020年培训党员干部40822人次[1]。", SOURCES).problems == [
        "第1句中的“2020年”在所引段落 [1] 中找不到"
    ]


def test_full_width_digits_and_thousands_separators_are_the_same_number() -> None:
    assert verify("培训了４０８２２人次[1]。", SOURCES).ok
    assert verify("培训了40,822人次[1]。", SOURCES).ok


def test_invalid_and_missing_citations_are_problems() -> None:
    result = verify("培训党员干部40822人次[3]。覆盖率很高。", SOURCES)
    assert result.problems == ["第1句引用了不存在的资料 [3]", "第2句没有标注出处：“覆盖率很高。”"]


def test_a_refusal_sentence_needs_no_citation() -> None:
    assert verify("知识库中没有找到能回答这个问题的内容。", SOURCES).ok
    assert verify("资料中没有提及2020年的数据。", SOURCES, question="2020年培训了多少人?").ok


def test_a_refusal_phrase_does_not_excuse_a_stated_figure() -> None:
    tricked = verify("培训党员干部40822人次[1]。资料没有提及金额，但估计投入资金3000万元。", SOURCES)
    assert tricked.problems == ["第2句没有标注出处：“资料没有提及金额，但估计投入资金3000万元。”"]
    assert not verify("资料中不包含2019年的数据，当年培训了99999人次。", SOURCES, question="2019年呢?").ok


def test_chinese_numerals_and_compound_magnitudes_are_checked_by_value() -> None:
    money = Paragraph("r#1", "r", "报告", 1, "全年投入资金3千万元，惠及群众2百万人，五年一换届。")
    sources = {1: money}
    assert verify("投入资金3000万元[1]。", sources).ok
    assert not verify("投入资金3千元[1]。", sources).ok
    assert not verify("惠及群众2百人[1]。", sources).ok
    assert verify("惠及群众200万人[1]。", sources).ok
    assert verify("换届周期为5年[1]。", sources).ok
    assert verify("培训党员干部四万零八百二十二人次[1]。", SOURCES).ok
    assert verify("覆盖率达百分之百[1]。", SOURCES).ok
    assert verify("培训党员干部四万余人次[1]。", SOURCES).problems == [
        "第1句中的“四万余人次”在所引段落 [1] 中找不到"
    ]
    assert not verify("覆盖率达百分之九十[1]。", SOURCES).ok


def test_sentence_ends_quotes_lists_and_semicolons() -> None:
    assert verify("一是培训党员干部40822人次；二是覆盖率达100%[1]。", SOURCES).ok
    assert verify("报告说“培训党员干部40822人次。”[1]", SOURCES).ok
    assert verify("1. 培训党员干部40822人次[1]\n2. 覆盖率达100%[1]", SOURCES).ok


def test_an_extractive_quote_of_two_sentences_under_one_marker_passes() -> None:
    text = "培训各级各类党员干部40822人次。带动培训党员群众50余万人次。[1]"
    assert not verify(text.replace("。[1]", "[1]。"), SOURCES).ok  # as sentences: the first is uncited
    assert verify(text.replace("。[1]", "[1]。"), SOURCES, by_citation=True).ok


def test_citations_after_the_full_stop_belong_to_the_sentence() -> None:
    text = "培训党员干部40822人次。[1]\n建成示范村77个。[2]"
    sentences = [text[s:e] for s, e in answer_sentences(text)]
    assert sentences == ["培训党员干部40822人次。[1]", "建成示范村77个。[2]"]
    assert verify(text, SOURCES).ok


def test_the_extractive_lead_figure_and_its_quote_are_one_statement() -> None:
    text = "40822人次。依据：培训各级各类党员干部40822人次[1]"
    assert len(answer_sentences(text)) == 1
    assert verify(text, SOURCES).ok


def test_figure_values_read_units_magnitudes_and_percentages() -> None:
    values = figure_values("50余万人次、100%、3.5亿元")
    assert values == {(500000.0, False), (100.0, True), (350000000.0, False)}


def test_faithful_wording_with_chinese_number_words_is_not_a_figure() -> None:
    people = Paragraph("r#31", "r", "报告", 31, "6月15日,蒲昊、李君一起到召台村报到。")
    assert verify("6月15日，蒲昊和李君两人一起到召台村报到[1]。", {1: people}).ok
    assert verify("区委十分重视培训，培训党员干部40822人次[1]。", SOURCES).ok
    assert verify("三分之一以上的党员干部参加了培训[1]。", SOURCES).ok


def test_chinese_numerals_with_qualifier_and_magnitude() -> None:
    assert verify("带动培训党员群众五十余万人次[1]。", SOURCES).ok
    assert not verify("带动培训党员群众五百余万人次[1]。", SOURCES).ok


def test_a_quotation_and_its_attribution_are_one_sentence() -> None:
    quote = Paragraph("r#25", "r", "报告", 25, "“通过开展组工讲坛,列为重要内容。”该负责人介绍。")
    assert verify("“通过开展组工讲坛，列为重要内容。”该负责人介绍[1]。", {1: quote}).ok


def test_a_refusal_clause_cannot_carry_a_claim_in_another_clause() -> None:
    tricked = verify(
        "今年培训了5万人次，资料中没有提及更具体的名单。", SOURCES, question="今年培训了5万人次，对吗?"
    )
    assert not tricked.ok


def test_extractive_lines_are_checked_one_by_one() -> None:
    text = "关于“2020年培训了多少人次”，知识库中没有找到相关内容。\n建成规范村120个[2]"
    assert verify(text, SOURCES, question="2020年培训了多少人次和建成了多少规范村?", by_citation=True).ok


def test_inline_list_markers_are_not_figures() -> None:
    assert verify("（1）培训党员干部40822人次；（2）覆盖率达100%[1]。", SOURCES).ok


def test_an_absurdly_long_numeral_is_ignored_not_a_crash() -> None:
    assert verify("一" * 320 + "个[1]。", SOURCES).ok


def test_a_decimal_at_the_start_is_no_list_number() -> None:
    from ingest.records import Paragraph

    para = Paragraph("d#1", "d", "D", 1, "国内生产总值增长6.7%。")
    assert verify("6.7%。依据：国内生产总值增长6.7%。[1]", {1: para}, by_citation=True).ok
    assert not verify("6.9%。依据：国内生产总值增长6.7%。[1]", {1: para}, by_citation=True).ok
