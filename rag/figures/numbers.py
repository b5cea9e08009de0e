"""Figures in Chinese text: numbers with their units, values and qualifiers.

Reports state results as figures in digits ("40822人次", "50余万人次", "2万5千公里", "6.5%－7%")
and, in Party documents above all, in Chinese numerals ("一千五百多项", "八十万亿元", "六千多万",
"百分之四以下", "一点二个百分点"). Every stage that reads a figure (the answer's lead, the
verification of generated answers, study questions and grading) reads it here, so a figure is a
figure everywhere.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Measure words and units, longest first within a family so the regex takes the whole unit.
UNITS = (
    "万人次|人次|万人|万元|亿元|千元|元/人|微克/立方米|微克|毫克|立方米|平方公里|平方米|公里|千米|米|"
    "千瓦时|千瓦|瓦|公斤|千克|克|吨|斤|亩|公顷|美元|元|万户|户|名|人|位|"
    "个百分点|个月|个|期|次|项|家|村|镇|所|件|条|篇|场|支|届|批|处|座|套|张|部|本|台|辆|架|艘|"
    "头|只|标准箱|标箱|床|岁|天|小时|周|月|年|倍|分|成|GW|MW|kW|"
    # Measure words of things counted one by one ("13块金牌", "5枚奖章", "3栋楼").
    "块|枚|颗|棵|株|栋|幢|份|首|盏|册"
)
# Digits of either script. "○" (U+25CB) stands for 〇 in some published texts ("二○三五年").
CN_DIGITS = "零〇○一二两三四五六七八九"
_CN_ALL = CN_DIGITS + "十百千万亿"
# A number: digits with thousands separators, or digit groups and magnitudes mixed ("2万5千",
# "1亿3千多万", "74.4万亿"), or a Chinese numeral ("一千五百", "一点二").
# A magnitude is not the start of a unit: 千 of 千瓦/千米/千克, 百 of 百分之.
_MAG = r"(?:万亿|亿|万|千(?!瓦|米|克)|百(?!分之))"
_DIGITS = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_DIGIT_NUMBER = rf"(?:{_DIGITS})(?:\s*(?:余|多)?\s*{_MAG}\s*(?:余|多)?\s*(?:\d+(?:\.\d+)?)?)*"
_CN_NUMBER = rf"[{_CN_ALL}]+(?:点[{CN_DIGITS}]+)?"
_UNIT = rf"(?P<unit>%|％|‰|(?:{UNITS}))"
_QUALIFIER = r"(?P<qual>左右|以上|以下|以内|上下|之内|之上)?"
# Said before a figure, and part of what a reader must see: "超过3.3%", "近50万", "约1万".
_PRE_QUALIFIER = re.compile(r"(?:超过|超|突破|逾|将近|近|约|接近|不到|不足|不低于|不高于|不超过)$")
_BOUND = re.compile(r"(?:低于|高于)$")
# A magnitude alone is a figure after a word of nearness ("近亿人次", "上万名", "超亿元"); elsewhere
# 万 and 亿 are words ("万众一心", "亿万人民").
_ROUND_TO = re.compile(r"(?:近|上|过|超|逾|破)$")
_FIGURE = re.compile(
    rf"(?<![\dA-Za-z.{_CN_ALL}几数第])(?P<num>{_DIGIT_NUMBER}|{_CN_NUMBER})"
    rf"\s*(?:余|多)?\s*(?P<mag>万亿|亿|万)?\s*(?:余|多)?\s*{_UNIT}?{_QUALIFIER}"
)
_PERCENT_WORDS = re.compile(rf"百分之(?P<num>百|[\d.]+|[{_CN_ALL}]+(?:点[{CN_DIGITS}]+)?){_QUALIFIER}")
# A range between two figures: "6.5%－7%", "6%-6.5%", "4至5岁" (not "从16%降至13%": a verb between).
_RANGE_JOIN = re.compile(r"\s*[－\-—~～至到]\s*")
_MAGNITUDE = {"万亿": 1e12, "亿": 1e8, "万": 1e4, "千": 1e3, "百": 1e2, "十": 10.0}
# What 个 counts, right after it, belongs to the figure a reader sees ("35个工作日以内").
_COUNTED = re.compile(r"(?P<noun>[\u4e00-\u9fff]{1,3}?)(?P<qual>左右|以上|以下|以内)?(?![\u4e00-\u9fff])")
# A lone 一/两/二 with a classifier is a word, not a figure ("两人", "一次", "一部分"); nor are
# 十分 (very), 一部 (a part) and 十九届 (the 19th).
_CN_WORDS = {"一", "两", "二", "俩"}
# Measure words that are nothing else ("村", "家", "部" are also nouns).
_CLASSIFIERS = {
    "个",
    "名",
    "位",
    "项",
    "次",
    "期",
    "批",
    "届",
    "人次",
    "%",
    "个百分点",
    "倍",
    "件",
    "篇",
    "条",
}
_CN_UNIT_EXCLUDED = {"分", "部", "届"}  # 十九届六中全会: an ordinal without 第
_DAY = r"(?:\d{1,2}[日号]|上旬|中旬|下旬|初|底)"
# An event named by its day ("“7·21”特大暴雨") is dated by it: month·day.
_DATE = re.compile(
    rf"\d{{4}}年(?:\d{{1,2}}月{_DAY}?)?|\d{{1,2}}月{_DAY}?|[〇○零一二三四五六七八九]{{4}}年(?:[一二三四五六七八九十]{{1,2}}月)?"
    r"|(?<![\d.])(?:1[0-2]|[1-9])·(?:[12]\d|3[01]|[1-9])(?![\d.])"
)
# A question asks for a quantity: how many/much, a share, or an indicator named by what it
# measures (…率 / …量 / …额 / …比重 / …增速 asked at the end of the question). "哪几……" asks
# which ones ("哪几个方面", "哪几种本领"), not how many.
_ASKS_NUMBER = re.compile(
    r"多少|(?<!哪)几(?!乎)|百分之几|多大|多高|多长|多重|多久|"
    r"(?:率|量|额|数|值|比重|占比|增速|增幅|规模|收入|强度|浓度|密度|指数)(?:是|为|有)?\s*(?:多少)?[?？]?\s*$"
)
_ASKS_DATE = re.compile(r"哪[一几]?年|哪一?天|何时|什么时候|什么时间|几月|几号|哪月|日期|时间是|时间[?？]?$")


@dataclass(frozen=True)
class NumberMention:
    """One figure as written. `text` is the number with its unit ("50余万人次", "八十万亿元");
    `lead` adds what a reader needs with it: the qualifier ("7.5%左右", "110万人以上") and, for a
    range, both ends ("6.5%－7%")."""

    text: str
    unit: str
    start: int
    end: int
    value: float | None = None
    percent: bool = False
    lead: str = ""
    chinese: bool = False  # written in Chinese numerals
    lead_start: int = -1  # where `lead` starts in the text (before `start` with "超过", "近"…)
    # The unit written once after a list of figures ("高4.2和0.7个百分点": 4.2's is 个百分点).
    listed_unit: str = ""

    @property
    def shown(self) -> str:
        return self.lead or self.text

    @property
    def read(self) -> str:
        """The figure as a reader should see it on its own, with a unit its list shares."""
        return self.shown + self.listed_unit


def _normal_numeral(raw: str) -> str:
    return raw.replace("○", "〇").replace(",", "").replace("余", "").replace("多", "").replace(" ", "")


_DIGIT_PART = re.compile(r"(\d+(?:\.\d+)?)|(万亿|亿|万|千|百|十)")


def _digit_value(plain: str) -> float | None:
    """Digits mixed with magnitudes, read as Chinese numbers are: sections of 万 and 亿 holding
    千/百/十 ("1亿3千万" -> 1.3e8, "2万5千" -> 25000, "74.4万亿" -> 7.44e13)."""
    pos, total, section, number = 0, 0.0, 0.0, 0.0
    for m in _DIGIT_PART.finditer(plain):
        if m.start() != pos:
            return None
        pos = m.end()
        if m.group(1):
            number = float(m.group(1))
        elif m.group(2) in ("万亿", "亿", "万"):
            total += (section + number) * _MAGNITUDE[m.group(2)]
            section, number = 0.0, 0.0
        else:
            section += (number or 1.0) * _MAGNITUDE[m.group(2)]
            number = 0.0
    return total + section + number if pos == len(plain) else None


def cn_value(numeral: str) -> float | None:
    """The value of a number in Chinese numerals, digits or both ("四万零八百二十二" -> 40822.0,
    "2万5千" -> 25000.0, "1亿3千多万" -> 130000000.0); None if it is not one ("万一")."""
    import cn2an

    plain = _normal_numeral(numeral)
    if not plain or len(plain) > 24:
        return None  # a model stuck repeating 一一一…, not a figure
    if plain[0].isdigit():
        value = _digit_value(plain)
        return None if value is None else round(value, 6)
    try:
        return round(float(cn2an.cn2an(plain, "smart")), 6)
    except (ValueError, KeyError, IndexError, TypeError, OverflowError):
        return None


def _is_chinese(numeral: str) -> bool:
    return not any(ch.isdigit() for ch in numeral)


def _accept_chinese(numeral: str, unit: str, has_magnitude: bool) -> bool:
    """A Chinese numeral is a figure only where it reads as one: with a unit (not a lone
    一/两 + classifier, not 十分 or 一部), or several characters with 万/亿 ("六千多万")."""
    core = numeral.rstrip("万亿")
    if not core or core in ("百", "千"):
        return False  # 千家万户, 百年大计: words, not figures
    if len(core) > 1 and not any(ch in core for ch in "十百千万亿零〇○点"):
        return False  # "三四个" is a range of two guesses, not 34 (二〇二一 has 〇)
    if unit:
        return unit not in _CN_UNIT_EXCLUDED and core not in _CN_WORDS
    return has_magnitude and len(core) >= 2


def find_numbers(text: str) -> list[NumberMention]:
    """Every figure in `text`, in order: digits or Chinese numerals, with unit, value,
    percentage flag and the qualified form a lead shows."""
    found: list[NumberMention] = []
    for m in _PERCENT_WORDS.finditer(text):
        raw = m.group("num")
        value = 100.0 if raw == "百" else cn_value(raw)
        if value is None:
            continue
        core = text[m.start() : m.end("num")]
        found.append(
            NumberMention(
                core, "%", m.start(), m.end("num"), value, True, m.group(0), _is_chinese(raw), m.start()
            )
        )
    taken = [(f.start, f.end) for f in found]
    for m in _FIGURE.finditer(text):
        raw, unit, mag = m.group("num"), m.group("unit") or "", m.group("mag") or ""
        if any(s <= m.start() < e for s, e in taken):
            continue
        core_end = m.end("unit") if unit else (m.end("mag") if mag else m.end("num"))
        core = text[m.start() : core_end].rstrip()
        chinese = _is_chinese(raw)
        round_to = (
            _ROUND_TO.search(text, max(0, m.start() - 2), m.start()) if raw in ("万", "亿", "万亿") else None
        )
        if round_to and unit and not mag:
            # "近亿人次", "上万名": about one 亿 or 万 of the unit.
            value = _MAGNITUDE[raw]
            core = text[m.start() : m.end("unit")]
            lead = text[round_to.start() : m.end("unit")] + (m.group("qual") or "")
            found.append(
                NumberMention(
                    core, unit, m.start(), m.end("unit"), value, False, lead, True, round_to.start()
                )
            )
            continue
        if chinese and not _accept_chinese(raw + mag, unit, bool(mag or re.search(_MAG, raw))):
            continue
        value = cn_value(raw)
        if value is None:
            continue
        value = round(value * _MAGNITUDE.get(mag, 1.0), 6)
        lead = core + (m.group("qual") or "")
        counted = _COUNTED.match(text, m.end("unit")) if unit == "个" and not m.group("qual") else None
        if counted:
            lead = core + counted.group(0)
        before = _PRE_QUALIFIER.search(text, max(0, m.start() - 4), m.start())
        if before is None and not text.startswith("的", m.end()):
            # "首次低于30微克/立方米": a bound; "高于6.5%左右的预期目标" compares with a figure.
            before = _BOUND.search(text, max(0, m.start() - 2), m.start())
        lead_start = before.start() if before else m.start()
        lead = text[lead_start : m.start()] + lead
        percent = unit in ("%", "％", "‰")
        found.append(
            NumberMention(
                core, unit, m.start(), m.start() + len(core), value, percent, lead, chinese, lead_start
            )
        )
    found.sort(key=lambda f: f.start)
    return _share_units(text, _join_ranges(text, found))


# Figures listed with one unit after the last ("分别高4.2和0.7个百分点", "3、5和8家").
LIST_JOINERS = r"、|和|与|以及|及"
LIST_JOIN = re.compile(rf"\s*(?:{LIST_JOINERS})\s*")


def _share_units(text: str, found: list[NumberMention]) -> list[NumberMention]:
    """A bare number listed before a figure with a unit counts in that unit (read from the end
    of the list back, so every earlier item gets it)."""
    out = list(found)
    for i in range(len(out) - 2, -1, -1):
        a, b = out[i], out[i + 1]
        unit = b.unit or b.listed_unit
        if a.unit or a.chinese or not unit or any(mark in a.text + b.text for mark in "万亿千"):
            continue  # "分别增加5和6万户": 5 is 5万户, a value this does not rescale
        if not LIST_JOIN.fullmatch(text[a.lead_start + len(a.shown) : b.lead_start]):
            continue
        out[i] = NumberMention(
            a.text, unit, a.start, a.end, a.value, b.percent, a.lead, a.chinese, a.lead_start, unit
        )
    return out


def _join_ranges(text: str, found: list[NumberMention]) -> list[NumberMention]:
    """ "6.5%－7%": the first figure's lead becomes the whole range (its own text and value
    stay: a range is read by its first end); the second keeps its own."""
    out = list(found)
    for i in range(len(out) - 1):
        a, b = out[i], out[i + 1]
        between = text[a.lead_start + len(a.shown) : b.lead_start]
        if _RANGE_JOIN.fullmatch(between) and (a.unit == b.unit or not a.unit):
            lead = text[a.lead_start : b.lead_start + len(b.shown)]
            out[i] = NumberMention(
                a.text, a.unit, a.start, a.end, a.value, a.percent, lead, a.chinese, a.lead_start
            )
    return out


@dataclass(frozen=True)
class Figure:
    text: str  # as written: "40822人次", "50余万人次", "百分之九十"
    value: float
    percent: bool


def figures(text: str) -> list[Figure]:
    """Every figure in `text` with its value ("50余万" -> 500000, "百分之九十" -> 90%), after NFKC."""
    normal = unicodedata.normalize("NFKC", text)
    return [Figure(m.text, m.value, m.percent) for m in find_numbers(normal) if m.value is not None]


def figure_values(text: str) -> set[tuple[float, bool]]:
    """Every figure in `text` as (value, is_percentage): "50余万" -> (500000.0, False)."""
    return {(f.value, f.percent) for f in figures(text)}


def is_figure(mention: NumberMention) -> bool:
    """A figure worth leading an answer with: a unit, a magnitude, a percentage or a decimal
    (a bare "3" in "三是" or a list number is not)."""
    return bool(mention.unit) or any(mark in mention.text for mark in "万亿千%％.") or mention.chinese


# The interrogatives of a question; the last one is what it asks ("几个方面合起来叫什么": 什么).
_INTERROGATIVE = re.compile(r"多少|几(?!乎)|什么|哪|谁|如何|怎么|怎样|何")


def asks_for_number(question: str) -> bool:
    asked = _INTERROGATIVE.findall(question)
    if asked and asked[-1] not in ("多少", "几"):
        return False
    return bool(_ASKS_NUMBER.search(question.strip()))


def asks_for_date(question: str) -> bool:
    return bool(_ASKS_DATE.search(question))


def find_dates(text: str) -> list[str]:
    return [m.group(0) for m in _DATE.finditer(text)]


_UNIT_IN_BRACKETS = re.compile(rf"(?:多少|几)[\u4e00-\u9fff]{{1,8}}[（(]\s*(?P<unit>{UNITS}|%)\s*[)）]")


def question_unit(question: str) -> str:
    """The unit a question names right after 多少/几 ("多少人次" -> "人次"), if any; not the
    first character of a word ("多少村级后备干部": 村级 is no unit)."""
    import jieba

    # "这几年", "那几年", "近几年来" name a span of years; they ask for nothing.
    m = re.search(rf"(?:多少|(?<![这那近前去])几(?!年来|年间|年里))\s*(?P<unit>{UNITS}|%)", question)
    if not m:
        # As a form writes it, in brackets after the thing counted: "多少读者（人次）".
        m = _UNIT_IN_BRACKETS.search(question)
        return m.group("unit") if m else ""
    unit = m.group("unit")
    if unit == "个" and question.startswith("人", m.end("unit")):
        return "人"  # "几个人" counts people, as "几人" does: 个 is only the classifier
    if unit in _CLASSIFIERS:
        return unit  # a pure measure word ("多少个村社区": 个)
    word = next(iter(jieba.cut(question[m.start("unit") :])), "")
    return unit if len(word) <= len(unit) else ""
