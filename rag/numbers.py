"""Numbers with units in Chinese text, and whether a question asks for one.

Reports state results as figures ("培训各级各类党员干部40822人次", "50余万人次", "100%"); a
question like "培训了多少人次?" should get that figure with its unit up front.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

UNITS = (
    "万人次|人次|万人|万元|亿元|千元|元/人|元|万户|户|名|人|个百分点|个月|个|期|次|项|家|村|镇|所|件|条|篇|场|支|届|批|"
    "处|座|套|张|部|本|台|辆|吨|公里|千米|米|平方米|亩|公顷|岁|天|小时|周|月|年|倍|分|GW|MW|kW"
)
_NUMBER = re.compile(
    # Thousands separators only in groups of three: reports also use "," between clauses
    # ("双百”目标,2950名").
    r"(?<![\d.])"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*"
    r"(?P<q1>余|多)?\s*(?P<mag>万亿|亿|万|千|百)?\s*(?P<q2>余|多)?\s*"
    rf"(?P<unit>%|％|‰|(?:{UNITS}))?"
)
_DAY = r"(?:\d{1,2}[日号]|上旬|中旬|下旬|初|底)"
_DATE = re.compile(rf"\d{{4}}年(?:\d{{1,2}}月{_DAY}?)?|\d{{1,2}}月{_DAY}")
_ASKS_NUMBER = re.compile(
    r"多少|几(?!乎)|百分之|比例|比重|占比|增长率|增速|增长了|下降了|"
    r"多大|多高|多长|多重|多久|数量|人数|次数|规模|总额|金额|产量|销量|交付量|票房|GDP"
)
_ASKS_DATE = re.compile(r"哪一?年|哪一?天|何时|什么时候|什么时间|几月|几号|哪月|日期|时间是|时间[?？]?$")


@dataclass(frozen=True)
class NumberMention:
    text: str  # as written, e.g. "40822人次", "50余万人次", "100%"
    unit: str
    start: int
    end: int


def asks_for_number(question: str) -> bool:
    return bool(_ASKS_NUMBER.search(question))


def asks_for_date(question: str) -> bool:
    return bool(_ASKS_DATE.search(question))


def find_numbers(text: str) -> list[NumberMention]:
    out = []
    for m in _NUMBER.finditer(text):
        raw = m.group(0).rstrip()
        if not raw or not m.group("num"):
            continue
        out.append(NumberMention(raw, m.group("unit") or "", m.start(), m.start() + len(raw)))
    return out


def find_dates(text: str) -> list[str]:
    return [m.group(0) for m in _DATE.finditer(text)]


def question_unit(question: str) -> str:
    """The unit a question names right after 多少/几 ("多少人次" -> "人次"), if any."""
    m = re.search(rf"(?:多少|几)\s*(?P<unit>{UNITS}|%)", question)
    return m.group("unit") if m else ""
