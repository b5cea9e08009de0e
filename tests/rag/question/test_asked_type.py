"""The answer types a wrong type cannot answer: money, a day, a person's name."""

from __future__ import annotations

import pytest

from rag.question.asked_type import AskedType, asked_role, asked_type, names_a_day, person_names


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("修缮村级活动阵地花了多少钱？", AskedType.MONEY),
        ("为此投入了多少资金？", AskedType.MONEY),
        ("专项经费是多少？", AskedType.MONEY),
        ("年末全区贷款余额是多少？", AskedType.MONEY),  # a balance is an amount of money
        ("贷款余额增长了多少？", None),  # its growth is a rate
        ("新阵地是哪一天投用的？", AskedType.DAY),
        ("大会在几月几日召开？", AskedType.DAY),
        ("这次讲话是谁作的？", AskedType.PERSON),
        ("牵头负责人叫什么名字？", AskedType.PERSON),
        ("培训了多少人次？", None),
        ("今年的冠军是谁？", None),  # a team, a country or a person: not gated
        ("这个项目叫什么名字？", None),  # a thing's name
        ("哪两位同志受到表彰？", None),  # answered by what the report says of them
        ("是哪一年开始的？", None),  # a year is a date question of its own
    ],
)
def test_asked_type(question: str, kind: AskedType | None) -> None:
    assert asked_type(question) is kind


def test_a_day_is_written_with_its_day() -> None:
    assert names_a_day("3月5日") and names_a_day("十八日") and names_a_day("7·21")
    assert not names_a_day("6月") and not names_a_day("9月底") and not names_a_day("2021年")


def test_the_role_a_person_is_asked_by() -> None:
    assert asked_role("牵头负责人叫什么名字？") == "负责人"
    assert asked_role("这次讲话是谁作的？") == ""


def test_person_names_leave_out_those_the_question_says() -> None:
    assert person_names("主持人李克强宣布开会") == ["李克强"]
    assert person_names("主持人李克强宣布开会", question="李克强说了什么") == []
    assert person_names("区委组织部相关负责人介绍。") == []


def test_a_name_right_after_a_role_is_read_by_its_surname() -> None:
    from rag.question.asked_type import name_after

    text = "编剧王某鸰还没从剧中抽身。"
    assert name_after(text, 2) == "王某鸰"
    assert name_after("部长会议精神", 2) == ""  # 会 is no surname


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("运动会是在哪个城市举办的？", AskedType.PLACE),
        ("年会在哪里召开？", AskedType.PLACE),
        ("开幕式在哪儿举行？", AskedType.PLACE),
        ("在哪些地方开展了试点？", None),  # a list of places, not one
        ("发展的短板在哪里？", None),  # no place: where a problem lies
        ("资金在哪方面加大投入？", None),
        ("新厂位于什么地方？", None),  # a description, not only a place name
        ("他是哪个地方的人？", None),
        ("研究中心在哪一年成立？", None),  # a year
    ],
)
def test_a_place_asked(question: str, kind: AskedType | None) -> None:
    assert asked_type(question) is kind


def test_place_names_leave_out_those_the_question_says() -> None:
    from rag.question.asked_type import place_names

    assert place_names("首届茶叶博览会在重庆举办") == ["重庆"]
    assert place_names("首届茶叶博览会在重庆举办", question="重庆办过什么") == []


def test_a_person_asked_by_a_noun_of_agent_and_several_by_dou_you_shui() -> None:
    assert asked_type("受到表彰的志愿者都有谁？") is AskedType.PERSON
    assert asked_role("受到表彰的护林员都有谁？") == "护林员"
    # A role of the list is read before a noun of agent that ends in it; 对手 may be a team.
    assert asked_role("这组照片的摄影记者是谁？") == "记者"
    assert asked_type("决赛的对手有谁？") is None
    # The role is looked for beside a name in the quoted sentence: a part of the noun will do.
    assert asked_role("表彰的优秀教师有哪些人？") in "优秀教师"
    assert asked_role("获奖者是谁？") == "获奖者"
    # 家 ends 国家 too: not a person asked.
    assert asked_type("这个国家是谁？") is None


def test_which_one_asks_for_a_person_with_or_without_a_role() -> None:
    assert asked_type("这期简报是哪位编辑审定的？") is AskedType.PERSON
    assert asked_role("这期简报是哪位编辑审定的？") == "编辑"
    assert asked_type("讲座是哪一位主讲的？") is AskedType.PERSON
    assert asked_role("讲座是哪一位主讲的？") == ""


def test_a_venue_asked_by_its_kind_of_place() -> None:
    assert asked_type("博览会放在哪个市举行？") is AskedType.PLACE
    assert asked_type("论坛在哪座城市举行？") is AskedType.PLACE
    assert asked_type("他在哪个县工作？") is None  # not an event held
