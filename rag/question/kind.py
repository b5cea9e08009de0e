"""What a question asks for: one fact (a figure, a date, a name: the figure answerer) or a
list of the report's points (rag.prose), and which kind of list: the parts of a report or
section (哪几个方面 / 分为哪几部分 / 哪三项), goals, work done or measures, how, why (the reason
first), what-is (the definition first); and, for a list, how many parts it names."""

from __future__ import annotations

import re
from enum import StrEnum

from rag.figures.numbers import asks_for_date, asks_for_number


class ProseKind(StrEnum):
    ASPECTS = "aspects"  # 包括哪几个方面 / 分为哪几部分 / 哪三项: an outline or an enumeration
    GOALS = "goals"  # 目标有哪些
    LIST = "list"  # 做了哪些工作 / 有哪些措施
    HOW = "how"  # 怎样推动 / 如何
    WHY = "why"  # 为什么要: the reason first
    WHAT = "what"  # 什么是 / 是指什么: the definition first


# "哪几个方面 / 哪三项 / 哪几本书" ask for the items a report lists; "哪一年 / 哪一天" ask for
# one fact, and so do people and dates however many ("哪两位", "哪几年"): the figure answerer
# finds names and dates.
_CN_COUNT = "几二两三四五六七八九十"
_NAMED_THINGS = "位名人年天月日号次届"
_ASPECTS = re.compile(
    rf"哪[{_CN_COUNT}]+(?![{_NAMED_THINGS}])(?:个|项|条|点|类|大|种)?|哪些方面|几(?:个|大)(?:方面|部分|板块)"
    r"|分为(?:哪|几)|包括(?:哪些|什么)|包含(?:哪些|什么)|由哪些|主要内容|有几(?:个|大)?(?:方面|部分)"
)
_WHY = re.compile(r"为什么|为何|为啥|缘何|原因|什么考虑|意义(?:何在|是什么|在哪)|出于什么")
_GOALS = re.compile(r"(?:目标|任务|要求|方向|重点)(?:有哪些|包括|有什么|主要有|都有)|目标(?:任务)?是什么")
_WHAT = re.compile(
    r"^(?:请问)?(?:什么(?:是|叫)|何谓|何为)|指(?:的是)?什么|是什么意思|什么内容|(?:含义|内涵)(?:是什么)?[?？]?$"
    r"|是什么[?？]?$"
)
_QUOTED_TERM = re.compile(r"“[^”]{1,20}”")
_HOW = re.compile(
    r"怎样|怎么|如何|通过(?:什么|哪些)|采取(?:了)?(?:什么|哪些)|什么(?:办法|方式|途径|举措|措施)"
)
_LIST = re.compile(
    r"哪些|什么(?:工作|措施|举措|做法|成效|成绩|经验|变化|进展|部署|安排|政策|要求)|做了什么|有什么"
)


def prose_kind(question: str) -> ProseKind | None:
    """The kind of list a question asks for, or None when it asks for one fact."""
    q = question.strip()
    if _ASPECTS.search(q):
        return ProseKind.ASPECTS
    if asks_for_number(q) or asks_for_date(q):
        return None
    if _QUOTED_TERM.search(q) and _WHAT.search(q):
        return ProseKind.WHAT  # "“双百”目标是什么?": what a named thing is, not a list of goals
    for pattern, kind in (
        (_WHY, ProseKind.WHY),
        (_GOALS, ProseKind.GOALS),
        (_WHAT, ProseKind.WHAT),
        (_HOW, ProseKind.HOW),
        (_LIST, ProseKind.LIST),
    ):
        if pattern.search(q):
            return kind
    return None


_PARTS = re.compile(
    r"哪(?!些)(?P<n>[一二三四五六七八九十两])?几?(?:个|项|条|点|类|大|种|批)?(?P<noun>[“”\u4e00-\u9fff]{0,4})"
)
_NOT_A_NOUN = re.compile(r"方面|部分|工作|内容|重点|任务|呢|吗|的")


def asked_parts(question: str) -> tuple[int | None, str]:
    """How many parts a question asks for ("哪六个方面" -> 6) and what it calls them ("哪几个
    原则" -> "原则"), each when it says."""
    m = _PARTS.search(question)
    if not m:
        return None, ""
    raw = m.group("n")
    count = None if not raw else 2 if raw == "两" else "一二三四五六七八九十".index(raw) + 1
    noun = _NOT_A_NOUN.split(m.group("noun").strip("“”"))[0]
    return count, _first_word(noun)


def _first_word(text: str) -> str:
    """The word the asked-for parts are called by: "步骤推进" -> "步骤" (the run after "哪三个"
    may carry on into the verb)."""
    if len(text) <= 2:
        return text
    import jieba  # deferred: loading its dictionary takes a second

    return next(iter(jieba.cut(text)), text)
