"""The lead figure: the figure of the chosen sentences that answers the question."""

from __future__ import annotations

import pytest

from ingest.records import Aspect
from ingest.terms import bigrams, words
from rag.figures.lead import asks_growth, lead_figure, subject_context


def _cover(question: str):  # type: ignore[no-untyped-def]
    terms = set(words(question) + bigrams(question))

    def coverage(clause: str) -> float:
        found = set(words(clause) + bigrams(clause))
        return len(terms & found) / max(1, len(terms))

    return coverage


def _lead(
    question: str,
    *sentences: str,
    lean: Aspect | None = None,
    targets: bool = False,
    subject=None,
    places: tuple[str, ...] = (),
    focus: str | None = None,
) -> str:  # type: ignore[no-untyped-def]
    """The lead of `question` (its focus, the question less what the filters enforce, is
    `focus` when given) from `sentences`."""
    coverage = _cover(question)
    given = [(s, targets, False) for s in sentences]
    subject = subject or (lambda _c: 1.0)
    return lead_figure(question, focus or question, given, coverage, subject, lean, places=places)


@pytest.mark.parametrize(
    ("question", "lead"),
    [
        ("贫困发生率降到了多少？", "3.1%"),  # where the change ends
        ("贫困发生率下降了多少个百分点？", "7.1个百分点"),  # the change itself
        ("贫困发生率是多少？", "3.1%"),  # the level reached, never where it started
    ],
)
def test_a_change_from_a_to_b(question: str, lead: str) -> None:
    sentence = "贫困发生率从10.2%下降到3.1%，累计下降7.1个百分点。"
    assert _lead(question, sentence) == lead


def test_a_result_or_a_target_in_one_sentence() -> None:
    sentence = "国内生产总值增长6.9%，高于6.5%左右的预期目标。"
    assert _lead("国内生产总值增长多少？", sentence, lean=Aspect.RESULT) == "6.9%"
    assert _lead("国内生产总值的预期目标是多少？", sentence, lean=Aspect.TARGET) == "6.5%左右"


def test_in_a_list_of_targets_the_figure_whose_words_match() -> None:
    sentence = "城镇新增就业85万人，城镇调查失业率5.5%左右。"
    assert _lead("城镇新增就业的目标是多少？", sentence, lean=Aspect.TARGET, targets=True) == "85万人"


def test_a_rate_is_a_percentage_and_a_range_leads_whole() -> None:
    assert _lead("赤字率按多少安排？", "财政赤字2.38万亿元。", "今年赤字率拟按2.6%安排。") == "2.6%"
    assert _lead("失业率是多少？", "新增就业1351万人。") == ""  # no rate to give
    assert _lead("增长目标是多少？", "国内生产总值增长6.5%－7%。") == "6.5%－7%"


def test_a_sub_item_and_a_direction() -> None:
    sentence = "今年新开工700万套以上，其中各类棚户区470万套以上。"
    assert _lead("安居工程新开工，其中棚户区改造多少套？", sentence) == "470万套以上"
    # A comparison: both figures and the difference, in the report's words.
    assert (
        _lead("赤字率比去年高还是低，差多少？", "赤字率拟按2.6%安排，比去年预算低0.4个百分点。")
        == "2.6%，比去年预算低0.4个百分点"
    )


def test_a_figure_about_something_else_is_no_answer() -> None:
    def subject(context: str) -> float:
        return 1.0 if "M2" in context else 0.0

    sentence = "国内生产总值增长6.5%左右，居民消费价格涨幅3%左右。"
    assert _lead("M2增长目标是多少？", sentence, subject=subject) == ""


def test_growth_is_a_change_and_not_a_level_nor_a_per_unit_ratio() -> None:
    # Invented sentence of the usual form of a five-year plan's targets.
    sentence = "到期末，单位地区生产总值能耗、用水量分别下降12%、10%，湿地保有率达到55.5%。"
    assert _lead("地区生产总值增长目标是多少？", sentence) == ""
    assert _lead("能耗下降多少？", sentence) == "12%"
    assert _lead("单位地区生产总值能耗下降多少？", sentence) == "12%"
    assert _lead("进出口增长多少？", "进出口总额突破2万亿元、增长7.2%。") == "7.2%"


@pytest.mark.parametrize(
    ("question", "growth"),
    [
        ("今年经济增长的目标定为多少？", True),
        ("外贸进出口增长了多少？", True),
        ("粮食产量增长速度是多少", True),
        ("粮食产量是多少？", False),
        ("增长最快的是哪个行业？", False),
    ],
)
def test_how_much_something_grows(question: str, growth: bool) -> None:
    assert asks_growth(question) is growth


def _context(sentence: str, figure: str, question: str) -> str:
    at = sentence.index(figure)
    return subject_context(sentence, at, at + len(figure), question)


def test_the_next_item_of_a_list_has_its_own_subject() -> None:
    listed = "城镇低保对象减少12万人，危房改造3.5万户。"
    assert _context(listed, "3.5万户", "低保对象降到多少？") == "危房改造3.5万户"
    # Naming nothing, or the same thing in other words after a phrase without a figure:
    # the subject carries over.
    carried = _context("工业增加值达到1.2万亿元，增长6.1%。", "6.1%", "工业增加值增长多少？")
    assert carried.startswith("工业增加值")
    assert _context("油料生产稳中有增，总产达到80万吨。", "80万吨", "油料总产量是多少？").startswith("油料")


def test_an_amount_is_no_share_and_a_count_names_its_thing_after_it() -> None:
    assert _lead("油料产量是多少？", "油料产量占全国超3成。") == ""
    # "120万农村人口" counts 农村人口, not the 出生人口 asked about.
    assert _lead("出生人口多少？", "全年解决120万农村人口饮水问题。") == ""
    assert _lead("农村人口饮水问题解决了多少？", "全年解决120万农村人口饮水问题。") == "120万"


def test_a_difference_is_no_level_unless_the_difference_is_asked() -> None:
    # "比上年多20万人" says by how much the count rose, not what it is.
    assert _lead("技能培训目标是多少人？", "技能培训预期目标比上年多20万人，体现了对技能的重视。") == ""
    assert _lead("技能培训目标比上年多了多少？", "技能培训预期目标比上年多20万人。") == "20万人"
    # A growth asked is stated as growth on the year before: it still answers.
    assert _lead("出口比上年增长了多少？", "出口总额比上年增长8.1%。") == "8.1%"


def test_a_per_unit_question_is_not_answered_by_its_denominator() -> None:
    # "单位GDP能耗" asks about energy per unit of output: output's own growth is no answer.
    targets = "今年的主要预期目标是：国内生产总值增长7.5%左右。"
    assert _lead("单位GDP能耗下降目标是多少？", targets) == ""
    assert _lead("单位国内生产总值能耗下降多少？", "单位国内生产总值能耗下降3.4%以上。") == "3.4%以上"
    # Written out, the denominator starts with a word jieba tags as a place (国内): still it.
    output = "国内生产总值达到90万亿元。"
    assert _lead("单位国内生产总值用水量是多少？", output) == ""
    # Energy per unit of output is the same indicator under its other name, an intensity.
    assert _lead("单位地区生产总值能耗降了多少？", "能源消耗强度下降3.2%。") == "3.2%"


COMPARISONS = [
    # A difference asked: the level and the difference the report states beside it.
    ("专项资金比去年多了多少？", "安排专项资金85亿元，比去年增加12亿元。", "85亿元，比去年增加12亿元"),
    # The verb after the first figure is left out of the lead.
    ("赤字率比去年高了多少？", "赤字率拟按3.1%安排，比去年高0.3个百分点。", "3.1%，比去年高0.3个百分点"),
    # Where a change started and ended.
    ("森林覆盖率由多少提高到多少？", "森林覆盖率由41.2%提高到43.6%。", "由41.2%提高到43.6%"),
    # A change and the level it reached, asked together.
    ("城镇化率上升了几个百分点，达到多少？", "城镇化率上升1.4个百分点，达到68%。", "1.4个百分点，达到68%"),
    # Against another place.
    ("生产总值增速比全市高出多少？", "生产总值增长6.4%，高于全市1.1个百分点。", "6.4%，高于全市1.1个百分点"),
]


@pytest.mark.parametrize(("question", "sentence", "lead"), COMPARISONS)
def test_a_comparison_leads_with_both_figures(question: str, sentence: str, lead: str) -> None:
    assert _lead(question, sentence) == lead


def test_a_plain_growth_question_keeps_its_one_figure() -> None:
    # No comparison asked: the level beside the growth is not pulled into the lead.
    assert _lead("全区生产总值增长多少？", "全区生产总值达到980亿元，增长6.4%。") == "6.4%"


def test_a_change_the_other_way_is_no_answer() -> None:
    # "减少了多少" is not answered by a figure that rose in the same sentence.
    assert _lead("全区低保人数减少了多少？", "全区低保对象保障标准由每月620元提高到680元。") == ""


def test_a_five_year_review_gives_the_level_a_year_ended_at_never_its_total() -> None:
    review = "五年来，全区生产总值从620亿元增加到980亿元，年均增长7.2%，累计新增就业8.6万人。"
    given = [(review, False, True)]
    ask = "生产总值是多少？"
    assert lead_figure(ask, ask, given, _cover(ask), lambda _c: 1.0, None, one_year=True) == "980亿元"
    ask = "新增就业多少人？"
    assert lead_figure(ask, ask, given, _cover(ask), lambda _c: 1.0, None, one_year=True) == ""


def test_money_asked_is_never_answered_with_a_count() -> None:
    sentence = "举办培训班36期，培训干部5200人次，投入培训经费180万元。"
    assert _lead("一共投入了多少经费？", sentence) == "180万元"
    assert _lead("一共投入了多少经费？", "举办培训班36期，培训干部5200人次。") == ""


def test_a_number_of_years_is_no_amount() -> None:
    assert _lead("全区税收收入是多少？", "全区税收收入120亿元，连续12年位居全市第一。") == "120亿元"
    assert _lead("全区税收收入是多少？", "税收收入连续12年位居全市第一。") == ""


def test_another_indicator_sharing_the_words_is_not_the_asked_one() -> None:
    from rag.figures.indicator import same_indicator

    # A subset of areas: another indicator, unless the question names it.
    assert not same_indicator("农村居民人均可支配收入", "脱贫地区农村居民人均可支配收入", "")
    assert same_indicator("地区生产总值", "全省地区生产总值", "")
    # The question says more than the figure's phrase: only when the sentence says it too.
    assert not same_indicator("国有企业利润", "企业利润", "工业增速回升，企业利润增长21%")
    assert same_indicator("国有企业利润", "利润", "国有企业效益好转，利润增长23%")
    # Every modifier asked must be said: 城镇 is, 登记 is not (the surveyed rate is another one),
    # whatever words end each name ("失业率最后", "失业率平均为").
    sentence = "城镇新增就业3万人，城镇调查失业率平均为5.1%。"
    assert not same_indicator("城镇登记失业率最后", "城镇调查失业率平均", sentence)
    assert same_indicator("城镇调查失业率", "城镇调查失业率平均", sentence)


def test_a_sibling_word_of_one_root_names_another_indicator() -> None:
    from rag.figures.indicator import same_indicator

    # 存栏 (kept) and 出栏 (sold), 开工 and 竣工: the same root, two indicators.
    assert not same_indicator("肉牛存栏", "肉牛出栏", "肉牛出栏12万头，增长3%。")
    assert _lead("全区肉牛存栏多少头？", "全区肉牛出栏12万头，增长3%。") == ""
    assert not same_indicator("安置房开工", "安置房竣工", "安置房竣工3000套。")
    # Said too, it is the sentence's subject; and the same word is the same indicator.
    assert same_indicator("肉牛存栏", "肉牛出栏", "肉牛存栏稳定，肉牛出栏12万头。")
    assert _lead("全区肉牛出栏多少头？", "全区肉牛出栏12万头，增长3%。") == "12万头"


def test_where_a_change_started_is_never_the_answer_alone() -> None:
    assert _lead("低保标准是多少？", "低保标准由每月620元提高到680元。") == "680元"
    # "从……拿出" is no change: the amount taken is the answer.
    assert _lead("拿出多少资金？", "从结余中拿出120亿元用于培训。") == "120亿元"


def test_two_asks_in_two_sentences_and_a_verb_after_the_comparative() -> None:
    # "…是多少？比去年…几个百分点？": each ask alone, both answered by the pair.
    sentence = "今年城镇登记失业率控制在3.2%，比去年预算低0.3个百分点。"
    lead = _lead("失业率控制在多少？比去年预算下调了几个百分点？", sentence)
    assert lead == "3.2%，比去年预算低0.3个百分点"
    # "多安排了多少": a verb between the comparative and 多少.
    sentence = "区级财政安排乡村振兴资金6.8亿元，比去年增加0.9亿元。"
    assert _lead("乡村振兴资金比去年多安排了多少钱？", sentence) == "6.8亿元，比去年增加0.9亿元"
    # "高校有多少所" is no comparison.
    assert _lead("全区高校有多少所？", "全区有高校4所，在校生3.1万人。") == "4所"


def test_a_part_of_a_whole_is_named_where_its_figure_is() -> None:
    # The whole's change is no answer about a part named only later in the sentence.
    sentence = "全省财政支出860亿元，比上年增加60亿元，其中省级财政支出210亿元。"
    assert _lead("财政支出比上年增加了多少？", sentence) == "860亿元，比上年增加60亿元"
    assert _lead("省级财政支出比上年增加了多少？", sentence) == ""
    assert _lead("省级财政支出是多少？", sentence) == "210亿元"


def test_a_total_over_years_is_no_average_nor_one_year() -> None:
    five = [("五年来，城镇新增就业累计4.6万人，年均新增9200人。", False, True)]
    one = [("全年城镇新增就业9500人。", False, False)]
    ask = "过去五年城镇新增就业累计多少人？"
    assert lead_figure(ask, ask, five, _cover(ask), lambda _c: 1.0) == "4.6万人"
    assert lead_figure(ask, ask, one, _cover(ask), lambda _c: 1.0) == ""
    ask = "过去五年城镇新增就业年均多少人？"
    assert lead_figure(ask, ask, five, _cover(ask), lambda _c: 1.0) == "9200人"


def test_an_amount_set_aside_is_about_what_it_is_for() -> None:
    sentence = "区财政安排1200万元专项资金，重点用于老旧小区改造。"
    context = subject_context(sentence, sentence.find("1200"), sentence.find("万元") + 2)
    assert "老旧小区改造" in context


def test_a_measure_word_asked_is_not_the_start_of_a_noun() -> None:
    assert _lead("解决了多少农村人口的饮水问题？", "全年解决1.2万农村人口饮水问题。") == "1.2万"
    assert _lead("攻入了几球？", "全场攻入4球，获得冠军。") == "4球"


def test_a_count_in_another_measure_counts_something_else() -> None:
    assert _lead("办公楼分为几层？", "办公楼由三条连廊连接。") == ""
    # 共计 is a total of anything, not one over years.
    assert _lead("全区共计有多少个村？", "全区共计有村212个。") == "212个"


def test_rules_counted_in_件_answer_a_question_in_部() -> None:
    assert _lead("全年出台了多少部地方性法规？", "全年出台地方性法规12件。") == "12件"
    assert _lead("全年出台了多少部地方性法规？", "全年出台地方性法规12个。") == ""


def test_people_counted_in_名_answer_a_question_in_人() -> None:
    assert _lead("换届后有多少人进入班子？", "换届后，318名优秀人才进入村两委班子。") == "318名"


def test_what_there_is_by_now_and_what_was_added_are_told_apart() -> None:
    from rag.figures.lead import stock_or_flow

    assert stock_or_flow("全区现在一共有几个示范村？", "累计12个") > 0
    assert stock_or_flow("全区现在一共有几个示范村？", "新认定示范村3个") < 0
    assert stock_or_flow("去年新增了几个示范村？", "累计12个") < 0
    assert stock_or_flow("去年新增了几个示范村？", "新认定示范村3个") > 0
    assert stock_or_flow("示范村有几个？", "累计12个") == 0.0  # neither asked


def test_later_figures_of_a_list_share_its_verb() -> None:
    from rag.figures.lead import changed_by
    from rag.figures.numbers import find_numbers

    sentence = "城乡低保标准分别提高8%和12%，二氧化硫、氮氧化物排放量分别下降3.1%、2.4%。"
    assert [changed_by(sentence, m) for m in find_numbers(sentence)] == [True] * 4
    assert not any(
        changed_by("收入分别达4.5万元和2.1万元", m) for m in find_numbers("收入分别达4.5万元和2.1万元")
    )


def test_what_names_a_figure_stands_in_its_own_sentence() -> None:
    from rag.figures.lead import fits_the_question
    from rag.figures.numbers import find_numbers

    two = "消费拉动经济增长作用增强。服务业对经济增长贡献率接近55%。"
    (m,) = find_numbers(two)
    assert not fits_the_question("消费对经济增长的贡献率是多少", two, m)  # 消费 is in the sentence before
    assert fits_the_question("服务业对经济增长贡献率是多少", two, m)


def test_a_growth_asked_is_a_change_or_a_growth_rate_not_a_level_reached() -> None:
    assert _lead("人均收入实际增长多少？", "补助标准增加到人均300元，人均收入实际增长6%。") == "6%"
    assert _lead("地区生产总值增长了多少？", "地区生产总值增速达到6.1%。") == "6.1%"
    # Shares listed after "提高到" are levels too, the later ones as much as the first.
    shares = "装备制造业、数字产业增加值占规模以上工业比重分别提高到40%、20%，规模以上工业增加值增长5%。"
    assert _lead("规模以上工业增加值增长了多少？", shares) == "5%"
    assert (
        _lead(
            "规模以上工业增加值增长了多少？",
            "装备制造业、数字产业增加值占规模以上工业比重分别提高到40%、20%。",
        )
        == ""
    )


def test_a_yearly_average_is_read_over_the_list_and_never_from_a_level() -> None:
    sentence = "五年来，一般公共预算收入、税收收入年均分别增长7.2%、8.1%。"
    assert _lead("过去五年税收收入年均增长多少？", sentence) == "8.1%"
    assert _lead("过去五年森林覆盖率年均提高多少？", "森林覆盖率从50%提高到55%。") == ""


def test_what_a_year_added_over_the_one_before_is_a_change() -> None:
    sentence = "市场主体达到25万户，比上年新增2.1万户。"
    assert _lead("市场主体比上年增加了多少户？", sentence) == "2.1万户"


def test_a_share_is_no_ratio_and_a_ratio_no_growth() -> None:
    share = "数字经济核心产业增加值占地区生产总值比重达到10.5%。"
    assert _lead("数字经济核心产业增加值占比是多少？", share) == "10.5%"
    assert _lead("城乡居民收入比是多少？", "城乡居民收入分别增长5%、6%。") == ""
    assert _lead("城乡居民收入比是多少？", "城乡居民收入比缩小到2.3。") == "2.3"


def test_a_floor_held_for_several_years_is_no_years_own_figure() -> None:
    sentence = "全市接待游客连续3年超过2000万人次，旅游收入创新高。"
    given = [(sentence, False, False)]
    question = "2030年全市接待游客多少人次？"
    assert lead_figure(question, question, given, _cover(question), lambda _c: 1.0, one_year=True) == ""
    # Asked for the span itself, the floor answers.
    assert _lead("全市接待游客连续几年超过2000万人次？", sentence) == "3年"


def test_a_count_opening_its_clause_counts_another_thing() -> None:
    sentence = "12个街道新增口袋公园，市民出行更加便利。"
    assert _lead("新增口袋公园是多少？", sentence) == ""
    assert _lead("全市新增就业是多少？", "选派300名医生下乡义诊。") == ""  # counts 医生
    assert _lead("有几个街道新增绿地？", sentence) == "12个"  # a count asked: it is the answer


def test_two_heads_sharing_modifiers_are_two_indicators() -> None:
    from rag.figures.indicator import same_indicator

    # Both name 新增 and 园区, but one counts jobs and the other firms.
    assert not same_indicator("园区新增就业", "新增园区入驻企业", "新增园区入驻企业12家")
    assert same_indicator("园区新增就业", "新增园区就业人数", "新增园区就业人数3000人")
    # The question's head is said as part of the text's ("总产量" against 粮食产量).
    assert same_indicator("粮食总产量", "粮食产量", "粮食产量达到80万吨")
    # Words for a kind of statistic paraphrase each other (比重 / 强度).
    assert same_indicator("科技投入占财政支出比重", "科技投入强度", "科技投入强度4.2%")
    # A phrase cut inside a word ends in no head: nothing is told apart by it.
    assert same_indicator("全区在技能竞赛中拿", "在技能竞赛中荣获", "在技能竞赛中荣获12个奖项")


def test_a_share_asked_is_no_growth() -> None:
    sentence = "全市研发经费投入增长12%，占地区生产总值的比重达到2.6%。"
    assert _lead("研发经费投入占地区生产总值的比重是多少？", sentence) == "2.6%"
    growth_only = "全市研发经费投入增长12%，创历史新高。"
    assert _lead("研发经费占地区生产总值的比例是多少？", growth_only) == ""


def test_a_figure_of_other_places_named_in_its_clause_is_not_the_asked_places() -> None:
    sentence = "全省生产总值增长5.1%，总量达到3.6万亿元；赣州、九江两市生产总值突破5000亿元。"
    assert _lead("江西省2030年生产总值是多少？", sentence, places=("江西省",)) == "3.6万亿元"
    # Asked about no place whose reports answer (a place only mentioned, or none), a city's
    # figure is not ruled out this way.
    assert _lead("生产总值突破了多少？", "赣州生产总值突破5000亿元。") == "突破5000亿元"


def test_an_intensity_is_a_percentage() -> None:
    sentence = "全市科技经费支出约80亿元、科技投入强度2.9%。"
    assert _lead("科技投入强度是多少？", sentence) == "2.9%"


def test_intensities_are_named_by_what_they_measure() -> None:
    energy = "单位产值能耗下降4.2%。"
    assert _lead("科技经费投入强度为多少？", energy) == ""
    assert _lead("科技经费投入强度为多少？", "科技经费投入强度2.1%。") == "2.1%"


def test_a_share_is_no_rate_that_names_the_same_part() -> None:
    contribution = "高新技术产业对经济增长贡献率接近58%，消费持续恢复。"
    assert _lead("高新技术产业增加值占生产总值的比重是多少？", contribution) == ""
    share = "高新技术产业增加值占生产总值比重达到14.2%。"
    assert _lead("高新技术产业增加值占生产总值的比重是多少？", share) == "14.2%"


def test_a_name_sharing_the_end_of_a_word_is_another_indicator() -> None:
    # "城际铁路运营里程" and "城际公路运营里程" share "路运营里程", not their thing.
    roads = "城际公路运营里程达到3200公里。"
    assert _lead("城际铁路运营里程有多少公里？", roads) == ""
    assert _lead("城际铁路运营里程有多少公里？", "城际铁路运营里程达到860公里。") == "860公里"
    # Verbs sharing a character are synonyms as often as not: left to the words' test.
    assert _lead("实际利用境外资金多少？", "实际使用境外资金120亿元。") == "120亿元"


def test_a_per_person_amount_is_named_by_what_it_counts() -> None:
    # "提高到人均480元": the name is 补助标准, not 人均…
    subsidy = "城乡居民医保财政补助标准提高到人均480元。"
    assert _lead("城乡居民人均存款是多少元？", subsidy) == ""
    assert _lead("医保财政补助标准提高到多少？", subsidy) == "480元"


def test_a_level_reached_is_no_amount_added() -> None:
    span = "城际铁路运营里程从900公里增加到1500公里。"
    assert _lead("新增城际铁路运营里程多少公里？", span) == ""
    assert _lead("城际铁路运营里程达到多少公里？", span) == "1500公里"
    # A flow that changed: its level is the flow asked for.
    flows = "新增就业从12万人增加到13万人。"
    assert _lead("新增就业多少人？", flows) == "13万人"


def test_how_many_people_counted_with_the_classifier() -> None:
    assert _lead("这批派出了几个人？", "这批派出12名技术骨干。") == "12名"


def test_a_rates_level_is_no_change_in_points() -> None:
    sentence = "全区森林覆盖率上升2个百分点，达到56%。"
    assert _lead("全区森林覆盖率是多少？", sentence) == "56%"
    assert _lead("全区森林覆盖率上升了几个百分点？", sentence) == "2个百分点"


def test_a_count_of_a_noun_the_question_does_not_name_is_another_thing() -> None:
    teachers = "推动1.2万名教师城乡交流，新增学位9万个。"
    assert _lead("城镇新增就业多少人？", teachers) == ""
    assert _lead("城乡交流的教师有多少人？", teachers) == "1.2万名"


def test_only_an_acronym_glossed_in_brackets_is_named_by_the_gloss() -> None:
    from rag.figures.indicator import indicator_before

    assert indicator_before("PPI（工业生产者出厂价格）降了") == "工业生产者出厂价格"
    # Brackets in a sentence's own words keep their place: the name is what follows them.
    assert indicator_before("共4位终身成就奖（即最高奖）得主中就有") == "得主中就"


def test_the_end_of_a_change_is_named_before_its_start() -> None:
    # "由…提高到": the name stands before 由, and it is another indicator's.
    medical = "城乡居民医保财政补助由每人每年420元提高到450元，同步提高个人缴费标准。"
    assert _lead("基本公共卫生服务经费补助标准是多少钱？", medical) == ""
    assert _lead("城乡居民医保财政补助是多少钱？", medical) == "450元"


def test_what_a_year_added_is_not_what_is_held() -> None:
    sentence = "新建城际铁路投产里程超过900公里，新建改建国道3000多公里、农村公路12万公里。"
    assert _lead("城际铁路运营里程有多少公里？", sentence) == ""
    assert _lead("新建城际铁路多少公里？", sentence) == "超过900公里"


def test_a_thing_of_its_own_named_in_the_figures_clause_is_another_thing() -> None:
    # Names sharing no word: "农村公路" is a thing of its own, not a measure of the one asked.
    assert _lead("城际铁路运营里程有多少公里？", "全年建成农村公路1.2万公里。") == ""
    # A measure may be another name of the one asked.
    assert _lead("某机场去年货运量有多少吨？", "某机场开通货运航线20条，货邮吞吐量达到60万吨。") != ""


def test_a_part_of_a_level_reached_is_that_years_level_too() -> None:
    review = "铁路营业里程达到3万公里，其中城际铁路超过4000公里。"
    ask = "城际铁路营业里程有多少公里？"
    given = [(review, False, True)]  # in a review of several years
    assert lead_figure(ask, ask, given, _cover(ask), lambda _c: 1.0, None, one_year=True) == "超过4000公里"


def test_a_verb_alone_counts_what_its_sentence_names() -> None:
    sentence = "鼓励更多应届高中毕业生报考职业院校，今年扩招20万人。"
    assert _lead("高校毕业生有多少人？", sentence) == ""
    assert _lead("职业院校扩招多少人？", sentence) == "20万人"


def test_the_noun_a_count_asked_names_after_it() -> None:
    from rag.figures.lead import fits_the_question
    from rag.figures.numbers import find_numbers

    sentence = "示范带动培训学生家长5万人次，培训各级教师4000人次。"
    crowd, cadres = find_numbers(sentence)
    asked = "一共轮训了多少人次的教师？"
    assert not fits_the_question(asked, sentence, crowd) and fits_the_question(asked, sentence, cadres)
    assert _lead(asked, sentence) == "4000人次"
    assert _lead("一共培训了多少人次的家长？", sentence) == "5万人次"


def test_a_guess_at_a_percentage_asks_for_it() -> None:
    # The guess is no part of the indicator's name ("…人数涨了百分之十").
    from rag.figures.lead import _QUESTION_TAIL

    assert _QUESTION_TAIL.sub("", "报名人数增加了百分之二十几来着？") == "报名人数增加了"
    assert _QUESTION_TAIL.sub("", "招收学生人数涨了几个百分点？") == "招收学生人数涨了"


def test_an_average_per_head_answers_an_average_per_year() -> None:
    given = [("城镇居民人均可支配收入达5万元。", False, False)]
    ask = "城里人平均每年到手的收入有多少？"  # of a year the question names
    assert lead_figure(ask, ask, given, _cover(ask), lambda _c: 1.0, None, one_year=True) == "5万元"


def test_a_unit_per_volume_answers_the_unit_asked() -> None:
    sentence = "12个重点城市细颗粒物浓度降至28微克/立方米。"
    assert _lead("细颗粒物浓度是每立方米多少微克？", sentence) == "28微克/立方米"
    assert _lead("细颗粒物浓度是每立方米多少微克？", "12个重点城市细颗粒物浓度下降9%。") == ""


def test_a_modifier_asked_short_is_said_in_full() -> None:
    from rag.figures.indicator import same_indicator

    sentence = "铁路运营里程超过10万公里，其中城际铁路运营里程达到1.1万公里。"
    assert same_indicator("城铁运营里程", "其中城际铁路运营里程", sentence)
    assert not same_indicator(
        "城铁运营里程", "其中高速公路运营里程", sentence.replace("城际铁路", "高速公路")
    )
    # And a part named in full continues a question asking it short.
    review = "铁路营业里程达到3万公里，其中城际铁路超过4000公里。"
    assert _context(review, "4000公里", "城铁运营里程有多少公里？").startswith("铁路营业里程")


def test_what_a_count_asked_counts_may_be_said_with_a_particle_or_short() -> None:
    sentence = "新建改建国道3000多公里、乡村道路12万公里。"
    assert _lead("全年新建改建了多少公里乡村的路？", sentence) == "12万公里"
    assert _lead("全年新建改建了多少公里国道？", sentence) == "3000多公里"


def test_the_rise_of_a_standard_is_not_the_standard() -> None:
    sentence = "学生营养餐补助标准再增加30元，全部用于改善伙食。"
    assert _lead("政府给每个学生的营养餐补助是多少钱？", sentence) == ""
    assert _lead("学生营养餐补助标准增加了多少？", sentence) == "30元"


def test_how_high_asked_is_no_part_of_the_name() -> None:
    sentence = "国内生产总值增长6.7%，对全球经济增长的贡献率超过30%。"
    assert _lead("研发支出占国内生产总值的比例有多高？", sentence) == ""
    assert _lead("对全球经济增长的贡献率有多高？", sentence) == "超过30%"


def test_a_short_form_keeps_the_first_or_last_character_of_whole_words() -> None:
    from rag.figures.indicator import said_in

    assert said_in("外资", "实际使用外商直接投资") and said_in("城铁", "其中城际铁路运营里程")
    # 气 stands inside 天然气: "油田天然气" says no 油气.
    assert not said_in("油气", "塔里木油田天然气日产量")
    # Words kept whole around one left out are a phrase: 流动 narrows 城市人口.
    assert not said_in("城市人口", "城市流动人口增加12万")


def test_a_synonym_in_the_figures_name_names_the_same_indicator() -> None:
    from rag.figures.indicator import same_indicator

    assert same_indicator("每万人拥有全科医生", "每万人拥有全科医师", "每万人拥有全科医师3.5名")
    assert _lead("每万人拥有全科医生多少名？", "每万人拥有全科医师3.5名，家庭医生签约率达到60%。") == "3.5名"
    # Share words: one body writes 比率, another 比例; the other share of the sentence is not it.
    sentence = "全市地表水Ⅲ类以上水质断面比例93.1%，林木良种使用比率88.5%。"
    assert _lead("林木良种使用比例是多少？", sentence) == "88.5%"
    # Look-alikes are no synonyms.
    assert not same_indicator("高速铁路营业里程", "高速公路营业里程", "高速公路营业里程达到8000公里")


def test_a_name_goes_on_through_a_class_in_roman_numerals() -> None:
    from rag.figures.indicator import indicator_before

    assert indicator_before("全市地表水Ⅲ类以上水质断面比例") == "地表水Ⅲ类以上水质断面比例"
    sentence = "林木良种使用比率88.5%，地表水Ⅲ类以上水质断面比例93.1%。"
    assert _lead("林木良种使用比例是多少？", sentence) == "88.5%"


def test_when_said_after_the_name_is_no_part_of_it() -> None:
    from rag.figures.indicator import indicator_before

    assert indicator_before("某区绿化覆盖率现在到") == "某区绿化覆盖率"
    assert indicator_before("全市森林覆盖率目前已") == "森林覆盖率"


def test_a_word_shared_only_in_part_names_another_indicator() -> None:
    from rag.figures.indicator import same_indicator

    # 电气 is all "电气设备产量" shares with "电气化率": 电气化 is never said.
    assert not same_indicator("电气化率", "电气设备产量", "电气设备产量增长8%")
    assert same_indicator("电气化率", "农村电气化率", "农村电气化率达到95%")


def test_a_percentage_asked_as_baifenzhi_duoshao() -> None:
    from rag.figures.lead import wants_percent

    assert wants_percent("全区公园绿地服务半径覆盖面目前是百分之多少？")
    sentence = "全区新建口袋公园12个，公园绿地服务半径覆盖面达到91%。"
    assert _lead("全区公园绿地服务半径覆盖面目前是百分之多少？", sentence) == "91%"


def test_what_the_question_asks_done_is_the_figure_whose_clause_says_it() -> None:
    sentence = "新开工城市绿道工程120公里，基本建成85公里，市民出行更加便捷。"
    assert _lead("2031年城市绿道基本建成了多少公里？", sentence) == "85公里"
    assert _lead("2031年新开工城市绿道多少公里？", sentence) == "120公里"
    # A later clause naming the question's word with no figure of its own is no part of it.
    houses = "开工教师周转宿舍3000套，建成2400套，上万名教师住进新居。"
    assert _lead("2031年建成教师周转宿舍多少套？", houses) == "2400套"
    assert _lead("2031年教师周转宿舍开工了多少套？", houses) == "3000套"


def test_a_count_word_after_a_shared_word_cuts_nothing() -> None:
    # "就业人数" is 就业 + 人数: the match 农村转移就业 ends between them.
    sentence = "农村转移就业3.2万人，城镇登记失业率2.9%。"
    assert _lead("2031年某区农村转移就业人数是多少？", sentence) == "3.2万人"


def test_the_share_of_what_a_verb_does_is_its_rate() -> None:
    from rag.figures.indicator import same_indicator

    assert same_indicator("城市污水处理的比例", "城市污水处理率", "城市污水处理率达到95%")
    # A share of a whole is still no rate of something else.
    assert not same_indicator(
        "高新技术产业占产值的比重", "高新技术产业对增长的贡献率", "高新技术产业对增长的贡献率40%"
    )


def test_a_name_given_after_the_ask_names_the_indicator() -> None:
    # Only a verb stands before 多少: what is counted is named after it.
    sentence = "城镇低收入人口减少3200人，全区新建便民服务点12个。"
    assert _lead("2031年解决了多少城市居民的出行难题？", sentence) == ""
    assert _lead("2031年解决了多少城市居民的出行难题？", "又解决2.1万城市居民出行难题。") == "2.1万"


def test_a_subject_word_said_as_its_synonym_is_said() -> None:
    from rag.question.thesaurus import with_synonyms_of

    assert with_synonyms_of(["全科医生", "医生"], {"全科", "医师"}) == {"全科", "医师", "医生"}
    assert with_synonyms_of(["高速铁路"], {"高速公路"}) == {"高速公路"}


def test_a_word_only_the_question_names_between_a_shared_start_and_head_tells_them_apart() -> None:
    from rag.figures.indicator import same_indicator

    sentence = "某区养老金按时发放比例达到98.5%"
    assert not same_indicator("养老金按时发放户数比例", "养老金按时发放比例", sentence)
    assert same_indicator("养老金按时发放户数比例", "养老金按时发放比例", "按户数计，" + sentence)
    # A head of its own on the figure's side is a paraphrase, left to the other tests.
    assert same_indicator(
        "城市绿道建设强度", "城市绿道建成里程与建成区面积之比", "城市绿道建成里程与建成区面积之比达到1.2"
    )


def test_a_part_of_the_whole_said_by_a_short_form_is_named() -> None:
    from rag.figures.indicator import same_indicator

    assert not same_indicator("民企贷款", "企业贷款", "某区企业贷款余额增长12%")
    assert same_indicator("民企贷款", "贷款", "某区民营企业经营向好，贷款余额增长15%")
    assert same_indicator("企业贷款", "企业贷款", "某区企业贷款余额增长12%")


def test_a_level_asked_is_not_how_much_it_changed() -> None:
    given = [
        ("某区城市绿道总长提高1000公里。", False, False),
        ("某区城市绿道总长达到5000公里。", False, False),
    ]
    ask = "某区城市绿道总长是多少公里？"
    assert lead_figure(ask, ask, given, _cover(ask), lambda _c: 1.0) == "5000公里"
    ask = "某区城市绿道总长提高了多少公里？"
    assert lead_figure(ask, ask, given, _cover(ask), lambda _c: 1.0) == "1000公里"


def test_a_mean_named_by_the_year_is_one_years_level() -> None:
    from rag.figures.lead import _over_years

    assert not _over_years("某区年均气温上升0.3度")
    assert _over_years("某区绿道里程年均增长6%") and _over_years("五年累计新建绿道300公里")


def test_what_a_verb_before_the_ask_is_done_to_is_named_after_it() -> None:
    from rag.figures.lead import _asked_name

    assert _asked_name("某区城市绿道建设拨了多少经费？") == "经费"
    assert _asked_name("某区志愿者人数增长了多少？") == "某区志愿者人数"
    sentence = "某区开展绿道建设20处，拨付建设经费2亿元、带动投资30亿元。"
    assert _lead("某区城市绿道建设拨了多少经费？", sentence) == "2亿元"


def test_a_mean_named_by_its_noun_asks_no_average_over_years() -> None:
    from rag.figures.lead import _total_for_average

    assert not _total_for_average("某区年均气温是多少度？", "某区气温16.5度")
    assert _total_for_average("近五年城市绿道年均新建多少公里？", "城市绿道新建300公里")


def test_an_official_names_own_words_tell_nothing_apart() -> None:
    from rag.figures.indicator import same_indicator

    sentence = "某区居民收入增长7%"
    assert same_indicator("居民人均可支配收入", "居民收入", sentence, sentence, as_asked=False)
    assert not same_indicator("居民人均可支配收入", "居民收入", sentence, sentence)


def test_a_count_of_people_is_not_answered_by_another_count_or_a_share() -> None:
    # The sentence shares only "全区" with the question: it counts communities, and its share
    # is of secretaries.
    said = "圆满完成全区120个社区换届工作，实现100%的社区书记一肩挑。"
    assert _lead("某区全区一共有多少志愿者？", said) == ""
    # The count asked is still answered where the sentence counts it.
    assert _lead("某区全区一共有多少志愿者？", "全区注册志愿者达到3.2万人，服务时长增长20%。") == "3.2万人"
    # A share asked stays a share.
    assert _lead("全区志愿者占常住人口的比例是多少？", "全区注册志愿者占常住人口的12%。") == "12%"


def test_in_a_list_of_kinds_the_figure_of_another_kind_is_not_the_asked_ones() -> None:
    # Asked of 燃气锅炉, the first figure's clause says 全年 and 淘汰 too, but names 锅炉 only as
    # another kind's (燃煤), while the sentence names the asked kind's later.
    sentence = "以节能降耗为重点，全年淘汰燃煤锅炉120台、燃气锅炉30台，腾退土地200亩。"
    assert _lead("全年淘汰燃气锅炉多少台？", sentence) == "30台"
    assert _lead("全年淘汰燃煤锅炉多少台？", sentence) == "120台"
    # The asked kind's words elsewhere without a figure of their own name no other item.
    goals = "主要预期目标是：全区生产总值增长6%左右，居民增收与经济增长基本同步。"
    assert _lead("今年经济增长的目标定为多少？", goals, lean=Aspect.TARGET, targets=True) == "6%左右"
    # The clause's own kind is the question's too (a part of the whole the other clause names).
    shares = "优化交通结构，公共交通出行比重提高1.7个百分点，私家车出行比重下降2个百分点。"
    assert _lead("私家车占交通出行的比重降低多少个百分点？", shares) == "2个百分点"


def test_a_measure_word_of_things_counted_one_by_one() -> None:
    assert _lead("志愿服务队一共获得了几枚奖章？", "志愿服务队荣获5枚奖章、3面锦旗。") == "5枚"
    assert _lead("全区种了多少棵树？", "全区种植树木120万棵。") == "120万棵"


def test_a_figure_is_named_by_its_own_clause_not_the_end_of_another() -> None:
    from rag.figures.lead import clause_names_indicator

    # "5%" is also the end of "7.5%": the clause of the figure itself names the indicator.
    sentence = "网格员队伍由上年减少1.4%转为增加7.5%，志愿服务时长增长5%，群众满意度提高。"
    assert clause_names_indicator("志愿服务时长增长多少？", sentence, "5%")
    assert not clause_names_indicator("网格员增长多少？", sentence, "5%")


def test_an_indicator_named_short_or_before_a_comma_is_named_by_its_full_words() -> None:
    from rag.figures.lead import clause_names_indicator, names_indicator

    # "绿道" asked, "绿色步道" written: the two characters in order, a few apart.
    assert names_indicator("新建城市绿道多少公里？", "新建城市绿色步道120公里")
    assert not names_indicator("新建城市绿道多少公里？", "新建城市道路120公里")
    # The name said first, the figure asked after a comma.
    sentence = "全年新建城市绿色步道120公里，改造老旧小区30个。"
    assert clause_names_indicator("新建城市绿道，是多少公里？", sentence, "120公里")
    assert not clause_names_indicator("新建城市绿道，是多少公里？", sentence, "30个")


def test_the_years_character_and_a_word_of_total_are_no_part_of_the_name() -> None:
    from rag.figures.lead import _asked_names

    assert _asked_names("老旧小区2031年总共整治了多少个？") == ("整治",)
    assert _asked_names("2031年年末某区常住人口是多少？") == ("某区常住人口",)
    assert _asked_names("某区2031年度财政预算是多少？") == ("财政预算",)


def test_two_verbs_paired_for_one_act_are_answered_by_the_one_said() -> None:
    sentence = "新建公园12个，老旧小区改造85个。"
    assert _lead("老旧小区2031年修缮改造了多少个？", sentence) == "85个"
    # A verb before a noun still names a kind of it: 出生人口 is not 农村人口.
    assert _lead("出生人口多少？", "全年解决120万农村人口饮水问题。") == ""


def test_a_length_in_service_does_not_answer_what_a_year_opened() -> None:
    held = "城际铁路运营里程达到3000公里。"
    assert _lead("2031年新开通了多少公里城际铁路？", held) == ""
    added = "新增城际铁路运营里程120公里，城际铁路运营里程达到3000公里。"
    assert _lead("2031年新开通了多少公里城际铁路？", added) == "120公里"
    assert _lead("城际铁路运营里程有多少公里？", held) == "3000公里"


def test_a_share_of_one_part_is_not_stated_by_anothers_share_of_the_same_whole() -> None:
    sentence = "研发经费支出与地区生产总值之比达到2.1%，文旅产业增加值比重达到6.3%。"
    tourism = "2031年文旅产业增加值占GDP比重达到多少？"
    assert _lead(tourism.replace("GDP", "地区生产总值"), sentence) == "6.3%"
    assert _lead(tourism, "全社会研发经费支出占国内生产总值比重超过2%。") == ""
    assert _lead(tourism, "研发经费支出与国内生产总值之比超过2%，能耗下降4.8%。") == ""
    assert _lead("研发经费支出占地区生产总值比重达到多少？", sentence) == "2.1%"
    # A part named officially otherwise is the same part: 第三产业 is 服务业.
    services = "服务业增加值占国内生产总值比重上升到52.1%。"
    assert _lead(tourism.replace("文旅产业", "第三产业"), services) == "52.1%"


def test_a_stated_change_of_another_indicator_names_it_before_the_figure() -> None:
    from rag.figures.lead import change_of_another

    question = "2031年城市绿道总里程有多长？"
    beside = "新建绿道投用里程320公里，城市绿道总里程达1800公里。"
    assert change_of_another(question, beside, "320公里")
    after = "城市绿道总里程达1800公里，比上年增加320公里。"
    assert not change_of_another(question, after, "320公里")
    assert not change_of_another(question, after, "1800公里，比上年增加320公里")  # a paired lead
    # A change naming nothing before it is of what its sentence is about.
    assert not change_of_another(question, "全区绿道达1800公里，比上年增加320公里。", "320公里")


def test_what_a_year_adds_to_a_balance_is_its_change_on_the_year_before() -> None:
    sentence = "年末志愿服务基金余额增长8%，新增1.2亿元。"
    assert _lead("志愿服务基金余额比上年多了多少钱？", sentence) == "1.2亿元"
    # A flow's "新增" is the year's own level, no change on the year before.
    assert _lead("全区新增志愿者比上年多了多少？", "全区新增志愿者1300人，超过预期目标。") == ""


def test_the_general_classifier_asks_for_a_count_in_any_measure_word() -> None:
    sentence = "五年来新建绿道50公里，建成污水处理设施36处。"
    assert _lead("一共建成了多少个污水处理设施？", sentence) == "36处"
    assert _lead("一共建成了多少座污水处理设施？", sentence) == ""  # 座 counts buildings, not 处
    # Nor does it ask for people: a count of staff sent to villages is no count of villages.
    assert _lead("一共建成了多少个示范村？", "向示范村派驻12名驻村干部和30名志愿者。") == ""


def test_a_count_of_a_group_of_people_named_after_it() -> None:
    # "多少人" is answered by a count whose people are named after it, words between.
    assert _lead("2031年有多少人得到上门服务？", "为3000多名孤寡和独居老人上门服务。") == "3000多名"
    assert _lead("2031年有多少人领到助学金？", "为1.2万留守和困境儿童发放助学金。") == "1.2万"


def test_people_counted_for_another_thing_are_not_those_asked() -> None:
    # Both count 山区群众; the question goes on to what was done for them, which the sentence's
    # figure never says.
    moved = "全年易地搬迁山区群众1.2万人，新修通村公路300公里。"
    assert _lead("2031年保障了多少山区群众住房安全？", moved) == ""
    housing = "全年保障1.5万山区群众住房安全，新修通村公路300公里。"
    assert _lead("2031年保障了多少山区群众住房安全？", housing) == "1.5万"
    # Only people counted: a shared act ("出栏") names what the figure counts, in its own words.
    assert _lead("2031年出栏的菜牛有多少头？", "全年肉牛出栏12万头，保持全省第1位。") == "12万头"


def test_a_stock_asked_at_the_years_end_is_not_what_the_year_added() -> None:
    # "2031年底" is the time (the filters take it off the focus), yet a stock is asked: the
    # year's addition is no answer; a change asked of the year before is.
    sentence = "去年末某市公共自行车保有量增长8%，新增2万辆。"
    held = "2031年底某市公共自行车一共有多少辆？"
    assert _lead(held, sentence, focus="某市公共自行车一共有多少辆？") == ""
    more = "2031年底某市公共自行车比前一年多了几辆？"
    assert _lead(more, sentence, focus="某市公共自行车比前一年多了几辆？") == "2万辆"


def test_a_change_asked_as_a_share_in_words() -> None:
    # "百分之几" asks how much, as "多少" does: the rural figure of a respective pair.
    sentence = "城乡低保标准分别提高8.1%和10.5%，特困人员供养标准提高6%。"
    assert _lead("2031年某区农村低保标准上调百分之几？", sentence) == "10.5%"
    assert _lead("2031年某区农村低保标准涨了百分之多少呢？", sentence) == "10.5%"


def test_a_bare_dao_asks_the_level_reached() -> None:
    # "到多少公里了" asks where it stands: a change by some kilometres is no answer to it.
    assert _lead("某区绿道总长到多少公里了？", "推进公园城市建设，绿道总长增加12公里。") == ""
    assert _lead("某区绿道总长到多少公里了？", "绿道总长达到320公里。") == "320公里"
    # 得到 is getting something: a count got, not a level.
    assert _lead("某区得到多少个示范村称号？", "新增市级示范村5个。") == "5个"


def test_how_a_figure_changed_is_no_word_of_its_name() -> None:
    # "统一由…提高到" names 补助标准; the subsidy is not the wage asked.
    sentence = "城乡居民医保财政补助标准统一由450元提高到480元。"
    assert _lead("2031年某市城镇职工月平均工资是多少元？", sentence) == ""
    assert _lead("2031年某市城乡居民医保财政补助标准是多少元？", sentence) == "480元"


def test_an_adverb_of_totalling_inside_the_asked_name() -> None:
    # "城际铁路一共通车": 一共 is no word of the name, which is not the intercity roads'.
    sentence = "城际公路通车里程达1200公里，水运、航空建设进一步加强。"
    assert _lead("2031年底城际铁路一共通车了多少公里？", sentence) == ""
    assert _lead("2031年底城际公路一共通车了多少公里？", sentence) == "1200公里"


def test_a_thing_the_question_sets_aside() -> None:
    # "不光是农村公路": the figure named by the excluded part is not the whole asked.
    sentence = "新建农村公路3000公里，改造危桥200座。"
    assert _lead("全区一共新建了多少公里公路？不光是农村公路。", sentence) == ""
    assert _lead("全区新建了多少公里农村公路？", sentence) == "3000公里"


def test_a_word_for_a_body_of_people_wraps_the_group_counted() -> None:
    # "应急救援力量3000名" counts the rescuers a question may call a 队伍 or 人选.
    sentence = "组建基层应急救援力量3000名，新建避难场所40处。"
    assert _lead("全区基层应急救援队伍有多少人？", sentence) == "3000名"
    # A thing of another kind is still another thing.
    assert _lead("全区基层应急救援车辆有多少辆？", sentence) == ""
