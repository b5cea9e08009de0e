"""Figures in digits and Chinese numerals: value, unit and the form a lead shows."""

from __future__ import annotations

import pytest

from rag.figures.numbers import asks_for_number, cn_value, figure_values, find_numbers


def _found(text: str) -> list[tuple[str, str, float | None, str]]:
    return [(m.text, m.unit, m.value, m.shown) for m in find_numbers(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("推出一千五百多项改革举措", [("一千五百多项", "项", 1500.0, "一千五百多项")]),
        ("增长到八十万亿元", [("八十万亿元", "元", 8e13, "八十万亿元")]),
        ("六千多万贫困人口稳定脱贫", [("六千多万", "", 6e7, "六千多万")]),
        ("贫困发生率下降到百分之四以下", [("百分之四", "%", 4.0, "百分之四以下")]),
        ("城镇化率年均提高一点二个百分点", [("一点二个百分点", "个百分点", 1.2, "一点二个百分点")]),
        ("粮食生产能力达到一万二千亿斤", [("一万二千亿斤", "斤", 1.2e12, "一万二千亿斤")]),
        ("高速铁路运营里程增加到2万5千公里", [("2万5千公里", "公里", 25000.0, "2万5千公里")]),
        ("出境旅游1亿3千多万人次", [("1亿3千多万人次", "人次", 1.3e8, "1亿3千多万人次")]),
        ("粮食产量1.3万亿斤", [("1.3万亿斤", "斤", 1.3e12, "1.3万亿斤")]),
        ("实际使用外资1263亿美元", [("1263亿美元", "美元", 1.263e11, "1263亿美元")]),
        ("平均浓度20.6微克/立方米", [("20.6微克/立方米", "微克/立方米", 20.6, "20.6微克/立方米")]),
        ("海上风电1200万千瓦", [("1200万千瓦", "千瓦", 1.2e7, "1200万千瓦")]),
        ("压缩至35个工作日以内，", [("35个", "个", 35.0, "35个工作日以内")]),
        ("居民消费价格涨幅3%左右", [("3%", "%", 3.0, "3%左右")]),
        ("新增就业110万人以上", [("110万人", "人", 1.1e6, "110万人以上")]),
        ("二○三五年基本实现", [("二○三五年", "年", 2035.0, "二○三五年")]),
    ],
)
def test_figures_with_units_values_and_leads(text: str, expected: list[tuple[str, str, float, str]]) -> None:
    assert _found(text) == expected


def test_a_range_leads_with_both_ends() -> None:
    (first, second) = find_numbers("国内生产总值增长6.5%－7%，")
    assert (first.text, first.shown, second.text) == ("6.5%", "6.5%－7%", "7%")
    # A change is not a range: the verb stands between the figures.
    assert [m.shown for m in find_numbers("从16%降至13%")] == ["16%", "13%"]


@pytest.mark.parametrize(
    "text",
    ["千家万户", "十分重视", "一部分", "三四个", "三是要", "两人", "党的十九届六中全会", "PM2.5", "M2"],
)
def test_words_that_hold_numerals_are_not_figures(text: str) -> None:
    assert find_numbers(text) == []


def test_values_agree_across_scripts() -> None:
    assert cn_value("四万零八百二十二") == cn_value("40822") == 40822.0
    assert cn_value("2万5千") == cn_value("两万五千") == 25000.0
    assert cn_value("50余万") == 500000.0
    assert cn_value("万一") is None
    assert figure_values("百分之九十") == figure_values("90%") == {(90.0, True)}


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("2012年粮食产量实际增长了多少？", True),
        ("浙江省2023年森林覆盖率是多少？", True),
        ("2010年第三产业占地区生产总值的比重？", True),
        ("安徽2022年研发投入强度？", True),
        ("报告提出要重点建设的是哪个经济区？", False),
        ("如何强化政治引领?", False),
        ("几乎所有村都建了活动室吗?", False),
        ("今年派了几支工作队?", True),
        ("乡镇要配齐哪几类专职人员?", False),  # which ones, not how many
    ],
)
def test_which_questions_ask_for_a_figure(question: str, asks: bool) -> None:
    assert asks_for_number(question) is asks


def test_which_years_is_a_date_question() -> None:
    from rag.figures.numbers import asks_for_date

    assert asks_for_date("哪几年超额完成了目标?") and asks_for_date("哪一年开始试点?")


def test_the_last_interrogative_says_what_is_asked() -> None:
    # "几项" counts the tasks, but the question asks for their name.
    assert not asks_for_number("供给侧结构性改革的几项重点任务合起来简称什么？")
    assert asks_for_number("什么项目投资了多少？")


def test_a_unit_written_once_after_a_list_belongs_to_every_figure_in_it() -> None:
    listed = find_numbers("两类贷款增速分别高3.5和1.2个百分点，新建学校2、3和5所。")
    assert [(m.text, m.unit, m.read) for m in listed] == [
        ("3.5", "个百分点", "3.5个百分点"),
        ("1.2个百分点", "个百分点", "1.2个百分点"),
        ("2", "所", "2所"),
        ("3", "所", "3所"),
        ("5所", "所", "5所"),
    ]
    # Figures with units of their own keep them; a date is no list item of a count.
    assert [m.read for m in find_numbers("增长5.2%和3.1%")] == ["5.2%", "3.1%"]


def test_a_magnitude_alone_after_a_word_of_nearness() -> None:
    from rag.figures.numbers import find_numbers

    found = find_numbers("出境旅游近亿人次，上万名干部下沉，超亿元投资")
    assert [(m.lead, m.value) for m in found] == [("近亿人次", 1e8), ("上万名", 1e4), ("超亿元", 1e8)]
    # Elsewhere 万 and 亿 are words.
    assert find_numbers("万众一心，千家万户，亿万人民") == []


def test_a_bound_is_part_of_the_figure_but_not_a_comparison_with_one() -> None:
    from rag.figures.numbers import find_numbers

    assert [m.lead for m in find_numbers("细颗粒物浓度首次低于30微克/立方米，")] == ["低于30微克/立方米"]
    assert [m.lead for m in find_numbers("增长6.9%，高于6.5%左右的预期目标。")] == ["6.9%", "6.5%左右"]
