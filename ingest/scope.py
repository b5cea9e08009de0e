"""Which years a paragraph speaks about, and whether as results or as targets.

A 政府工作报告 delivered in year Y reviews Y-1 ("一、2016年工作回顾", "过去一年") and sets Y's
targets ("二、2017年工作总体部署", "今年发展的主要预期目标"); an annual summary describes its own
year and ends with next year's plans ("下一步", "2022年工作打算"); a work plan is about the year
ahead. So a paragraph's time scope follows from its document's year and kind, the section it
stands in (its heading path), how it opens ("过去一年", "今年") and the years it names itself, each
read with the words around it (目标/预期/力争 vs 完成/实现/比上年). Pure functions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from ingest.metadata import year_of
from ingest.records import Aspect, DocKind, DocumentMeta, Paragraph, TimeScope

# Section titles that review what was done, or set out what is to be done.
_REVIEW = re.compile(r"回顾|过去|成绩|成效|主要工作|工作总结|取得的|进展|完成情况")
_PLAN = re.compile(r"部署|安排|任务|建议|要求|目标|计划|重点工作|下一步|今年|政策取向|思路|打算|展望|举措")
_MULTI_YEAR = re.compile(r"过去五年|五年来|近五年|十八大以来|十九大以来|党的[一二三四五六七八九十]+大以来")
# How a paragraph opens: the year just past, the year ahead, the years past.
_OPENS_PAST_YEAR = re.compile(r"^(?:过去一年|去年|一年来|刚刚过去的一年|上一年)")
_OPENS_THIS_YEAR = re.compile(r"^今年")
_TARGETS_OF_THIS_YEAR = re.compile(r"今年[^。；]{0,20}(?:预期目标|主要目标|目标是|要)")
_OPENS_PAST_YEARS = re.compile(r"^(?:过去五年|五年来|近五年)")
# Words around a year that say how it is meant.
# Single-character cues only as words: 要 not in 主要/重要/需要/要求…, 将 not in 将近.
TARGET_CUES = re.compile(
    r"目标|预期|力争|计划|确保|争取|拟|(?<![主重需必只])要(?![求素点])|将(?!近)|安排|部署"
)
RESULT_CUES = re.compile(
    r"实际|完成|实现了|增长了|下降了|达到了|比上年|全年|刚刚过去|过去的|已经|年末|年底|累计|同比"
)
YEAR = re.compile(r"(?<![\d])((?:19|20)\d{2})\s*年(?!代)|([〇○零一二三四五六七八九]{4})\s*年")
_FIVE_YEAR_PLAN = re.compile(r"“?十([一二三四五六七八九])五”?")
_CN_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "○": 0}
_CLAUSE_BREAK = re.compile(r"[。；;！!？?]")
PLAN_KINDS = (DocKind.PLAN,)
REVIEW_KINDS = (DocKind.ANNUAL_SUMMARY, DocKind.STATISTICAL_BULLETIN)
# Kinds that review the year before their own and plan their own year.
ADDRESS_KINDS = (DocKind.GOVERNMENT_WORK_REPORT, DocKind.SPEECH, DocKind.CONGRESS_REPORT)


def years_in(text: str) -> list[tuple[int, int, int]]:
    """(year, start, end) of each year written in `text` ("2016年", "二〇三五年")."""
    out = []
    for m in YEAR.finditer(text):
        year = int(m.group(1)) if m.group(1) else year_of(m.group(2))
        if year is not None and 1900 <= year <= 2100:
            out.append((year, m.start(), m.end()))
    return out


def five_year_plan(text: str) -> tuple[int, ...]:
    """The years of a five-year plan named in `text` ("十三五" -> 2016…2020)."""
    m = _FIVE_YEAR_PLAN.search(text)
    if not m:
        return ()
    n = 10 + _CN_DIGITS[m.group(1)]
    start = 1953 + 5 * (n - 1) + 3  # the 三五 plan began in 1966, after three years of adjustment
    return tuple(range(start, start + 5))


def aspect_near(text: str, start: int, end: int) -> Aspect | None:
    """How the year at text[start:end] is meant, from the words of its clause."""
    left = max((m.end() for m in _CLAUSE_BREAK.finditer(text, 0, start)), default=0)
    right_m = _CLAUSE_BREAK.search(text, end)
    right = right_m.start() if right_m else len(text)
    before, after = text[max(left, start - 12) : start], text[end : min(right, end + 30)]
    if after.startswith(("以来", "以前", "前后")):
        return Aspect.MENTION  # "2007年以来": a point of reference
    if before.endswith(("面向", "展望", "着眼")):
        return Aspect.MENTION  # "面向2040年的重点项目": a horizon, not what the paragraph reports
    if before.endswith(("到", "至")) and not before.endswith("达到") and not RESULT_CUES.search(after):
        return Aspect.TARGET  # "到2020年…": a date by which something is to be done
    if RESULT_CUES.search(before + after):
        return Aspect.RESULT
    if TARGET_CUES.search(before + after):
        return Aspect.TARGET
    return None


def _section(meta: DocumentMeta, headings: Sequence[str]) -> dict[int, Aspect]:
    """The years a section speaks about, from its headings (innermost decides)."""
    year = meta.year
    if year is None:
        return {}
    scope: dict[int, Aspect] = _default(meta)
    for heading in headings:
        named = [y for y, _s, _e in years_in(heading)]
        plan_years = five_year_plan(heading)
        if _MULTI_YEAR.search(heading):
            scope = {y: Aspect.PERIOD for y in _past_years(meta)}
        elif _REVIEW.search(heading):
            past = year if meta.kind in REVIEW_KINDS else year - 1
            scope = {y: Aspect.RESULT for y in named or [past]}
        elif plan_years:
            scope = {y: Aspect.TARGET for y in plan_years}  # a five-year plan: targets, not results
        elif _PLAN.search(heading):
            ahead = year + 1 if meta.kind in REVIEW_KINDS else year
            scope = {y: Aspect.TARGET for y in named or [ahead]}
        elif named:
            scope = {y: Aspect.MENTION for y in named}
    return scope


def _default(meta: DocumentMeta) -> dict[int, Aspect]:
    """A paragraph outside any telling section: what its kind of document is about."""
    assert meta.year is not None
    if meta.kind in REVIEW_KINDS:
        return {meta.year: Aspect.RESULT}
    if meta.kind in PLAN_KINDS or meta.kind is DocKind.GOVERNMENT_WORK_REPORT:
        # A 政府工作报告 is, but for its review, about the work of its own year.
        return {meta.year: Aspect.TARGET}
    return {meta.year: Aspect.MENTION}


def _past_years(meta: DocumentMeta) -> range:
    """The five years a "过去五年" review covers: up to the year before a 政府工作报告 (March),
    up to its own year for a party congress (held in the autumn)."""
    assert meta.year is not None
    last = meta.year if meta.kind is DocKind.CONGRESS_REPORT else meta.year - 1
    return range(last - 4, last + 1)


def paragraph_scope(meta: DocumentMeta, paragraph: Paragraph) -> TimeScope:
    """The years `paragraph` speaks about (see the module doc)."""
    scope = _section(meta, paragraph.heading_path)
    text = paragraph.text
    if meta.year is not None and meta.kind in ADDRESS_KINDS:
        if _OPENS_PAST_YEARS.match(text) or _MULTI_YEAR.search(text[:60]):
            # "过去五年，……" (or "2015年是“十二五”收官之年。过去五年，……"): five years' totals.
            scope = {y: Aspect.PERIOD for y in _past_years(meta)}
        elif _OPENS_PAST_YEAR.match(text):
            scope = {meta.year - 1: Aspect.RESULT}
        elif _OPENS_THIS_YEAR.match(text) or _TARGETS_OF_THIS_YEAR.search(text):
            scope = {**scope, meta.year: Aspect.TARGET}
    for year, start, end in years_in(text):
        # The words around a year decide; else the section's reading of that year stands.
        scope[year] = aspect_near(text, start, end) or scope.get(year) or Aspect.MENTION
    return TimeScope(tuple(sorted(scope.items())))


def paragraph_scopes(meta: DocumentMeta, paragraphs: Iterable[Paragraph]) -> dict[str, TimeScope]:
    return {p.paragraph_id: paragraph_scope(meta, p) for p in paragraphs}


def sentence_scope(paragraph: Paragraph, start: int, end: int) -> TimeScope:
    """The years one sentence of a paragraph speaks about: the years it names (read with their
    clause); else those the last sentence before it named ("刚刚过去的2017年，……。国内生产总值
    增长6.9%"); else its paragraph's scope, without the years only later sentences name."""
    text = paragraph.text
    own = {y: a for y, a in paragraph.scope.years}
    named = years_in(text[start:end])
    if named:
        sentence = text[start:end]
        years = {y: aspect_near(sentence, s, e) or own.get(y) or Aspect.MENTION for y, s, e in named}
        return TimeScope(tuple(sorted(years.items())))
    # Only a year the paragraph is about carries on, not a base year ("比2023年增长…").
    about = {y for y, a in paragraph.scope.years if a in (Aspect.RESULT, Aspect.TARGET)}
    before = [y for y, s, _e in years_in(text) if s < start and y in about]
    if before:
        last = before[-1]
        return TimeScope(tuple((y, a) for y, a in paragraph.scope.years if y == last)) or paragraph.scope
    later = {y for y, s, _e in years_in(text) if s >= end}
    inherited = tuple((y, a) for y, a in paragraph.scope.years if y not in later)
    return TimeScope(inherited) if inherited else paragraph.scope
