"""Rule-based rewriting of follow-up questions (no model involved)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from rag.generation.prompt import Turn, rewrite_messages
from rag.question.followup import is_followup, rewrite, rule_rewrite, topic_of


@pytest.mark.parametrize(
    ("previous", "question", "expected"),
    [
        # The new term replaces the old one it resembles.
        ("建成了多少个规范村?", "那示范村呢?", "建成了多少个示范村?"),
        ("2021年全区培训了多少人次党员干部?", "那2020年呢", "2020年全区培训了多少人次党员干部?"),
        # The counted thing is swapped.
        ("轮换选派了多少名驻村第一书记?", "工作队员呢", "轮换选派了多少名工作队员?"),
        # Pronouns become the previous question's topic.
        ("6月15日谁到召台村报到了?", "他们俩分别是什么职务？", "6月15日到召台村报到的人分别是什么职务？"),
        ("6月15日谁到召台村报到了?", "那这些人去了哪里", "6月15日到召台村报到的人去了哪里"),
        ("轮换选派了多少名驻村第一书记?", "他们去了哪个村?", "驻村第一书记去了哪个村?"),
        ("轮换选派了多少名驻村第一书记?", "其中女性有多少?", "驻村第一书记，其中女性有多少?"),
        # A "那……" question that asks in full only loses its 那.
        ("2021年全区培训了多少人次党员干部?", "那带动培训的党员群众有多少？", "带动培训的党员群众有多少?"),
        # A new subject with nothing to replace.
        ("如何强化政治引领?", "那干部队伍卷的答题要点呢", "干部队伍卷的答题要点是什么?"),
        ("如何强化政治引领?", "党员呢", "党员（强化政治引领）?"),
        # A short question about "how it went" asks it of the previous topic.
        ("2021年全区培训了多少人次党员干部?", "效果如何?", "党员干部的效果如何?"),
        ("2021年全区培训了多少人次党员干部?", "有何成效?", "党员干部有何成效?"),
        # A determiner before a noun points back; the pronoun is replaced where it stands.
        ("如何强化政治引领?", "应该怎样评价这项工作?", "应该怎样评价强化政治引领工作?"),
        # A list question naming no area asks about the conversation's area.
        ("2031年在乡村治理方面有哪些举措?", "具体是怎么做的?", "2031年关于乡村治理，具体是怎么做的?"),
        ("社区养老服务有哪些举措?", "那还有哪些措施？", "关于社区养老服务，还有哪些措施?"),
        (
            "某市政府工作报告在乡村治理方面提出了哪些措施?",
            "主要采取了哪些做法?",
            "某市政府工作报告关于乡村治理，主要采取了哪些做法?",
        ),
    ],
)
def test_follow_ups_carry_the_previous_topic(previous: str, question: str, expected: str) -> None:
    assert is_followup(question)
    assert rule_rewrite(question, [Turn(previous)]) == expected


@pytest.mark.parametrize(
    "question",
    [
        "发现并督促整改了多少问题?",
        "区一级的党代会开了没有",
        "其他镇召开党代会了吗?",
        "应该如何强化政治引领?",
        "村集体经济该如何发展?",  # 该 = "should" here
        "十八大报告包括哪几章?",  # names its report: about that report, not the last area
    ],
)
def test_questions_that_stand_alone_are_left_as_asked(question: str) -> None:
    assert not is_followup(question)
    assert rule_rewrite(question, [Turn("11月有多少个镇召开了党代会?")]) == question


def test_the_old_term_is_not_replaced_inside_a_longer_one() -> None:
    # "村" of "村社区" is not a term ending like "示范村": no swap, the topic is attached instead.
    previous = "全区381个村社区“两委”换届实现了什么目标?"
    assert rule_rewrite("那示范村呢?", [Turn(previous)]) == "示范村（全区381个村社区“两委”换届实现了目标）?"


def test_without_history_nothing_is_rewritten() -> None:
    assert rule_rewrite("那示范村呢?", []) == "那示范村呢?"
    assert rewrite("那示范村呢?", []).question == "那示范村呢?"


def test_the_latest_turn_is_the_context() -> None:
    history = [Turn("轮换选派了多少名驻村第一书记?"), Turn("建成了多少个规范村?")]
    assert rewrite("那示范村呢?", history).question == "建成了多少个示范村?"


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("6月15日谁到召台村报到了?", "6月15日到召台村报到的人"),
        ("轮换选派了多少名驻村第一书记?", "驻村第一书记"),
        ("如何强化政治引领?", "强化政治引领"),
        ("驻村工作队的任务有哪些?", "驻村工作队的任务"),
    ],
)
def test_topic_of_a_question(question: str, topic: str) -> None:
    assert topic_of(question) == topic


def test_the_rewrite_prompt_holds_the_last_turns_without_citation_marks() -> None:
    history = [Turn(f"问题{i}", f"回答{i}[1]") for i in range(5)]
    system, user = rewrite_messages("那示范村呢?", history)
    assert "只输出改写后的问题本身" in system["content"]
    assert "用户：问题1" not in user["content"] and "用户：问题2" in user["content"]
    assert "助手：回答4" in user["content"] and "[1]" not in user["content"]
    assert user["content"].endswith("最新的问题：那示范村呢?\n改写后的问题：")


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("这些呢?", "建成了多少个规范村?"),  # the previous question again
        ("这两个村呢?", "这两个村（规范村）?"),
        ("上述举措取得了哪些成效?", "上述举措取得了哪些成效（规范村）?"),
    ],
)
def test_determiners_before_numbers_or_nothing_still_point_back(question: str, expected: str) -> None:
    assert is_followup(question)
    assert rule_rewrite(question, [Turn("建成了多少个规范村?")]) == expected


def test_a_client_failure_in_the_model_rewrite_falls_back_to_the_rules() -> None:
    class Broken:
        name = "openai:broken"

        def stream(self, messages: object, max_tokens: int = 512) -> Iterator[str]:
            raise RuntimeError("stream has been closed")
            yield ""  # pragma: no cover - makes this a generator

    result = rewrite("那示范村呢?", [Turn("建成了多少个规范村?")], Broken())
    assert result.question == "建成了多少个示范村?"
    assert result.error is not None and str(result.error) == "RuntimeError"
