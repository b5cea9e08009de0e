"""Acronyms read as the Chinese names reports write, unless the reports write the acronym."""

from __future__ import annotations

from rag.question.glossary import expand, official_names


def test_an_acronym_the_reports_never_write_gets_its_chinese_names() -> None:
    assert expand("2016年GDP实际增长多少?") == "2016年GDP（国内生产总值 地区生产总值）实际增长多少?"
    assert expand("今年cpi涨幅控制在多少?") == "今年cpi（居民消费价格）涨幅控制在多少?"
    assert expand("PM2.5浓度是多少?") == "PM2.5（细颗粒物）浓度是多少?"  # not M2 inside it


def test_an_acronym_the_reports_write_stays() -> None:
    written = {"cpi"}.__contains__
    assert expand("2022年12月美国CPI上涨了多少？", written) == "2022年12月美国CPI上涨了多少？"
    assert expand("国内生产总值（GDP）增长多少?") == "国内生产总值（GDP）增长多少?"  # already said
    assert expand("如何强化政治引领?") == "如何强化政治引领?"


def test_everyday_indicator_words_are_read_as_their_official_names() -> None:
    assert expand("去年经济总量是多少？") == "去年经济总量（国内生产总值 地区生产总值）是多少？"
    assert expand("物价涨了多少") == "物价（居民消费价格）涨了多少"
    # The official name already there: nothing to add.
    assert expand("居民消费价格和物价") == "居民消费价格和物价"
    assert official_names("农民收入增长多少") == ("农村居民人均可支配收入", "农村居民人均纯收入")


def test_everyday_words_for_groups_and_averages() -> None:
    from rag.question.glossary import expand, official_names

    assert "城镇居民人均可支配收入" in official_names("城里人的收入增长多少")
    assert "居民人均可支配收入" in official_names("老百姓收入增长多少")
    # An average per day is written 日均: replaced, not annotated, where the reports write it.
    assert expand("平均每天新增多少户市场主体", {"日均"}.__contains__) == "日均新增多少户市场主体"
    assert expand("平均每天新增多少户市场主体") == "平均每天新增多少户市场主体"
    assert expand("全区志愿者平均每年新增多少", {"年均"}.__contains__) == "全区志愿者年均新增多少"


def test_the_communiques_abbreviations_and_sector_names() -> None:
    assert expand("实际利用FDI多少") == "实际利用FDI（外商直接投资）多少"
    assert expand("社零增速多少") == "社零（社会消费品零售总额）增速多少"
    assert expand("第三产业占比多少") == "第三产业（服务业）占比多少"
    # Reports write both 规上 and 规模以上: each finds the other.
    assert expand("规上工业增加值") == "规上（规模以上）工业增加值"
    assert expand("规模以上工业增加值") == "规模以上（规上）工业增加值"
    assert official_names("农民人均收入多少") == ("农村居民人均可支配收入", "农村居民人均纯收入")
    assert expand("最低生活保障标准提高多少") == "最低生活保障（低保）标准提高多少"


def test_a_groups_income_asked_with_words_between() -> None:
    assert official_names("市民每年拿到手的收入") == ("城镇居民人均可支配收入",)
    assert official_names("农村人一年的收入") == ("农村居民人均可支配收入", "农村居民人均纯收入")
    assert official_names("城里人的住房") == ()


def test_a_groups_savings_are_its_deposits() -> None:
    assert official_names("农民在信用社的存款有多少") == ("农村居民储蓄存款",)
    assert official_names("2033年城里人的储蓄增加了多少") == ("城镇居民储蓄存款",)
    assert "居民储蓄存款" in expand("群众在信用社里的存款涨了多少")
    assert official_names("企业存款有多少") == ()  # no group of residents: another series


def test_new_jobs_in_towns_asked_in_everyday_words() -> None:
    # Replaced for matching (reports never write the phrase), an average kept where it stands.
    assert expand("2032年城市里新找到工作者有几位？") == "2032年城镇里新增就业者有几位？"
    assert expand("城里年均新增加的岗位有多少") == "城镇年均新增就业有多少"
    assert official_names("城市每年平均新增加的岗位") == ("城镇新增就业",)
    # A stock of the employed is another indicator.
    assert official_names("城镇就业人员有多少") == ()
    assert expand("城镇就业人员有多少") == "城镇就业人员有多少"


def test_a_towns_household_registration_is_settling_there() -> None:
    assert expand("2031年某省把户口迁到城里的有几人？") == "2031年某省把进城落户的有几人？"
    assert official_names("新办了城镇户口的有多少人") == ("进城落户", "城镇落户")
    assert official_names("农村户口有多少人") == ()


def test_everyday_names_of_the_economys_size() -> None:
    assert expand("某省经济体量多大") == "某省经济体量（国内生产总值 地区生产总值）多大"


def test_the_towns_share_of_the_population_is_the_urbanisation_rate() -> None:
    assert expand("到2033年城市人口占全部人口的比例能达到几成") == "到2033年城镇化率能达到几成"
    assert official_names("某省城里人口占比多高") == ("城镇化率",)
    assert official_names("城镇人口有多少") == ()  # a count, not the share


def test_a_mobile_network_generation_is_read_as_its_chinese_name() -> None:
    assert expand("全区5G用户有多少") == "全区5G（第五代移动通信）用户有多少"
    # Where the knowledge base writes the acronym, the texts using it are the ones meant.
    assert expand("全区5G基站多少个", lambda _w: True) == "全区5G基站多少个"
