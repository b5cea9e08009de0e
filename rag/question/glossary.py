"""Standard statistical acronyms and everyday names, and the Chinese names reports write instead.

People ask "GDP增长多少", "CPI涨幅", "经济规模多大", "通胀多少"; reports write 国内生产总值
(地区生产总值 for a province), 居民消费价格. The acronyms below are the international statistical
indicators whose official Chinese names (National Bureau of Statistics usage) are fixed; the
everyday names are the common words for the main indicators of the statistical communiqué
(统计公报), each read as its official names. A question's word can thus be read as those names
when matching text. Nothing here is about any particular report or question.
"""

from __future__ import annotations

import re
from collections.abc import Callable

ACRONYMS: dict[str, tuple[str, ...]] = {
    "GDP": ("国内生产总值", "地区生产总值"),
    "CPI": ("居民消费价格",),
    "PPI": ("工业生产者出厂价格",),
    "PMI": ("采购经理指数",),
    "M2": ("广义货币",),
    "M1": ("狭义货币",),
    "R&D": ("研究与试验发展", "研发"),
    "PM2.5": ("细颗粒物",),
    "FDI": ("外商直接投资",),
    "ODI": ("对外直接投资",),
    "OFDI": ("对外直接投资",),
    # Mobile network generations, as the communiqué counts their users and base stations.
    "3G": ("第三代移动通信",),
    "4G": ("第四代移动通信",),
    "5G": ("第五代移动通信",),
}
# Everyday words for the communiqué's main indicators -> their official names. Unlike an
# acronym, the everyday word stays beside the names even where reports write it too ("经济规模"
# is also said of a city): the official name is what a report states its own figure under.
_OUTPUT = ("国内生产总值", "地区生产总值")
# The statistical bulletin's income indicator, of all residents or of one group.
_INCOME = "人均可支配收入"
_DISPOSABLE = (f"居民{_INCOME}",)
EVERYDAY: dict[str, tuple[str, ...]] = {
    "经济总量": _OUTPUT,
    "经济规模": _OUTPUT,
    "经济体量": _OUTPUT,
    "经济盘子": _OUTPUT,
    "经济增速": _OUTPUT,
    "物价": ("居民消费价格",),
    "通胀": ("居民消费价格",),
    "人均收入": _DISPOSABLE,
    "居民收入": _DISPOSABLE,
    "财政收入": ("一般公共预算收入",),
    "外贸": ("进出口",),
    "消费品零售": ("社会消费品零售总额",),
    "人均寿命": ("人均预期寿命",),
    "平均寿命": ("人均预期寿命",),
    # Foreign capital actually used is counted as foreign direct investment (商务部 since 2014).
    "外资": ("实际使用外资", "外商直接投资"),
    "利用外资": ("使用外资", "外商直接投资"),
    "粮食产量": ("粮食总产量", "粮食总产"),
    # Research spending is asked as 投入 and stated as 经费支出 (the communiqué's R&D indicator).
    "研发投入": ("研发经费支出", "研究与试验发展经费支出", "研发经费投入"),
    # The communiqué's abbreviations, and its two names of one sector.
    "社零": ("社会消费品零售总额",),
    "固投": ("固定资产投资",),
    "第三产业": ("服务业",),
    "三产": ("服务业", "第三产业"),
    # Both are written in reports ("规上工业增加值"): each is read as the other too.
    "规上": ("规模以上",),
    "规模以上": ("规上",),
    # Energy used per unit of output (单位国内/地区生产总值能耗, the communiqué's name) is its
    # intensity, written 能耗强度 / 能源消耗强度 too.
    "生产总值能耗": ("能耗强度", "能源消耗强度"),
    "最低生活保障": ("低保",),
    "低保": ("最低生活保障",),
}
# An average per day / month / person, in the short form statistics write: the same words, so
# the question's phrase is replaced, not annotated ("平均每天接待" is "日均接待"), where the
# knowledge base writes the short form at all (else its reports write the long one).
SHORT_FORMS: dict[str, str] = {
    "平均每天": "日均",
    "每天平均": "日均",
    "平均每日": "日均",
    "平均每月": "月均",
    "每月平均": "月均",
    "平均每年": "年均",
    "每年平均": "年均",
    "平均每人": "人均",
    "每人平均": "人均",
}
_SHORT_FORM = re.compile("|".join(SHORT_FORMS))
# Everyday words for the population groups the communiqué reports on (城里人 for 城镇居民,
# 老百姓 for 居民): with "收入" the group's per-capita disposable income, with "存款" / "储蓄"
# its savings deposits (储蓄存款, the central bank's series of residents' deposits).
_GROUPS: dict[str, str] = {
    "老百姓": "居民",
    "百姓": "居民",
    "群众": "居民",
    "城里人": "城镇居民",
    "城市居民": "城镇居民",
    "城市人": "城镇居民",
    "市民": "城镇居民",
    "城镇居民": "城镇居民",
    "农村人": "农村居民",
    "农村居民": "农村居民",
    "农民": "农村居民",
    "乡下人": "农村居民",
    "农村群众": "农村居民",
}


def _of_group(residents: str, measure: str) -> tuple[str, ...]:
    """The official names of a group's measure: its income or its savings deposits."""
    if measure != "收入":
        return (f"{residents}储蓄存款",)
    # Rural income was named 人均纯收入 before 2014.
    return (f"{residents}{_INCOME}",) + (("农村居民人均纯收入",) if residents == "农村居民" else ())


EVERYDAY.update(
    {
        f"{group}{of}{per}收入": _of_group(residents, "收入")
        for group, residents in _GROUPS.items()
        for of in ("", "的")
        for per in ("", "人均")
    }
)
# A group's measure asked with words between ("市民每年拿到手的收入", "农民在信用社的存款"):
# the same indicator.
_GROUP_MEASURE = re.compile(
    "(?P<group>"
    + "|".join(sorted(_GROUPS, key=len, reverse=True))
    + r")[\u4e00-\u9fff]{0,8}?(?P<measure>收入|存款|储蓄)"
)
# The headline employment indicator, 城镇新增就业 (a target of every year's report), asked
# in everyday words: jobs newly found or added in towns ("城市里新找到工作者"). A stock of
# the employed ("城镇就业人员") says no 新 and stays another indicator. Reports never write
# the everyday phrase, so for matching it is replaced (expand).
_NEW_JOB_NAME = "城镇新增就业"
_NEW_JOBS = re.compile(
    r"(?:城里|城市|城镇)(?P<between>[\u4e00-\u9fff]{0,4}?)新(?:增加?|找到|找)?的?(?:工作|就业|岗位)"
)
# Household registration moved to a town (户籍制度改革's count, 进城落户 / 在城镇落户), asked
# as getting a town's 户口: "户口迁到城市", "办了城镇户口". Replaced for matching too.
_SETTLED_NAMES = ("进城落户", "城镇落户")
_SETTLED = re.compile(r"(?:城里|城市|城镇)户口|户口[\u4e00-\u9fff]{0,4}?(?:城里|城市|城镇)")
# The urbanisation rate is defined as the towns' share of the population (城镇常住人口占总人口的
# 比重), and asked so: "城市人口占全部人口的比例". Replaced for matching, by definition.
_URBAN_SHARE_NAME = "城镇化率"
_URBAN_SHARE = re.compile(
    r"(?:城镇|城市|城里)(?:常住)?人?口?(?:占(?:总人口|全部人口|常住人口|人口))?的?(?:比重|比例|占比)"
)
# Everyday phrases no report writes: each pattern, what expand() writes for it (an average
# said between is kept: "城市每年平均新增加的岗位" -> "城镇年均新增就业"), and its official names.
_REWORDED: tuple[tuple[re.Pattern[str], str, tuple[str, ...]], ...] = (
    (_NEW_JOBS, r"城镇\g<between>新增就业", (_NEW_JOB_NAME,)),
    (_SETTLED, _SETTLED_NAMES[0], _SETTLED_NAMES),
    (_URBAN_SHARE, _URBAN_SHARE_NAME, (_URBAN_SHARE_NAME,)),
)
_EVERYDAY = re.compile("|".join([*sorted(EVERYDAY, key=len, reverse=True), _GROUP_MEASURE.pattern]))


def _everyday_names(said: str) -> tuple[str, ...]:
    if said in EVERYDAY:
        return EVERYDAY[said]
    group = _GROUP_MEASURE.fullmatch(said)
    return _of_group(_GROUPS[group.group("group")], group.group("measure")) if group else ()


_ACRONYM = re.compile("|".join(re.escape(a) for a in sorted(ACRONYMS, key=len, reverse=True)), re.IGNORECASE)


def expand(text: str, written: Callable[[str], bool] = lambda _a: False) -> str:
    """`text` with the Chinese names after each acronym it uses, for matching only:
    "GDP实际增长多少" -> "GDP（国内生产总值 地区生产总值）实际增长多少". An acronym the knowledge
    base itself writes (`written`, given a lower-case index term) stays as it is: there the texts
    that use it are the ones meant ("美国CPI" is not China's 居民消费价格). A short form
    (平均每天 -> 日均) replaces the long one where the knowledge base writes it."""

    def names(m: re.Match[str]) -> str:
        acronym = next(a for a in ACRONYMS if a.lower() == m.group(0).lower())
        found = ACRONYMS[acronym]
        # Indexed as its letter and digit runs ("PM2.5": "pm2", "5").
        parts = re.findall(r"[a-z]+\d*|\d+", acronym.lower())
        if all(written(p) for p in parts) or any(n in text for n in found):
            return m.group(0)
        return f"{m.group(0)}（{' '.join(found)}）"

    def official(m: re.Match[str]) -> str:
        found = _everyday_names(m.group(0))
        if any(n in text for n in found):
            return m.group(0)
        return f"{m.group(0)}（{' '.join(found)}）"

    text = _SHORT_FORM.sub(
        lambda m: SHORT_FORMS[m.group(0)] if written(SHORT_FORMS[m.group(0)]) else m.group(0), text
    )
    # Everyday phrases no report writes: replaced by the official name, as a short form is.
    for pattern, official_name, _names in _REWORDED:
        text = pattern.sub(official_name, text)
    return _EVERYDAY.sub(official, _ACRONYM.sub(names, text))


def in_short_forms(text: str) -> str:
    """`text` with each long form of an average written as its short form ("平均每天新增1.2万户"
    -> "日均新增1.2万户"): the words a question read through expand() is matched with."""
    return _SHORT_FORM.sub(lambda m: SHORT_FORMS[m.group(0)], text)


def official_names(text: str) -> tuple[str, ...]:
    """The official names of the acronyms and everyday indicator words in `text`."""
    found = [ACRONYMS[a] for a in ACRONYMS if a.lower() in text.lower()]
    found += [_everyday_names(m.group(0)) for m in _EVERYDAY.finditer(text)]
    found += [names for pattern, _official, names in _REWORDED for _m in pattern.finditer(text)]
    return tuple(dict.fromkeys(n for names in found for n in names))
