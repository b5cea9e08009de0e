"""Whose knowledge base it is: the home body's figure first, the other bodies' in one line."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ingest.config import Settings
from ingest.home import find_home
from rag.pipeline import KnowledgeBase
from tests.fakes import HashEmbedder, indexed_reports, reports_kb

REPORTS = {
    "2031年綦江区政府工作报告.txt": (
        "2031年綦江区政府工作报告\n——2031年1月10日在綦江区第十九届人民代表大会第五次会议上\n区长　王某某\n"
        "一、2030年工作回顾\n过去一年，全区地区生产总值增长6.2%，一般公共预算收入42亿元。\n"
        "二、2031年工作安排\n今年全区地区生产总值预期增长6%左右。\n"
    ),
    "2030年綦江区政府工作报告.txt": (
        "2030年綦江区政府工作报告\n一、2029年工作回顾\n过去一年，全区地区生产总值增长5.9%。\n"
        "二、2030年工作安排\n今年全区地区生产总值预期增长6%左右。\n"
    ),
    "2031年重庆市政府工作报告.txt": (
        "2031年重庆市政府工作报告\n一、2030年工作回顾\n过去一年，全市地区生产总值增长5.8%，一般公共预算收入2500亿元。\n"
        "二、2031年工作安排\n今年全市地区生产总值预期增长5.5%左右。\n"
    ),
}


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return indexed_reports(tmp_path_factory.mktemp("home"), REPORTS)


def _kb(settings: Settings, home: str = "") -> KnowledgeBase:
    return KnowledgeBase(replace(settings, home=home), HashEmbedder())


def test_the_home_is_the_body_with_most_reports_or_the_one_set(settings: Settings) -> None:
    kb = _kb(settings)
    home = kb.snapshot.home
    assert home is not None and (home.body, home.region) == ("綦江区人民政府", "綦江区")
    assert kb.status().home == "綦江区人民政府"
    city = find_home(kb.snapshot.metas, "重庆市")
    assert city is not None and city.docs == frozenset({"2031年重庆市政府工作报告"}) and city.set_by_user
    assert find_home(kb.snapshot.metas, "某县委组织部") is None


def test_no_body_named_the_home_figure_and_the_others_in_one_line(settings: Settings) -> None:
    answer = _kb(settings).ask("2030年一般公共预算收入是多少？")
    first, others = answer.text.split("\n")
    assert first.startswith("42亿元。依据：据《2031年綦江区政府工作报告》（回顾2030年）：")
    assert others == "另据其他报告：重庆市 2500亿元[2]。"
    assert [c.doc_id for c in answer.citations] == ["2031年綦江区政府工作报告", "2031年重庆市政府工作报告"]
    assert "2500亿元" in answer.citations[1].sentence
    assert answer.verification is not None and answer.verification.ok


def test_kb_home_turns_it_round_and_a_named_place_gets_only_its_own(settings: Settings) -> None:
    answer = _kb(settings, home="重庆市").ask("2030年一般公共预算收入是多少？")
    assert answer.text.startswith("2500亿元。") and answer.text.endswith("另据其他报告：綦江区 42亿元[2]。")
    named = _kb(settings).ask("重庆2030年一般公共预算收入是多少？")
    assert named.text.startswith("2500亿元。") and "另据" not in named.text
    unmatched = _kb(settings, home="某县委组织部")
    assert unmatched.status().home_unmatched == "某县委组织部"


def test_a_year_none_of_the_homes_reports_covers_is_refused_with_the_others_named(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    reports = {
        **{k: v for k, v in REPORTS.items() if "綦江区" in k},
        "2033年重庆市政府工作报告.txt": (
            "2033年重庆市政府工作报告\n一、2032年工作回顾\n过去一年，全市一般公共预算收入2700亿元，"
            "江北机场货邮吞吐量达到45万吨。\n"
        ),
        "2033年四川省政府工作报告.txt": (
            "2033年四川省政府工作报告\n一、2032年工作回顾\n过去一年，全省一般公共预算收入5900亿元。\n"
        ),
    }
    kb = reports_kb(tmp_path_factory.mktemp("home-year"), reports)
    answer = kb.ask("2032年一般公共预算收入是多少？")
    # No body named: the home's (綦江区) figure is asked, and no report of the home is about
    # 2032. Two other bodies state one each: both are named, neither is the answer.
    assert answer.refused and not answer.lead
    first, others = answer.text.split("\n")[:2]
    assert first == "知识库中没有綦江区人民政府关于2032年的报告，找不到綦江区的这一数字。"
    assert others == "另据其他报告：四川省 5900亿元[1]；重庆市 2700亿元[2]。"
    # A thing only one body's report names is that body's: answered, saying whose.
    airport = kb.ask("2032年江北机场货邮吞吐量是多少？")
    assert airport.text.startswith("45万吨。依据：据《2033年重庆市政府工作报告》（回顾2032年）：")
    # A year the home's reports cover is answered from them, as before.
    assert kb.ask("2030年一般公共预算收入是多少？").text.startswith("42亿元。")


def test_a_year_no_report_covers_keeps_the_usual_refusal(settings: Settings) -> None:
    answer = _kb(settings).ask("2020年一般公共预算收入是多少？")
    assert answer.refused and answer.text.startswith("知识库中没有2020年的")


def test_a_figure_the_homes_reports_never_state_is_refused_with_the_others_named(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    reports = {
        **REPORTS,
        "2031年四川省政府工作报告.txt": (
            "2031年四川省政府工作报告\n一、2030年工作回顾\n过去一年，全省细颗粒物平均浓度降至28微克/立方米。\n"
        ),
    }
    city = REPORTS["2031年重庆市政府工作报告.txt"]
    city = city.replace("。\n二、", "，细颗粒物平均浓度降至31微克/立方米。\n二、", 1)
    reports["2031年重庆市政府工作报告.txt"] = city
    kb = reports_kb(tmp_path_factory.mktemp("home-figure"), reports)
    answer = kb.ask("细颗粒物平均浓度是每立方米多少微克？")
    # No body named, and the home's (綦江区) reports state no such figure: the two bodies that
    # do are named, neither taken for the home's.
    assert answer.refused and not answer.lead
    first, others = answer.text.split("\n")[:2]
    assert first == "知识库中綦江区人民政府的报告没有给出綦江区的这一数字。"
    assert others == "另据其他报告：四川省 28微克/立方米[1]；重庆市 31微克/立方米[2]。"
    # What the home's reports do state is answered from them.
    assert kb.ask("2030年一般公共预算收入是多少？").text.startswith("42亿元。")


def test_one_other_bodys_figure_is_not_the_homes_when_the_home_speaks_of_it_without_one(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    reports = dict(REPORTS)
    home = reports["2031年綦江区政府工作报告.txt"]
    reports["2031年綦江区政府工作报告.txt"] = home.replace(
        "一般公共预算收入42亿元。", "一般公共预算收入42亿元，细颗粒物平均浓度持续下降。", 1
    )
    city = reports["2031年重庆市政府工作报告.txt"]
    city = city.replace(
        "。\n二、", "，细颗粒物平均浓度降至31微克/立方米，轨道交通运营里程达到600公里。\n二、", 1
    )
    reports["2031年重庆市政府工作报告.txt"] = city
    kb = reports_kb(tmp_path_factory.mktemp("home-one"), reports)
    answer = kb.ask("细颗粒物平均浓度是每立方米多少微克？")
    # The home's report speaks of it, with no such figure: the city's is named, not given as the answer.
    assert answer.refused and not answer.lead
    assert answer.text.split("\n")[:2] == [
        "知识库中綦江区人民政府的报告没有给出綦江区的这一数字。",
        "另据其他报告：重庆市 31微克/立方米[1]。",
    ]
    # A thing only the city's report names is the city's: answered from it.
    metro = kb.ask("轨道交通运营里程是多少公里？")
    assert metro.lead == "600公里" and "重庆市政府工作报告" in metro.text
