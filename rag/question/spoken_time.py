"""Times said as people say them, read as reports write them: a year written with two digits
("31年和32年的粮食产量", "三一年") as the full year, a government's term ("上届政府任期内") as the five
years a closing work report reviews ("过去五年").

People write a year short in speech and chat; reports write it in full. "14年" is also a
duration ("用了14年", "近14年来"), so a two-digit year is read as a year only when the words
around it do not make it one, and only when the knowledge base holds reports about that year
(or the years next to it, which a report reviews or plans): "10年" over reports of 2014–2019 is
ten years.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Words a duration follows ("近10年", "用了12年") or that follow one ("15年来", "20年间").
_BEFORE_DURATION = re.compile(
    r"(?:近|过去|这|那|前|后|连续|第|满|用|了|历时|经过|每|约|达|多|共|整整|长达|超过|不到|将近|头|"
    r"最近|未来|今后|再|又|已|几)$"
)
_AFTER_DURATION = re.compile(
    r"^(?:来|间|内|以来|以上|以内|以后|左右|多|前|后|半|时间|之久|里|中|期间|的时间|之内|之后)"
)
_AGAINST_A_YEAR = re.compile(
    r"(?:\d{2}|\d{4}|[〇零一二三四五六七八九]{2})年(?:的)?[\u4e00-\u9fff]{0,6}?(?:比|较|和|与|跟|同)$"
)
_SHORT_YEAR = re.compile(r"(?<![\d.〇零一二三四五六七八九十])[’'‘]?(\d{2}|[〇零一二三四五六七八九]{2})年")
_CHINESE_DIGITS = {c: str(i) for i, c in enumerate("零一二三四五六七八九")} | {"〇": "0"}
# Two numerals that count loosely ("三五年", "两三年", "七八年": a few years) are no year.
_ROUGH_COUNTS = {"三五", "一二", "二三", "三四", "四五", "五六", "六七", "七八", "八九"}


def _two_digits(said: str) -> int | None:
    """ "17" or "一七" -> 17; None for a loose count ("三四")."""
    if said in _ROUGH_COUNTS:
        return None
    return int("".join(_CHINESE_DIGITS.get(c, c) for c in said))


def full_years(question: str, years: Iterable[int]) -> str:
    """`question` with each two-digit year written in full ("14年" -> "2014年") when it is
    one of `years` (the reports' years) or next to one."""
    known = {y for year in years for y in (year - 1, year, year + 1)}

    def full(m: re.Match[str]) -> str:
        digits = _two_digits(m.group(1))
        if digits is None:
            return m.group(0)
        year = 2000 + digits
        before, after = question[: m.start()], question[m.end() :]
        if year not in known or _BEFORE_DURATION.search(before):
            return m.group(0)
        # "2031年比30年多建了多少": a year compared with a year, whatever follows it.
        if _AFTER_DURATION.match(after) and not _AGAINST_A_YEAR.search(before):
            return m.group(0)
        return f"{year}年"

    question = _YEAR_LIST.sub(lambda m: _year_list(m, known), question)
    question = _SHORT_YEAR.sub(full, question)
    return _RANGE_START.sub(lambda m: _range_start(m, known), question)


# Years listed with 年 said once, at the end or in "这几年" ("31、32、33这几年", "31、32和33年"):
# each is a year when every one is a year of the reports (or next to one).
_YEAR_LIST = re.compile(
    r"(?<![\d.])(?P<run>\d{2}(?:(?:、|，|,|和|与|及)\d{2})+)(?P<end>年|(?=(?:这|那)(?:几|些|[两二三四五六七八九])年))"
)


def _year_list(m: re.Match[str], known: set[int]) -> str:
    items = re.findall(r"\d{2}", m.group("run"))
    if _BEFORE_DURATION.search(m.string[: m.start()]) or any(2000 + int(item) not in known for item in items):
        return m.group(0)
    return re.sub(r"\d{2}", lambda d: f"20{d.group(0)}年", m.group("run"))


# The first year of a range said once with 年 at its end ("31到34年", "三一至三三年"), once the
# last is written in full: the first is a year of the same century, before the last.
_RANGE_START = re.compile(
    r"(?<![\d.〇零一二三四五六七八九十])(\d{2}|[〇零一二三四五六七八九]{2})(?=(?:到|至|-|—|~|～)(20\d{2})年)"
)


def _range_start(m: re.Match[str], known: set[int]) -> str:
    digits = _two_digits(m.group(1))
    if digits is None:
        return m.group(0)
    year = 2000 + digits
    if year not in known or year >= int(m.group(2)):
        return m.group(0)
    return str(year)


# A government's term asked by the government ("上届政府这五年间", "本届政府任期内"): reports
# review it as "过去五年" (a work report closing the term) or "五年来".
_TERM = re.compile(r"(?:上一?届|本届)政府(?:任期)?的?(?:这|那)?(?:五年)?(?:里|中|间|内|期间|来)?")


def term_as_written(question: str) -> str:
    """ "上届政府任期内…" -> "过去五年…"."""
    return _TERM.sub("过去五年", question)
