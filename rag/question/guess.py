"""A figure the question itself states as a guess ("……有三千多人吗？", "是不是超过了7%？")
is what the user wants checked, not a word to look for: searched as it stands, the guess finds
any sentence holding the same figure of another thing ("三千多名志愿者"), and the sentence that
answers, with the exact figure ("超过3200人"), shares none of the guess's words. The question
is asked for the figure instead ("……有多少人？"); the cited figure lets the reader check the
guess. A follow-on ask that names nothing of its own ("具体是多少？") is then the same question.
"""

from __future__ import annotations

import re

from rag.figures.numbers import NumberMention, find_numbers, is_figure

# What may follow the guessed figure before the question ends ("以上吗", "了没有", "吧？").
_ASKED_AFTER = re.compile(
    r"(?:以上|以下|左右|多)?(?P<noun>[\u4e00-\u9fff]{0,6}?)了?(?:吗|么|吧|没有|没|呢)[？?]?"
    r"|(?:以上|以下|左右|多)?了?[？?]"
)
# ("有近两百名志愿者进了服务队，准确的数字是多少": what they did stays in the question.)
_STATED_THEN_ASKED = re.compile(
    r"(?:以上|以下|左右|多)?(?P<noun>[\u4e00-\u9fff]{0,6}?)(?P<then>[\u4e00-\u9fff“”\"]{0,12}?)[，,]"
)
# Words before the figure that make a yes-or-no question of it without 吗.
_ASKED_BEFORE = re.compile(r"(?:是不是|是否|有没有|能不能|会不会)(?:有|是|超过|达到|突破|接近|不到)?了?$")
_PLAIN_ASK = re.compile(
    r"^[，,\s]*(?:那|请问)?(?:它|这个)?(?:报告|原文|文件)?[里中上]?(?:具体|确切|准确|精确|到底|实际)?(?:地|点|些|的)?(?:说法|说|来说|讲)?的?"
    r"(?:数字|数据|数)?(?:是|有|为)?(?:多少|几)[个位名人项条元]?(?:呢)?[？?。]?$"
)
# Said before a guess heard from others: no part of what is asked.
_HEARSAY = re.compile(r"^(?:我)?(?:听说|据说|听人说|有人说)[，,]?")
# How the guess is put ("超过了", "达到"): the figure asked is the level, whatever it is.
_STATED_BEFORE = re.compile(r"(?:超过|达到|突破|接近|不到|不止|将近|上|过)了?$")
_MAGNITUDE = re.compile(r"^[万亿千百十]+")


def _guess(question: str) -> tuple[NumberMention, re.Match[str]] | None:
    """The guessed figure and the yes-or-no ask after it (with the noun it counts, if any)."""
    for m in find_numbers(question):
        if not is_figure(m) or m.unit == "年" or (m.chinese and (m.value or 0) < 10):
            continue  # "有三个方面吗": the parts a text names, not a figure to look up
        start = m.lead_start if m.lead_start >= 0 else m.start
        if re.search(r"[\d%十百千万亿][到至－—~-]$", question[:start]):
            continue  # the end of a range ("6.5%到7%吗"): the range is the guess, not one figure
        after = _ASKED_AFTER.match(question, m.end)
        if after and (after.group("noun") is not None or _ASKED_BEFORE.search(question[:start])):
            return m, after
        # Or said as a fact, then asked exactly: "……有三千多人，具体是多少？"
        stated = _STATED_THEN_ASKED.match(question, m.end)
        if stated and _PLAIN_ASK.match(question[stated.end() :]):
            return m, stated
    return None


def figure_asked(question: str) -> str:
    """`question` asking for the figure it guesses ("某区志愿者有三千多人吗？具体是多少？" ->
    "某区志愿者有多少人？"); `question` itself when it guesses none."""
    found = _guess(question)
    if found is None:
        return question
    m, after = found
    start = m.lead_start if m.lead_start >= 0 else m.start
    before = _STATED_BEFORE.sub("", _ASKED_BEFORE.sub("", question[:start]))
    before = _HEARSAY.sub("", before)  # "听说……有两百多人": what was heard is the guess
    if not before.endswith(("有", "是", "为", "了")):
        before += "是"
    measure = ("" if m.percent else _MAGNITUDE.sub("", m.unit)) + (after.group("noun") or "")
    measure += after.groupdict().get("then") or ""
    rest = [
        r for r in re.split(r"(?<=[？?])", question[after.end() :]) if r.strip() and not _PLAIN_ASK.match(r)
    ]
    return f"{before}多少{measure}？" + "".join(rest)


# A clause saying what the user does not want ("……，不是累计数", "，而不是目标"): read for what
# it names, it would ask for just that.
_NOT_WANTED = re.compile(r"[，,；;。？?]\s*(?:而|并|可)?(?:不是|并非|不要|别给)[^，,。？?；;！!]*[。？?！!]?")


def without_unwanted(question: str) -> str:
    """`question` without the clauses that say what is not wanted ("2031年当年增长多少？我要当年
    的，不是累计数。" -> "2031年当年增长多少？我要当年的")."""
    kept = _NOT_WANTED.sub("", question)
    return kept if kept.strip("，,。？? ") else question
