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
}
# Everyday words for the communiqué's main indicators -> their official names. Unlike an
# acronym, the everyday word stays beside the names even where reports write it too ("经济规模"
# is also said of a city): the official name is what a report states its own figure under.
_OUTPUT = ("国内生产总值", "地区生产总值")
# The statistical bulletin's income indicator, of all residents or of one group; rural income
# was named 人均纯收入 before 2014.
_INCOME = "人均可支配收入"
_DISPOSABLE = (f"居民{_INCOME}",)
_URBAN = (f"城镇居民{_INCOME}",)
_RURAL = (f"农村居民{_INCOME}", "农村居民人均纯收入")
EVERYDAY: dict[str, tuple[str, ...]] = {
    "经济总量": _OUTPUT,
    "经济规模": _OUTPUT,
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
# Everyday words for the population groups whose income the communiqué reports (城里人 for
# 城镇居民, 老百姓 for 居民), each read with "收入" as that group's per-capita disposable income.
_GROUPS: dict[str, tuple[str, ...]] = {
    "老百姓": _DISPOSABLE,
    "百姓": _DISPOSABLE,
    "群众": _DISPOSABLE,
    "城里人": _URBAN,
    "城市居民": _URBAN,
    "城市人": _URBAN,
    "市民": _URBAN,
    "城镇居民": _URBAN,
    "农村人": _RURAL,
    "农村居民": _RURAL,
    "农民": _RURAL,
    "乡下人": _RURAL,
    "农村群众": _RURAL,
}
EVERYDAY.update(
    {
        f"{group}{of}{per}收入": names
        for group, names in _GROUPS.items()
        for of in ("", "的")
        for per in ("", "人均")
    }
)
# A group's income asked with words between ("市民每年拿到手的收入"): the same indicator.
_GROUP_INCOME = re.compile(
    "(?P<group>" + "|".join(sorted(_GROUPS, key=len, reverse=True)) + r")[\u4e00-\u9fff]{0,8}?收入"
)
_EVERYDAY = re.compile("|".join([*sorted(EVERYDAY, key=len, reverse=True), _GROUP_INCOME.pattern]))


def _everyday_names(said: str) -> tuple[str, ...]:
    if said in EVERYDAY:
        return EVERYDAY[said]
    group = _GROUP_INCOME.fullmatch(said)
    return _GROUPS[group.group("group")] if group else ()


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
    return _EVERYDAY.sub(official, _ACRONYM.sub(names, text))


def official_names(text: str) -> tuple[str, ...]:
    """The official names of the acronyms and everyday indicator words in `text`."""
    found = [ACRONYMS[a] for a in ACRONYMS if a.lower() in text.lower()]
    found += [_everyday_names(m.group(0)) for m in _EVERYDAY.finditer(text)]
    return tuple(dict.fromkeys(n for names in found for n in names))
