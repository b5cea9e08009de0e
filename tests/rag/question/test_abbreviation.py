from __future__ import annotations

from collections.abc import Callable

import jieba

from rag.question.abbreviation import contracted, short_forms, spelled_out

TEXTS = [
    "主要农作物耕种收综合机械化率提高到68%，规模以上工业增加值增长7%。",
    "社会消费品零售总额增长5%。全省两百多万高校师生参加创新创业。",
]
# The words the knowledge base writes, as its index holds them.
KNOWN = {w.lower() for t in TEXTS for w in jieba.cut(t)}


def spelled(
    question: str, texts: list[str] = TEXTS, known: Callable[[str], bool] = KNOWN.__contains__
) -> str:
    return spelled_out(question, short_forms(question, known), texts)


def test_a_short_name_is_spelled_out_as_the_texts_write_it() -> None:
    assert spelled("农机化率是多少？") == "农作物耕种收综合机械化率是多少？"
    assert spelled("2025年社零总额增长多少？") == "2025年社会消费品零售总额增长多少？"


def test_a_name_written_as_asked_or_found_nowhere_stays() -> None:
    assert spelled("机械化率是多少？") == "机械化率是多少？"
    assert spelled("森林覆盖率是多少？") == "森林覆盖率是多少？"
    assert spelled("农机化率是多少？", []) == "农机化率是多少？"


def test_words_the_reports_write_are_a_phrase_not_a_short_form() -> None:
    # 全省 and 高校师生 are both written: a count between them makes no full name.
    assert spelled("全省高校师生有多少？") == "全省高校师生有多少？"


def test_two_different_full_names_leave_the_short_one_as_it_is() -> None:
    texts = ["城市公共交通出行率为30%。", "城乡公交通达率为90%。"]
    assert spelled("城公通率是多少？", texts) == "城公通率是多少？"


def test_words_left_out_whole_make_a_phrase_not_a_short_form() -> None:
    texts = ["三级换届工作中严格把关。"]
    never_written = lambda _w: False  # noqa: E731 - every word counts as new here
    assert spelled("换届中有什么要求？", texts, never_written) == "换届中有什么要求？"
    # A particle stands in no name: "……代表大会上的报告" is a phrase.
    assert spelled("十九大报告", ["第十九次全国代表大会上的报告"], never_written) == "十九大报告"


def test_the_longest_short_form_keeps_the_questions_first_character() -> None:
    texts = ["新型基础设施建设投资增长12%。"]
    known = {w for t in texts for w in jieba.cut(t)}.__contains__
    assert spelled("新基建投资增长多少？", texts, known) == "新型基础设施建设投资增长多少？"


def test_a_name_asked_in_full_that_the_texts_write_only_short() -> None:
    from rag.question.abbreviation import short_form_written

    texts = ["今年新认定高企120家。", "启动新的三年棚改攻坚计划。"]
    asked = "高新技术企业新认定多少家？"
    assert short_form_written(asked, texts) == "高新技术企业（高企）新认定多少家？"
    assert short_form_written("棚户区改造开工了几套？", texts) == "棚户区改造（棚改）开工了几套？"
    # Once is enough, and a name the texts write in full is asked as it is.
    once = short_form_written(asked, texts)
    assert short_form_written(once, texts) == once
    in_full = [*texts, "高新技术企业达到900家。"]
    assert short_form_written(asked, in_full) == asked


def test_first_characters_across_the_texts_words_are_no_short_form() -> None:
    from rag.question.abbreviation import short_form_written

    # 城镇|新增 -> "城新", which here stands across two words of the text, not as one.
    assert short_form_written("城镇新增人口是多少？", ["古城新貌"]) == "城镇新增人口是多少？"
    # No name: a time and a verb ("去年下降" -> 去下), a pair of words ("站长姓名" -> 站姓).
    assert short_form_written("比去年下降几个点？", ["去下"]) == "比去年下降几个点？"
    assert short_form_written("站长姓名是什么？", ["站姓"]) == "站长姓名是什么？"


def test_a_short_word_the_texts_write_only_as_the_names_words_it_begins() -> None:
    from rag.question.abbreviation import initials_written

    texts = ["城际铁路运营里程达到860公里。", "新建农村公路3000公里。"]
    assert initials_written("城铁运营里程多少？", texts) == "城际铁路运营里程多少？"
    # Written as asked somewhere, or no name begun by its characters: unchanged.
    assert initials_written("城铁运营里程多少？", [*texts, "城铁开通3条。"]) == "城铁运营里程多少？"
    assert initials_written("地铁运营里程多少？", texts) == "地铁运营里程多少？"


def test_a_contraction_in_the_text_says_the_two_words_asked() -> None:
    # 家访 (家 begins 家里, 访 ends 走访); 环保 (环 begins 环境, 保 begins 保护 after it).
    question = "志愿者上门到老人家里走访，一共多少人次？"
    assert contracted(["上门", "家里", "走访", "人次"], question, "开展家访3200人次") == {"家里", "走访"}
    reordered = "上门走访老人家庭多少户？"
    assert contracted(["走访", "老人", "家庭"], reordered, "为老人开展家访800户") == {"家庭", "走访"}
    assert contracted(["环境", "保护", "投入"], "环境保护投入多少？", "环保投入12亿元") == {"环境", "保护"}
    # Not the second word's first character when it stands before ("城镇新增" is no 新城), nor
    # words far apart, nor a word the question writes itself.
    assert contracted(["城镇", "新增", "就业"], "城镇新增就业多少人？", "新城就业3万人") == set()
    far = "环境整治和群众生活保护投入多少？"
    assert contracted(["环境", "整治", "群众", "生活", "保护"], far, "环保投入12亿元") == set()
    assert contracted(["家访", "走访"], "家访走访多少次？", "家访3200人次") == set()
    # Alone, with no other word of the question beside it, a contraction says nothing.
    assert contracted(["上门", "家里", "走访", "人次"], question, "开展家访，效果良好") == set()
    assert contracted(["出境", "人口"], "出境人口是多少？", "民营企业出口占全省的50.6%") == set()


def test_a_contraction_inside_a_four_character_word_says_the_words_asked() -> None:
    # jieba keeps "危房改造" whole; its first two characters contract 危险 and 房子.
    question = "那些危险房子改造了多少户？"
    assert contracted(["危险", "房子", "改造"], question, "全区危房改造1200户。") == {"危险", "房子"}


def test_a_compound_said_apart_around_the_amount_is_written_whole() -> None:
    from rag.question.abbreviation import compounds_joined

    known = {"纳税", "贷款", "种树"}.__contains__
    assert compounds_joined("去年全区纳了多少税？", known) == "去年全区纳税多少？"
    assert compounds_joined("企业贷了多少款？", known) == "企业贷款多少？"
    # Only a compound the reports write; a measure or money keeps the question asking in it.
    assert compounds_joined("去年全区缴了多少税？", known) == "去年全区缴了多少税？"
    assert compounds_joined("去年招了多少人？", {"招人"}.__contains__) == "去年招了多少人？"
    assert compounds_joined("绿化花了多少钱？", {"花钱"}.__contains__) == "绿化花了多少钱？"
    # The verb's character ending another verb is no compound with the object.
    assert compounds_joined("全场踢进了几球？", {"进球"}.__contains__) == "全场踢进了几球？"
