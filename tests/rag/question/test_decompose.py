"""Questions joining two facts: split into parts, and their answers merged into one with one citation list."""

from __future__ import annotations

import pytest

from rag.answer_types import Answer, Citation
from rag.figures.merge import merge_answers
from rag.question.decompose import split_question


@pytest.mark.parametrize(
    ("question", "parts"),
    [
        ("2021年香港和澳门的GDP增长率", ["2021年香港的GDP增长率", "2021年澳门的GDP增长率"]),
        (
            "北京冬奥会和冬残奥会的开幕日期分别是什么时候?",
            ["北京冬奥会的开幕日期是什么时候?", "北京冬残奥会的开幕日期是什么时候?"],
        ),
        ("2022年和2023年高考人数", ["2022年高考人数", "2023年高考人数"]),
        ("北京、上海和广州的GDP", ["北京的GDP", "上海的GDP", "广州的GDP"]),
        ("派了几支驻村工作队和多少名第一书记?", ["派了几支驻村工作队", "多少名第一书记?"]),
        ("2021年培训了多少人次党员干部?", ["2021年培训了多少人次党员干部?"]),
        ("如何强化政治引领?", ["如何强化政治引领?"]),
        # The terms of one relation: a ratio, a gap, a comparison, are one figure.
        ("研发投入与国内生产总值之比是多少？", ["研发投入与国内生产总值之比是多少？"]),
        ("城镇和农村居民收入之比是多少", ["城镇和农村居民收入之比是多少"]),
        ("城镇与农村之间的差距有多大", ["城镇与农村之间的差距有多大"]),
        # Actions joined before 的 name one thing done to: counted once.
        ("2031年新建、翻修的城市绿道是多少公里？", ["2031年新建、翻修的城市绿道是多少公里？"]),
    ],
)
def test_split_question(question: str, parts: list[str]) -> None:
    assert split_question(question) == parts


def _cited(question: str, text: str, *pids: str) -> Answer:
    cites = [
        Citation(n=i, paragraph_id=p, doc="D", heading="", text=f"段落{p}", sentence="")
        for i, p in enumerate(pids, start=1)
    ]
    return Answer(question, text, False, cites, [(p, 1.0 / i) for i, p in enumerate(pids, start=1)])


def test_merged_answer_renumbers_citations_and_shares_a_paragraph() -> None:
    a = _cited("香港GDP", "香港增长6.4%[1]", "p1")
    b = _cited("澳门GDP", "澳门增长18%[1]，见表[2]", "p2", "p1")
    merged = merge_answers("香港和澳门GDP", [("香港GDP", a), ("澳门GDP", b)], top_k=5)
    assert merged.text == "香港增长6.4%[1]\n澳门增长18%[2]，见表[1]"
    assert [(c.n, c.paragraph_id) for c in merged.citations] == [(1, "p1"), (2, "p2")]
    assert [pid for pid, _ in merged.retrieved] == ["p1", "p2"]


def test_a_part_without_answer_says_so_and_all_refused_is_a_refusal() -> None:
    a = _cited("香港GDP", "香港增长6.4%[1]", "p1")
    refused = Answer("澳门GDP", "知识库中没有找到能回答这个问题的内容。", True)
    merged = merge_answers("香港和澳门GDP", [("香港GDP", a), ("澳门GDP", refused)], top_k=5)
    assert not merged.refused
    assert merged.text == "香港增长6.4%[1]\n关于“澳门GDP”，知识库中没有找到相关内容。"
    both = merge_answers("q", [("x", refused), ("y", refused)], top_k=5)
    assert both.refused


def test_parts_answered_by_the_same_sentence_are_said_once() -> None:
    a = _cited("q1", "4支[1]", "p1")
    b = _cited("q2", "4支[1]", "p1")
    merged = merge_answers("q", [("q1", a), ("q2", b)], top_k=5)
    assert merged.text == "4支[1]"
    assert [c.paragraph_id for c in merged.citations] == ["p1"]


def test_a_list_question_is_split_only_when_it_asks_about_each_item() -> None:
    from rag.question.decompose import asks_each

    assert asks_each("城区和郊区今年各有什么变化?")
    assert asks_each("甲镇和乙镇分别采取了哪些措施?")
    assert not asks_each("在修路、架桥上有哪些安排?")  # one topic, its items named together


def test_items_joined_as_the_reports_write_them_are_one_name() -> None:
    written = "为3000多名孤寡和独居老人上门服务".__contains__
    question = "2031年孤寡和独居老人有多少人得到上门服务？"
    assert split_question(question, written) == [question]
    assert len(split_question(question)) == 2
    # Unless each is asked about, or they are places or times.
    each = "2031年孤寡和独居老人分别有多少人？"
    assert len(split_question(each, written)) == 2
    assert len(split_question("2031年和2032年独居老人有多少？", lambda _w: True)) == 2
    assert len(split_question("宜昌和襄阳的港口吞吐量是多少？", lambda _w: True)) == 2
