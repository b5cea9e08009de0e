"""Question generation on the sample report: enough questions, each answerable from its paragraph."""

from __future__ import annotations

from dataclasses import replace

from ingest.records import Kind, Paragraph
from rag.figures.numbers import figures, find_numbers
from study.bank import generate
from study.questions import CHOICE, CLOZE, EXAM, NUMBER, Question
from tests.study.conftest import find


def _para(
    text: str, number: int = 1, heading: tuple[str, ...] = ("某卷",), title: str = "某区2022年工作总结"
) -> Paragraph:
    return Paragraph(f"d#{number}", "d", title, number, text, heading)


def test_the_sample_yields_at_least_thirty_distinct_questions(bank: list[Question]) -> None:
    # No wording twice within a type (a figure is asked once free and once with choices).
    assert len({(q.type, q.question) for q in bank}) == len(bank)
    assert len({q.id for q in bank}) == len(bank)
    free = [q for q in bank if q.type != CHOICE]
    assert len({q.fact for q in free}) >= 30  # distinct facts, not the same fact asked twice
    assert {q.type for q in bank} == {NUMBER, EXAM, CLOZE, CHOICE}
    counts = {kind: sum(q.type == kind for q in bank) for kind in (NUMBER, EXAM, CLOZE, CHOICE)}
    assert counts == {NUMBER: 20, EXAM: 3, CLOZE: 32, CHOICE: 44}


def test_every_answer_stands_in_its_source_paragraph(
    paragraphs: list[Paragraph], bank: list[Question]
) -> None:
    by_id = {p.paragraph_id: p for p in paragraphs}
    for q in bank:
        p = by_id[q.paragraph_id]
        assert p.kind == Kind.BODY, q
        assert q.source_text == p.text
        start, end = q.answer_span
        assert p.text[start:end] == q.answer, q
        assert (q.doc_id, q.doc_title, q.section) == (p.doc_id, p.doc_title, p.heading)
        if q.type == NUMBER:
            # The figure asked for is one of the paragraph's figures, by value.
            assert figures(q.answer)[0].value in {f.value for f in figures(p.text)}
        if q.type == CLOZE:
            assert "“____”" in q.question or "《____》" in q.question
            assert q.question.removeprefix("填空：").replace("____", q.answer).rstrip("。…")[
                -8:
            ] in p.text.replace(",", "，").replace("(", "（").replace(")", "）")


def test_choices_hold_the_answer_and_distractors_of_the_same_kind(bank: list[Question]) -> None:
    choices = [q for q in bank if q.type == CHOICE]
    assert choices
    for q in choices:
        assert q.answer in q.choices and 3 <= len(q.choices) <= 4
        assert len(set(q.choices)) == len(q.choices)
        wrong = [c for c in q.choices if c != q.answer]
        assert not any(c in q.question for c in wrong)
        numbers = find_numbers(q.answer)
        if numbers and (numbers[0].start, numbers[0].end) == (0, len(q.answer)):  # a figure answer
            unit = numbers[0].unit
            assert all(find_numbers(c)[0].unit == unit for c in wrong), q
            assert all(figures(c)[0].value != figures(q.answer)[0].value for c in wrong)
    # A qualified figure is never a distractor for one it could describe: 211 is "200余".
    assert "200余个" not in find(bank, CHOICE, "211个").choices
    assert "211个" not in find(bank, CHOICE, "200余个").choices
    # Nothing asks for what the title or section above the question already shows.
    assert not any(q.answer in q.doc_title + q.section for q in bank)
    training = find(bank, CHOICE, "40822人次")
    assert training.question == "2021年，培训各级各类党员干部多少人次？"
    assert training.choices == ("6500余人次", "40822人次", "50余万人次")  # numbers in value order
    phrase = find(bank, CHOICE, "十破十立")
    assert len(phrase.choices) == 4 and all(len(c) == 4 for c in phrase.choices)
    exam = find(bank, CHOICE, "以建党精神立根铸魂")
    assert set(exam.choices) == {"以建党精神立根铸魂", "以鲜明导向选贤任能", "以务实举措提质增效"}


def test_questions_read_as_standalone_sentences(bank: list[Question]) -> None:
    asked = {q.question: q.answer for q in bank if q.type != CHOICE}
    assert asked["2021年，培训各级各类党员干部多少人次？"] == "40822人次"
    assert asked["2021年，示范带动各级党组织培训党员群众多少人次？"] == "50余万人次"
    # "其中" keeps the clause it refers to; a leading time clause stays with its year.
    assert asked["2021年，建成规范村（社区）211个，其中示范村（社区）多少个？"] == "77个"
    assert asked["2021年11月，多少个镇成功召开党代会？"] == "16个"
    assert asked["2021年，425个村集体经济经营性收入超多少万元？"] == "3600万元"
    assert asked["填空：按照市委“____”要求，我区各级党组织持续深入开展清朗政治生态专项整治。"] == "十破十立"
    assert asked["“政治建设卷”中，考题“如何强化政治引领？”的答题要点是什么？"] == "以建党精神立根铸魂"
    for question in asked:
        assert not question.startswith(("填空：该", "该", "其", "他们", "它")), question
        assert "," not in question and "?" not in question  # the source's ASCII punctuation is not copied


def test_bad_candidates_are_filtered(bank: list[Question]) -> None:
    answers = {q.answer for q in bank}
    assert "100周" not in answers  # "成立100周年" is an anniversary
    assert "100%" not in answers  # "100%…和100%…": the question would contain its answer
    assert not any(q.answer.endswith(("年", "月")) and q.type == NUMBER for q in bank)  # dates
    assert not any("领头人" in q.answer and q.type == NUMBER for q in bank)
    # Captions and bylines are not quizzed; the speech in quotes is not a "phrase".
    assert not any(q.paragraph_id.endswith(("#3", "#4", "#12", "#21", "#27", "#28")) for q in bank)
    assert not any("勇毅前行" in q.answer for q in bank)


def test_pronouns_dates_and_ambiguous_wordings_give_no_question() -> None:
    paragraphs = [
        _para("他们培训党员300人次,成效明显。", 1),
        _para("该单位完成整改问题12个。", 2),
        _para("全年举办培训班8期。", 3),
        _para("全年举办培训班9期。", 4),
        _para("6月,召开会议。", 5),
        _para("全区新建党群服务中心25个,覆盖率达到90%。", 6),
    ]
    asked = {q.question: q.answer for q in generate(paragraphs) if q.type == NUMBER}
    # Paragraphs 3 and 4 ask the same thing with different answers: neither is kept.
    assert asked == {"2022年，全区新建党群服务中心多少个？": "25个", "2022年，覆盖率达到百分之多少？": "90%"}


def test_exam_pairs_need_the_point_right_after_the_question() -> None:
    pair = [_para("考题内容:如何抓实党员教育?", 1), _para("答题要点:以学习培训夯实基础。", 2)]
    (exam,) = [q for q in generate(pair) if q.type == EXAM]
    assert exam.question == "“某卷”中，考题“如何抓实党员教育？”的答题要点是什么？"
    assert (exam.answer, exam.paragraph_id) == ("以学习培训夯实基础", "d#2")
    apart = [pair[0], _para("今年成效明显。", 2), replace(pair[1], paragraph_id="d#3", number=3)]
    assert not [q for q in generate(apart) if q.type == EXAM]


def test_generation_is_deterministic_and_ids_survive_an_inserted_paragraph(
    paragraphs: list[Paragraph],
) -> None:
    first = generate(paragraphs)
    assert [q.export() for q in generate(paragraphs)] == [q.export() for q in first]
    shifted = [replace(p, number=p.number + 1, paragraph_id=f"{p.doc_id}#{p.number + 1}") for p in paragraphs]
    inserted = Paragraph(
        f"{paragraphs[0].doc_id}#1", paragraphs[0].doc_id, paragraphs[0].doc_title, 1, "新增的导语。"
    )
    again = generate([inserted, *shifted])
    assert {q.id: q.answer for q in again} == {q.id: q.answer for q in first}


def test_ranks_ranges_lists_and_fragments_are_not_asked() -> None:
    paragraphs = [
        _para("在第13届运动会上获得奖项3项。", 1),
        _para("他4至5岁时随父迁居,全村共有农户320户。", 2),
        _para("书架上有《甲书》《乙书》《丙书》,还有“丙项”和“丁项”两项制度。", 3),
        _para("新建村级活动室一处,面积120平方米,高于旧室2米。", 4),
        _para("而是在全区各村党支部推广“三会一课”制度。", 5),
    ]
    asked = {q.question: q.answer for q in generate(paragraphs) if q.type != CHOICE}
    assert asked == {
        # The rank "第13届" and the range "4至5岁" are context, never asked; "农户多少户" is too
        # short alone and the clause before it starts with 他: no question from paragraph 2.
        "2022年，在第13届运动会上获得奖项多少项？": "3项",
        "2022年，新建村级活动室一处，面积多少平方米？": "120平方米",
        "2022年，面积120平方米，高于旧室多少米？": "2米",
        # Titles and phrases in a row are not blanked; the connective 而是 is dropped.
        "填空：在全区各村党支部推广“____”制度。": "三会一课",
    }


def test_figures_in_chinese_numerals_are_asked_with_their_magnitude() -> None:
    from ingest.records import Paragraph
    from study.questions import free_questions

    para = Paragraph(
        "r#1",
        "r",
        "党的十九大报告",
        1,
        "五年来，国内生产总值从五十四万亿元增长到八十万亿元，推出一千五百多项改革举措。",
    )
    asked = {q.question: q.answer for q in free_questions([para]) if q.type == NUMBER}
    assert asked["国内生产总值从五十四万亿元增长到多少万亿元？"] == "八十万亿元"
    assert asked["国内生产总值从五十四万亿元增长到八十万亿元，推出多少项改革举措？"] == "一千五百多项"


def test_a_paragraph_that_enumerates_becomes_a_points_question() -> None:
    from study.grade import grade
    from study.questions import POINTS, TYPE_LABELS, free_questions

    text = (
        "做好明年工作，必须着力把握好三点。一是坚持党建引领不动摇。党建是根本。"
        "二是建强基层战斗堡垒，整顿软弱涣散党组织。三是深化干部“四级家访”，强化日常监督。"
    )
    (q,) = [q for q in free_questions([_para(text)]) if q.type == POINTS]
    assert TYPE_LABELS[POINTS] == "列举要点"
    assert q.question == "请列举：做好明年工作，必须着力把握好三点（共3点）"
    heads = q.answer.split("\n")
    assert heads == [
        "坚持党建引领不动摇",
        "建强基层战斗堡垒，整顿软弱涣散党组织",
        "深化干部“四级家访”，强化日常监督",
    ]
    start, end = q.answer_span  # the whole list is what the feedback highlights
    assert all(h in text[start:end] for h in heads)
    # Named in one's own order and words: 2 of 3 points pass (60%), 1 does not; the note says which.
    good = grade(q, "强化日常监督搞好四级家访；坚持党建引领")
    assert good.correct and good.note == "答出 2/3 个要点。未答出：建强基层战斗堡垒，整顿软弱涣散党组织。"
    assert not grade(q, "坚持党建引领").correct
    # No lead-in, or a lead-in leaning on text outside the paragraph: no question.
    assert not [q for q in free_questions([_para("一是加强领导。二是落实责任。")]) if q.type == POINTS]
    assert not [
        q
        for q in free_questions([_para("这些工作包括以下两点。一是加强领导。二是落实责任。")])
        if q.type == POINTS
    ]


def test_a_colon_list_of_targets_is_a_points_question_with_its_year() -> None:
    from study.questions import POINTS, free_questions

    text = "今年发展的主要预期目标是：地区生产总值增长5%左右；城镇新增就业10万人以上；粮食产量稳定在100万吨。"
    p = replace(_para(text, title="某市2031年政府工作报告"), doc_title="某市2031年政府工作报告")
    (q,) = [q for q in free_questions([p]) if q.type == POINTS]
    assert q.question.startswith("请列举：") and q.question.endswith("主要预期目标是（共3点）")
    assert q.answer.split("\n")[1] == "城镇新增就业10万人以上"
