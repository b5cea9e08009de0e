"""Questions about one figure across several years or reports, read into one question per row.

"2010年到2013年粮食产量目标分别是多少?" asks four questions at once: "2010年粮食产量目标是多少?" …
"2013年粮食产量目标是多少?". Each row is then answered by the single-figure path (its own
retrieval under that year's time scope, its own figure and citation), so a table is never more
than the sum of answers the product would give one by one, and a year no report covers is said
to be missing instead of guessed.

Read here, with general rules about how such questions are written:
- a range of years ("2010年到2013年", "2010—2013年"), a list ("2010年和2012年…分别"), a comparison
  ("2012年的…比2011年高还是低"), a relative span ("近五年", "最近三年") or an open one ("2009年以来",
  "历年", "每年") — the last two resolved against the years the knowledge base covers;
- a list of places ("四川、广东和江苏…分别");
and not a question about a total or an average over the years ("累计", "年均"), which one
paragraph answers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from ingest.metadata import PROVINCES, short_region
from ingest.records import Aspect, Paragraph, TimeScope
from ingest.scope import years_in
from rag.answer_types import Answer, Citation
from rag.figures.lead import CHANGE_VERB, COMPARED_BY, over_years_in
from rag.figures.merge import interleave
from rag.figures.numbers import asks_for_number, find_numbers
from rag.figures.table import COMPUTED, MISSING, Row, Table, computed_difference, read_cell, summarize
from rag.generation.verify import SentenceCheck, Verification, verify
from rag.question.constraints import find_places
from rag.records import CITATION_MARKER, REFUSAL_TEXT

# How many rows a table may have: "历年" over twenty years of reports is still one screen.
MAX_ROWS = 30
_CN_COUNT = {"两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_YEAR = r"((?:19|20)\d{2})"
_RANGE = re.compile(rf"(?:从|自)?{_YEAR}\s*年?\s*(?:到|至|－|-|—|–|~|～)\s*{_YEAR}\s*年(?:间|期间)?")
# "2010年和2012年", "2009、2010、2011三年", "2010、2011这两年" (the last year carries 年, or a
# count of years follows).
_YEAR_LIST = re.compile(
    rf"{_YEAR}\s*年?(?:\s*(?:、|，|,|和|与|及|以及|跟|还有)\s*{_YEAR}\s*年?)+(?:这?[两二三四五六七八九十]个?年|这几年)?"
)
_SINCE = re.compile(rf"(?:从|自)?{_YEAR}\s*年(?:以来|来|至今|到现在|到今天|开始)")
_RECENT = re.compile(r"(?:近|最近|过去|前)(\d{1,2}|[两二三四五六七八九十])(?:个)?年(?:来|间|里)?")
# "每年" before a verb is a yearly rate ("每年新增就业1100万人以上"), not a row per year.
_EVERY_YEAR = re.compile(
    r"历年(?:来)?|每一?年(?!新增|增加|减少|增长|投入|安排|下降|提高|约|平均)|逐年|各年(?:度)?"
)
# A comparison with another year: "…比2011年高还是低", "…较2011年多了多少".
_COMPARED_YEAR = re.compile(rf"(?:比|较|相比于?|同|与|和|跟){_YEAR}\s*年(?:的)?")
# "提高了多少", "少几": a change asked with its size.
# (差 asks the size of a gap, in either direction; a measure word may follow: "差了多少人".)
# ("多减了多少", "多造了多少": a verb may follow the comparative.)
_HOW_MUCH_CHANGED = (
    r"(?:提高|降低|增加|减少|上升|下降|回落|扩大|缩小|[多少](?:出|[\u4e00-\u9fff]{1,2}?(?=了))?"
    r"|高出?|低|快|慢|相?差)了?(?:多少|几)"
)
# The units and measure words a difference is asked in ("多了多少户", "多几部").
_DIFFERENCE_UNIT = (
    r"个百分点|人次|公里|公顷|平方米|[个名人户项元套家所次吨亩斤辆台座条件场]"
    r"|[部本篇批处支张艘架头只块枚颗棵株栋幢份首盏册]"
)
# Which is larger, by how much, how it changed; "后一年比前一年……", "……，增速回落了多少" included.
_COMPARE_TAIL = re.compile(
    r"(?:[前后]一?年比[前后]一?年)?(?:(?<=[，,？?])(?:增速|增幅|涨幅|降幅))?(?:是)?"
    r"(?:(?:高|多|快|大|升|增|上升|增加|提高|扩大)了?还是(?:低|少|慢|小|降|减|下降|减少|降低|缩小)了?"
    r"|哪(?:[个一](?:年|省份?|市|地方)?|年|省|市)(?:[\u4e00-\u9fff]{1,2}得?)?(?:更|最)?(?:高|多|大|快|低|少|长|短)(?:一点|一些|些)?"
    rf"|{_HOW_MUCH_CHANGED}(?P<unit>{_DIFFERENCE_UNIT})?"
    r"|有(?:什么|何|哪些)变化|(?:是)?怎么变化的?|如何变化|变化了?(?:多少)?|变化情况|走势|趋势"
    # "…各是多少？2032年比2031年涨了多少？": one asked year against the other, in a clause of its own.
    rf"|(?<=[，,？?])(?:{_YEAR}\s*年|[前后]一?年)(?:比|较)(?:{_YEAR}\s*年|[前后]一?年)[^，。？?]{{0,8}}?"
    rf"(?:涨|增长|增|降|减|多|少)了?(?:多少|几)(?P<per>{_DIFFERENCE_UNIT})?)"
    r"(?:呢|吗)?[？?。]?$"
)
# A rise or fall asked without a comparative ("涨了多少"): a span's change "从…到…".
_ROSE_BY = re.compile(r"(?:上涨|涨|上升|升|下降|降)(?=了?(?:多少|几))")
# The size of the change asked, not only its direction: "多了多少", "提高了几个百分点".
_DIFFERENCE = re.compile(rf"{_HOW_MUCH_CHANGED}|{COMPARED_BY}|变化了?多少|差多少|相差")
# "…比2030年多招了多少人": a difference to a year, asked with a verb after the comparative.
_AGAINST_YEAR = re.compile(rf"(?:比|较){_YEAR}\s*年[^，。？?]{{0,8}}?{COMPARED_BY}")
# Asking about a total or an average over the span: one figure, not a row per year.
# (An average per day, month or person is each year's own figure: "平均每天新增多少户".)
_AGGREGATE = re.compile(
    r"累计|合计|总共|一共|共计|总计|总和|加起来|年均|平均(?!每?[天日月周人户])|累积|这几年共|期间共"
)
# Words that ask for a value per row; needed where the span alone may mean an aggregate.
_PER_ROW = re.compile(
    r"分别|各自|各是|各为|依次|每年|逐年|历年|各年|变化|趋势|走势|列表|列出|列(?:个|一个|成)表"
)
# How the answer is wanted laid out ("列个表", "做成表格"): no part of a row's question.
_AS_A_TABLE = re.compile(
    r"[，,。？?]?\s*(?:请|帮我|给我)?(?:列(?:个|一个|成)?表格?|列出来|做成(?:一个|个)?表格?|用表格?(?:列出|展示)?)"
    r"(?:吧|看看|一下)?(?=[，,。？?]|$)"
)
_DROP = re.compile(r"分别|各自|依次|各(?=是|为|有|达)|(?<=[年的])都")
_PLACE_JOIN = re.compile(r"^\s*(?:、|，|,|和|与|及|以及|跟|还有)\s*$")
# "甲省、乙省两个省…": the count after a list of places belongs to the list, not to a row.
_PLACE_COUNT = re.compile(r"(?:这|等)?(?:\d{1,2}|[两二三四五六七八九十])个?(?:省份|省|市|区|县|地区|地方|地)")


@dataclass(frozen=True)
class SeriesAsk:
    """A question read as a table: its rows (years, or places), or a rule to find the years in
    the knowledge base (`recent` last years, `since` a year, `every` year), and the template
    each row's own question is written from ("{}GDP增长目标是多少？")."""

    question: str
    template: str  # with one "{}" where a row's year or place goes
    by: str = "year"  # "year" or "region"
    years: tuple[int, ...] = ()
    places: tuple[str, ...] = ()
    recent: int = 0  # "近五年": the last 5 years covered
    since: int = 0  # "2009年以来": from 2009 to the last year covered
    every: bool = False  # "历年": every year covered
    compare: bool = False  # "…比2011年高还是低": two rows and their change
    # "…比2011年多了多少": the difference itself is asked (reports often state it).
    difference: bool = False

    @property
    def relative(self) -> bool:
        return bool(self.recent or self.since or self.every)

    def keys(self, covered: Sequence[int] = ()) -> list[str]:
        """The rows' keys: years as "2010", places as written. Relative spans take the years
        `covered` (the years the reports hold the figure's kind for), ending at the last one."""
        if self.by == "region":
            return list(self.places)
        years = list(self.years)
        if self.relative:
            if not covered:
                return []
            last, first_covered = max(covered), min(covered)
            if self.recent:
                years = list(range(last - self.recent + 1, last + 1))
            elif self.since:
                years = list(range(self.since, max(last, self.since) + 1))
            else:
                years = list(range(first_covered, last + 1))
        return [str(y) for y in years[-MAX_ROWS:]]

    def row_question(self, key: str) -> str:
        """The single question of one row: "2010年粮食产量目标是多少？"."""
        label = f"{key}年" if self.by == "year" else key
        return self.template.replace("{}", label, 1)


def read_series(question: str, known_regions: Iterable[str] = ()) -> SeriesAsk | None:
    """The question as a table of rows, or None when it asks for one figure."""
    text = _rows_asked_last(_risen_over_a_span(_which_of_two(_after_preamble(question.strip()))))
    if over_years_in(_AGGREGATE, text):
        return None  # (a mean named as an indicator, "平均房价", is each row's own figure)
    if _FROM_TO_ASKED.search(text):
        return None  # the span's own change, as a report states it ("从…增加到…"): one answer
    compare = _COMPARE_TAIL.search(text)
    asks_values = asks_for_number(text) or bool(_PER_ROW.search(text)) or bool(compare)
    if not asks_values:
        return None
    found = _years_asked(text, bool(compare))
    if found is not None:
        return found
    return _places_asked(text, known_regions, bool(compare)) or _every_place(
        text, known_regions, bool(compare)
    )


# "2031到2035年绿道从多少公里增加到多少公里": both ends of a change over the span asked at once.
_FROM_TO_ASKED = re.compile(r"从(?:多少|几)[^，,。？?]{0,12}?(?:到|至)(?:多少|几)")
# A last clause asking only for each row's figure ("…是多了还是少了？这两年各自是多少？"): it adds
# no indicator to a comparison before it.
_ROWS_CLAUSE = re.compile(
    r"[，,？?]\s*(?:这|那)?(?:两|二|三|四|五|几)?(?:个)?(?:年|年份|省份?|地方)?(?:的(?:数字|数据|数))?"
    r"(?:分别|各自|各)(?:是|为|有)?(?:多少|几)(?:万|亿)*(?:[\u4e00-\u9fff]{1,3})?(?=[，,？?。]|$)"
)


# "哪一年新招的志愿者更多，2031年还是2032年？": which of two years, the years offered as a choice.
_CHOICE_OF_YEARS = re.compile(rf"{_YEAR}\s*年\s*还是\s*{_YEAR}\s*年")
_WHICH_YEAR = re.compile(
    r"哪(?:一|个)?年(?P<what>[^，,。？?]{0,20}?)(?P<than>更|最|比较|较)?(?P<adj>高|多|大|快|低|少|长|短)"
    r"(?:一点|一些|些)?(?:呢|吗)?(?=[，,。？?]|$)"
)


def _which_of_two(text: str) -> str:
    """ "哪一年新建的绿道更长，2031年还是2032年？两年各建了多少？": a choice of years, said again
    the way a comparison of them is read (both years' "新建的绿道", each asked, then which is
    longer); so are "2031年和2032年，哪年绿道更长？" and "2031年绿道长，还是2032年长？"."""
    either = _EITHER_YEAR.search(text)
    if either is not None:
        years, what, than, adj = [either["one"], either["other"]], either["what"], "更", either["adj"]
    else:
        which = _WHICH_YEAR.search(text)
        offered = _CHOICE_OF_YEARS.search(text)
        if offered is None and not _COMPARE_TAIL.search(text):
            # Years listed, then which of them, the indicator between (not "哪年多", read as is).
            offered = _YEAR_LIST.search(text)
        if which is None or offered is None or not offered.group(0).endswith("年"):
            return text
        years = re.findall(_YEAR, offered.group(0))
        start = max(text.rfind(p, 0, which.start()) for p in "，,。？?") + 1
        before = text[start : which.start()].replace(offered.group(0), "")
        what, than, adj = before + which.group("what"), which.group("than") or "更", which.group("adj")
    what = re.sub(r"(?:建|招|办|修|造)得?$", "", what.strip("的，, ")).rstrip("的")
    if not what or years_in(what) or len(set(years)) != 2:
        return text
    first, second = sorted(int(y) for y in years)
    return f"{first}年和{second}年{what}各是多少？哪年{than}{adj}？"


# "2031年志愿者多，还是2032年多？": one year's figure said larger, or the other's.
_EITHER_YEAR = re.compile(
    r"(?P<one>(?:19|20)\d{2})\s*年(?:的)?(?P<what>[^，,。？?]{1,20}?)(?P<adj>多|高|大|快|低|少|长|短)[，,]?\s*还是\s*"
    r"(?P<other>(?:19|20)\d{2})\s*年(?:的)?(?:更|比较)?(?P=adj)"
)


def _risen_over_a_span(text: str) -> str:
    """ "从2031年到2033年涨了多少" -> "…上升了多少": how much it rose from one end of a span to the
    other, said as a change between the two (without 从, "2031年到2033年物价涨了多少" asks each
    year's own rise, and "从…每年涨了多少" each year's too)."""
    span = _RANGE.search(text)
    rise = _ROSE_BY.search(text, span.end()) if span and span.group(0).startswith(("从", "自")) else None
    if rise is None or _PER_ROW.search(text, span.end() if span else 0, rise.start()):
        return text
    said = "下降" if "降" in rise.group(0) else "上升"
    return f"{text[: rise.start()]}{said}{text[rise.end() :]}"


def _after_preamble(text: str) -> str:
    """ "给领导准备发言稿，想核对一下：2031年和2032年…" -> "2031年和2032年…": words before a colon
    that name no year say why the user asks; a row's question is what follows."""
    head, colon, tail = max(text.rpartition("："), text.rpartition(":"), key=lambda p: len(p[0]))
    if not colon or not tail.strip() or years_in(head) or not years_in(tail):
        return text
    return tail.strip()


def _rows_asked_last(text: str) -> str:
    """ "…是多了还是少了？这两年各自是多少？" -> "…是多了还是少了？": a comparison's table gives
    each row's figure anyway."""
    m = _ROWS_CLAUSE.search(text)
    rest = text[: m.start() + 1] + text[m.end() + 1 :] if m else text
    if m is None or not _COMPARE_TAIL.search(rest.rstrip("？?。") + "？"):
        return text
    return rest


def _years_asked(text: str, compare: bool) -> SeriesAsk | None:
    m = _RANGE.search(text)
    if m:
        first, last = int(m.group(1)), int(m.group(2))
        if first < last <= first + MAX_ROWS:
            ends = m.group(0).startswith(("从", "自"))
            if ends and compare and _DIFFERENCE.search(text, m.end()) and not _PER_ROW.search(text):
                # "从2031年到2033年提高了多少": the change between the span's two ends. (Without 从,
                # "2031年到2033年新增了多少" is read as each year's, as the rows show it.)
                return _ask(text, m.start(), m.end(), years=(first, last), compare=True, difference=True)
            return _ask(text, m.start(), m.end(), years=tuple(range(first, last + 1)))
    m = _YEAR_LIST.search(text)
    if m and m.group(0).endswith("年"):
        years = tuple(dict.fromkeys(int(y) for y in re.findall(_YEAR, m.group(0))))
        # "2031年跟2032年比，…": the word closing the comparison goes with the years.
        closing = _LIST_COMPARED.match(text, m.end()) if compare else None
        end = closing.end() if closing else m.end()
        if len(years) >= 2:
            return _ask(text, m.start(), end, years=tuple(sorted(years)), compare=compare)
    ask = _year_per_clause(text, compare)
    if ask is not None:
        return ask
    if compare or _AGAINST_YEAR.search(text):
        ask = _compared_years(text) or _against_the_year_before(text)
        if ask is not None:
            return ask
    m = _SINCE.search(text)
    if m and _PER_ROW.search(text):
        return _ask(text, m.start(), m.end(), since=int(m.group(1)))
    m = _RECENT.search(text)
    # "近三年淘汰了多少产能", "过去五年…": how reports name a review of several years (one
    # paragraph of totals); a table only when the question asks for each year.
    if m and _PER_ROW.search(text):
        count = int(m.group(1)) if m.group(1).isdigit() else _CN_COUNT[m.group(1)]
        if 2 <= count <= MAX_ROWS:
            return _ask(text, m.start(), m.end(), recent=count)
    m = _EVERY_YEAR.search(text)
    if m and not re.search(_YEAR + r"\s*年", text):
        return _ask(text, m.start(), m.end(), every=True)
    return None


def _year_per_clause(text: str, compare: bool) -> SeriesAsk | None:
    """ "养老金，2031年上调了多少，2032年又上调了多少？" -> rows 2031 and 2032: one question
    asked again of another year, clause after clause (又, 呢 aside)."""
    clauses = [(m.start(), m.end()) for m in re.finditer(r"[^，,；;？?]+", text)]
    run: list[tuple[int, int, int]] = []  # (year, start, end) of consecutive year clauses
    for start, end in clauses:
        clause = text[start:end]
        found = re.findall(_YEAR + r"\s*年", clause)
        again = bool(run) and re.fullmatch(r"\s*(?:那)?" + _YEAR + r"\s*年(?:的)?呢\s*", clause)
        if len(found) == 1 and (asks_for_number(clause) or again):
            run.append((int(found[0]), start, end))
        elif len(run) >= 2:
            break
        else:
            run = []
    if len(run) < 2 or len({year for year, _, _ in run}) < len(run):
        return None
    asked = [_AGAIN.sub("", re.sub(_YEAR + r"\s*年", "", text[start:end])) for _, start, end in run]
    # A later clause may ask the same level in fewer words, its indicator named in the first
    # ("绿道2031年是多少，2032年增加到多少？"): a bare "是多少" or a level reached ("到多少").
    if re.search(r"(?:多少|几)", asked[0]) and not _CHANGE_ASKED.search(asked[0]):
        asked = [asked[0]] + [a for a in asked[1:] if not _LEVEL_AGAIN.fullmatch(a)]
    if len(set(asked) - {""}) != 1:
        return None
    _, start, end = run[0]
    own = re.search(_YEAR + r"\s*年", text[start:end])
    assert own is not None
    # Each row is asked what the first year's clause asks (a change, "提高了多少", stays one).
    template = f"{text[: start + own.start()]}{{}}{text[start + own.end() : end]}？"
    years = tuple(sorted(year for year, _, _ in run))
    return SeriesAsk(text, template, "year", years, compare=compare)


# Said when a question is asked again of the next row ("2032年又上调了多少", "2032年呢").
_AGAIN = re.compile(r"^\s*(?:的|又|也|则|那)|又|呢$")
# A level asked ("是多少", "有多少"), as against a change ("增加了多少"): the first clause names the
# indicator before it; a later clause may ask it again bare, or as the level a change reached.
_LEVEL_VERB = r"(?:是|为|有|达到?)?"
_CHANGE_ASKED = re.compile(rf"(?:了|到|至|新增|新建|{CHANGE_VERB}|[增减多少])(?:多少|几)")
# ("到2032年变成多少了": the year's own 到 is said before it.)
_LEVEL_AGAIN = re.compile(
    rf"\s*(?:到|至)?(?:{_LEVEL_VERB}|变成|变为|成了|(?:{CHANGE_VERB})(?:到|至))(?:多少|几)[^，,；;？?]{{0,4}}"
)


_LIST_COMPARED = re.compile(r"\s*(?:相比|相较|比较|比)(?:起来)?[，,]?")
# "和2011年(预算)相比", "跟上年比是…": the words that close a comparison after its base year.
# ("跟2030年比多了多少": 比 right after the base year, before the comparative.)
_CLOSES_COMPARISON = re.compile(
    r"(?:[^，。？?、]{0,6}?(?:相比|相较|比较|比(?=是|起来|[，,？?]))|比(?=[多少高低快慢大小增减涨降升]))"
    r"(?:起来)?[，,]?"
)


def _compared_years(text: str) -> SeriesAsk | None:
    """ "2012年的财政赤字率比2011年高还是低" -> rows 2011 and 2012, the template without the
    comparison ("{}的赤字率目标是多少？")."""
    base = _COMPARED_YEAR.search(text)
    own = re.search(_YEAR + r"\s*年", text)
    if base is None or own is None:
        return None
    # "和2011年(预算)相比": the words closing the comparison go with the base year.
    closing = _CLOSES_COMPARISON.match(text, base.end())
    without = text[: base.start()] + text[closing.end() if closing else base.end() :]
    if own.start() >= base.start():
        # "与2030年相比，2031年…增加了多少": the base said first, closed by 相比, then the year.
        own = re.search(_YEAR + r"\s*年", without) if closing and base.start() == 0 else None
        if own is None:
            return None
    years = tuple(sorted({int(own.group(1)), int(base.group(1))}))
    if len(years) < 2:
        return None
    without, unit = _without_comparison(without)
    without += unit
    asks_difference = bool(_DIFFERENCE.search(text[base.end() :]))
    ask = _ask(without, own.start(), own.end(), years=years, compare=True, difference=asks_difference)
    return replace(ask, question=text)


# "比上年", "跟前一年比": the year before the one asked is the base of a comparison.
# ("比上年预算": the budget is the base's, each row's figure is its own year's budget.)
_YEAR_BEFORE = re.compile(r"(?:比|较|跟|和|与|同)(?:上一?年|前一年|去年)(?:的)?(?:预算)?")


def _against_the_year_before(text: str) -> SeriesAsk | None:
    """ "2031年志愿者人数比上年增加了多少" -> rows 2030 and 2031: a change asked against the year
    before one year named (a report may state it; else it is computed from the two rows)."""
    base = _YEAR_BEFORE.search(text)
    named = {int(y) for y in re.findall(_YEAR + r"\s*年", text)}
    if base is None or len(named) != 1:
        return None
    (year,) = named
    ask = _compared_years(f"{text[: base.start()]}{base.group(0)[0]}{year - 1}年{text[base.end() :]}")
    return replace(ask, question=text) if ask is not None else None


def _places_asked(text: str, known_regions: Iterable[str], compare: bool) -> SeriesAsk | None:
    """ "2020年山东、河南和河北的粮食产量分别是多少": rows by place (two or more, joined)."""
    places = find_places(text, known_regions)
    run: list[tuple[str, int, int]] = []
    for place in places:
        # (Provinces by their one-character names are joined by nothing: "苏浙皖"; a place
        # right after another, "重庆市綦江区", is inside it.)
        joined = not text[run[-1][2] : place[1]] and place[2] - place[1] == 1 if run else False
        if run and not (_PLACE_JOIN.match(text[run[-1][2] : place[1]]) or joined):
            if len(run) >= 2:
                break
            run = []
        run.append(place)
    if len(run) < 2:
        return None
    # (A province said by its one-character name, "粤", is its row by its usual name, "广东".)
    names = tuple(dict.fromkeys(text[s:e] if e - s > 1 else short_region(full) for full, s, e in run))
    if len(names) < 2:
        return None
    count = _PLACE_COUNT.match(text, run[-1][2])
    end = count.end() if count else run[-1][2]
    return _ask(text, run[0][1], end, places=names, by="region", compare=compare)


# "各省…分别是多少", "四个省…各是多少": the places are not named, but counted or taken all.
_EVERY_PLACE = re.compile(
    r"(?:这|那)?(?:(?P<count>\d{1,2}|[两二三四五六七八九十])个|各|每个)(?P<level>省|市|区|县)份?"
)


# "四个省各新建了多少", "四个省去年各有多少": 各 right after the places counted (and a time) hands
# the question to each of them ("各类", "各级" name kinds, not the places).
_EACH_OF_THEM = re.compile(
    r"(?:(?:去年|今年|前年|上年|(?:19|20)?\d{2}\s*年)(?:底|末|全年)?)?的?各(?=[\u4e00-\u9fff])"
    r"(?!类|级|项|地|种|界|族|方|部门|自|是|为)"
)


def _every_place(text: str, known_regions: Iterable[str], compare: bool) -> SeriesAsk | None:
    """ "四个省去年…各是多少" -> a row for each place of that level the reports are about (the
    provinces of a knowledge base of several provinces' reports), when the count said is theirs.
    Each is asked for its own figure: "各…" or a table asked, or a comparison."""
    m = _EVERY_PLACE.search(text)
    if m is None:
        return None
    each = _EACH_OF_THEM.match(text, m.end())
    if each is not None:  # "四个省去年各新建了多少": 各 is each row's, no word of its question
        text = text[: each.end() - 1] + text[each.end() :]
    if not (m.group("count") is None or _PER_ROW.search(text) or compare or each):
        return None
    level = m.group("level")
    if level == "省":
        places = sorted(r for r in known_regions if r in PROVINCES)
    else:  # (a municipality is a province: not one of 各市)
        places = sorted(r for r in known_regions if r.endswith(level) and r not in PROVINCES)
    said = m.group("count")
    count = (int(said) if said.isdigit() else _CN_COUNT[said]) if said else len(places)
    if len(places) < 2 or count != len(places):
        return None
    names = tuple(short_region(p) for p in places)
    return _ask(text, m.start(), m.end(), places=names, by="region", compare=compare)


def _ask(
    text: str,
    start: int,
    end: int,
    *,
    years: tuple[int, ...] = (),
    places: tuple[str, ...] = (),
    by: str = "year",
    recent: int = 0,
    since: int = 0,
    every: bool = False,
    compare: bool = False,
    difference: bool = False,
) -> SeriesAsk:
    template = _template(text, start, end)
    return SeriesAsk(text, template, by, years, places, recent, since, every, compare, difference)


def _template(text: str, start: int, end: int) -> str:
    """The question with the span of rows replaced by a slot, the words asking for every row
    ("分别", "怎么变化") replaced by a plain "是多少" where no other question word remains."""
    # "…各是多少？哪年多": the comparison is the table's summary, not a row's question. (Read
    # before 分别 is dropped: "分别新增了多少" is each row's own change.)
    rest = _AS_A_TABLE.sub("", f"{text[:start]}{{}}{text[end:]}")
    raw, unit = _without_comparison(rest.rstrip("？?。 ") + "？")
    before, after = (_DROP.sub("", part) for part in raw.split("{}", 1))
    body = _EVERY_YEAR.sub("", f"{before}{{}}{after}").rstrip("？?，,。 ")
    # "2030到2033年，每年年底…": the time of year belongs to each row's year ("2031年年底").
    body = re.sub(r"\{\}\s*[，,]\s*(?=年底|年末|年初|全年)", "{}", body)
    if unit:  # "…是多少" asked in the comparison's unit: "…是多少亩"
        body = re.sub(rf"(?:是|有|为)?多少(?:{_DIFFERENCE_UNIT})?$", "", body) + unit
    if not re.search(r"多少|几", body):  # "…的财政赤字率": ask for the figure
        body = body.rstrip("的") + ("多少" if body.endswith("是") else "是多少")
    return body + "？"


def _without_comparison(text: str) -> tuple[str, str]:
    """`text` without the comparisons that end it ("…，哪年多？相差多少吨？": both), and what each
    row is asked in ("是多少吨"; "" when the comparison names no unit)."""
    unit = ""
    while (tail := _COMPARE_TAIL.search(text)) is not None and tail.start() > 0:
        if _ASKED_PER_ROW.search(text, 0, tail.start()):
            break  # "…分别新增了多少": each row's own figure is a change, asked of every row
        unit = unit or _asked_in(tail)
        text = text[: tail.start()].rstrip("？?，,。 ")
    return text, unit


_ASKED_PER_ROW = re.compile(r"(?:分别|各自|各|每年|逐年)$")


def _asked_in(tail: re.Match[str]) -> str:
    """The unit a comparison asks its difference in ("多了多少户") is what each row counts:
    "是多少户"; "" when it names none (or is a percentage point, which rows do not count in)."""
    unit = tail.group("unit") or tail.group("per") or ""
    return f"是多少{unit}" if unit and unit != "个百分点" else ""


def covered_years(paragraphs: Iterable[tuple[int | None, TimeScope]], aspects: set[Aspect]) -> list[int]:
    """The years the reports hold `aspects` (results, targets) figures for, from (report year,
    paragraph scope) pairs: a report's own year and the year before it (an annual summary or a
    review), never the far years a plan or a history names ("到2035年", "2010年以来")."""
    years: set[int] = set()
    for report_year, scope in paragraphs:
        if report_year is None:
            continue
        years |= {y for y, a in scope.years if a in aspects and report_year - 1 <= y <= report_year}
    return sorted(years)


# --- the rows' answers as one table ----------------------------------------------------------


def lead_citation(answer: Answer) -> Citation | None:
    """The citation of the sentence an answer's lead figure comes from (None: no figure)."""
    if answer.refused or not answer.lead or not answer.citations:
        return None
    mentions = find_numbers(answer.lead)
    if not mentions:
        return None
    return next((c for c in answer.citations if mentions[0].text in c.sentence), answer.citations[0])


def row_of(ask: SeriesAsk, key: str, answer: Answer) -> tuple[Row, Citation | None]:
    """One row from the single-figure answer to its question: the figure it led with and the
    citation of the sentence that holds it; a refusal's reason when it has none."""
    label = f"{key}年" if ask.by == "year" else key
    named = years_in(ask.question)
    year = int(key) if ask.by == "year" else (named[0][0] if named else None)
    region = key if ask.by == "region" else ""
    cited = lead_citation(answer)
    cell = read_cell(answer.lead) if cited is not None else None
    if cell is None or cited is None:
        return Row(label, year, None, region=region, missing=_why_missing(label, answer)), None
    return Row(label, year, cell, doc=cited.report or cited.doc, region=region), cited


def _why_missing(label: str, answer: Answer) -> str:
    """ "知识库中没有2020年的政府工作报告", without the list of reports that follows it."""
    first = answer.text.split("\n", 1)[0] if answer.refused else ""
    if answer.conclusive and first.startswith(("知识库中", "所选的报告中")) and first != REFUSAL_TEXT:
        return re.sub(r"（现有：.*?）", "", first).rstrip("。")
    return f"知识库中没有找到{label}的这一数字"


def tabulate(
    ask: SeriesAsk, rows: Sequence[tuple[str, Answer]], top_k: int, kinds: Mapping[str, Aspect] | None = None
) -> Answer:
    """The table answer: a line per row ("2011年：9.2%（据《2012年政府工作报告》）[2]"), a missing
    row said as missing, the change from the first figure to the last above them, the rows'
    citations renumbered into one list. Every cited line is verified against its paragraph."""
    built: list[Row] = []
    citations: list[Citation] = []
    number_of: dict[tuple[str, str], int] = {}
    kinds = kinds or {}
    for key, answer in rows:
        row, cited = row_of(ask, key, answer)
        if row.cell is not None and key in kinds:
            row = replace(row, aspect=_ASPECT_WORD.get(kinds[key], ""))
        if cited is not None:
            ident = (cited.paragraph_id, cited.sentence)
            if ident not in number_of:
                number_of[ident] = len(citations) + 1
                citations.append(replace(cited, n=number_of[ident]))
            row = replace(row, citation=number_of[ident])
        built.append(row)
    built = _in_shared_unit(built)
    table = Table(_indicator(ask), tuple(built), ask.by)
    if not table.mixed:  # a plan's figure against an outcome is no change to report
        summary = summarize(built, ask.by)
        if summary and ask.compare:
            summary += computed_difference(built)  # a stated one replaces it (with_difference)
        table = replace(table, summary=summary)
    retrieved = interleave([(q, a) for q, a in rows], top_k)
    if not table.filled:
        reasons = list(dict.fromkeys(r.missing for r in built))
        text = "；".join(reasons[:3]) + "。" if reasons else REFUSAL_TEXT
        return Answer(ask.question, text, True, [], retrieved, conclusive=True, table=table)
    lines = [_summary_line(table)] if table.summary else []
    lines += [_row_line(r, table.mixed) for r in built]
    confidence = min(a.confidence for _k, a in rows if not a.refused)
    half = _half_answered(ask, table)
    if half:
        # The figure found is still shown (cited), below the reason.
        text = "\n".join([half, *lines])
        refused = Answer(ask.question, text, True, citations, retrieved, confidence=confidence, table=table)
        return replace(refused, conclusive=True)
    return Answer(
        ask.question, "\n".join(lines), False, citations, retrieved, confidence=confidence, table=table
    )


# A question that asks a plan's figure ("目标比去年实际多多少") sets it against an outcome itself.
ASKS_PLAN = re.compile(r"目标|预期|计划|任务|力争")


def _half_answered(ask: SeriesAsk, table: Table) -> str:
    """Why a question about two things side by side ("2031年和2032年各…多少", "哪年多") is not
    answered: the reports give one of the two figures, or, for a comparison, one year's is a
    plan's target and the other's an outcome (which is larger says nothing). "" when it is.
    (A difference asked may still be stated by a report: rag.figures.extractive tries that
    first; a span of years, "近两年", is a table like any other.)"""
    if len(table.rows) != 2 or ask.difference or ask.relative:
        return ""
    missing = [r for r in table.rows if r.cell is None]
    if len(missing) == 1:
        (found,) = table.filled
        if ask.compare:
            return f"无法比较：{missing[0].missing}。"
        return f"{missing[0].missing}，只找到{found.key}的。"
    if ask.compare and table.mixed and not ASKS_PLAN.search(ask.question):
        first, second = table.rows
        return f"无法比较：{first.key}是{first.aspect}数，{second.key}是{second.aspect}数。"
    return ""


def _in_shared_unit(rows: list[Row]) -> list[Row]:
    """Rows of one indicator where one report writes the unit and another leaves it to the
    indicator's name ("低收入人口减少9万" beside "减少12万人"): the bare figure is read in the
    unit the others share, so the rows can be compared. Two different units stay apart."""
    units = {r.cell.unit for r in rows if r.cell is not None}
    if len(units) != 2 or "" not in units:
        return rows
    (unit,) = units - {""}
    if unit == "%":
        return rows  # a bare number beside percentages is a count, not a share
    return [
        replace(r, cell=replace(r.cell, unit=unit)) if r.cell is not None and not r.cell.unit else r
        for r in rows
    ]


_ASPECT_WORD = {Aspect.TARGET: "目标", Aspect.RESULT: "实际"}


def _indicator(ask: SeriesAsk) -> str:
    # ("{}，全市每年……": the words after the slot's comma name it, without the comma.)
    plain = ask.template.replace("{}", "").rstrip("？?").lstrip("，,、 ")
    return re.sub(r"^的|是多少$|多少$", "", plain) or plain


def _row_line(row: Row, mixed: bool = False) -> str:
    if row.cell is None:
        return f"{row.key}：{MISSING}（{row.missing}）"
    said = [row.aspect] if mixed and row.aspect else []
    said += [f"据《{row.doc}》"] if row.doc else []
    source = f"（{'，'.join(said)}）" if said else ""
    return f"{row.key}：{row.cell.text}{source}[{row.citation}]"


def _summary_line(table: Table) -> str:
    """The summary with each figure's citation beside it, so it is verified like the rows."""
    line = table.summary
    for row in table.filled:
        assert row.cell is not None
        shown = f"{row.key}的{row.cell.text}"
        at = line.find(shown)
        if at >= 0 and not line.startswith("[", at + len(shown)):
            line = f"{line[: at + len(shown)]}[{row.citation}]{line[at + len(shown) :]}"
    return line + "。"


_COMPUTED_CLAUSE = re.compile(rf"，相差[^，。（]*{re.escape(COMPUTED)}")


def verify_table(answer: Answer, sources: Mapping[int, Paragraph], question: str) -> Verification:
    """Each cited line checked against the paragraph it cites; a missing row states no figure
    (its reason comes from what the knowledge base holds), so it is not checked."""
    checks: list[SentenceCheck] = []
    pos = 0
    for line in answer.text.split("\n"):
        if CITATION_MARKER.search(line):
            # A difference computed from two cited figures stands in no paragraph: said as such.
            line = _COMPUTED_CLAUSE.sub(lambda m: " " * len(m.group(0)), line)
            for check in verify(line, sources, question=question, by_citation=True).sentences:
                checks.append(replace(check, start=check.start + pos, end=check.end + pos))
        pos += len(line) + 1
    return Verification(tuple(checks))


_SAID_CHANGE = re.compile(r"(?:增加|减少|上升|下降|提高|降低|扩大|缩小|高|低|多|少)了?$")


def _with_levels(direct: Answer, rows: Sequence[Row]) -> str:
    """A difference stated alone ("比去年多5000人") leads after both years' figures, each with its
    citation: "2030年3万人以上[2]，2031年3.5万人以上[3]，多5000人。依据：…"."""
    filled = [r for r in rows if r.cell is not None and r.citation]
    lead = direct.lead
    if len(filled) != 2 or not lead or not direct.text.startswith(lead):
        return direct.text
    quote = direct.text[len(lead) :]
    levels = "，".join(f"{r.key}{r.shown}[{r.citation}]" for r in filled)
    level, comma, change = lead.partition("，")
    if len(find_numbers(lead)) == 2 and comma and any(r.cell and r.cell.text == level for r in filled):
        # "2.38万亿元，比去年增加2000亿元": one year's level and the stated change. Both levels
        # lead (the later one again with its citation), then the change as the report says it.
        return f"{levels}，{change}{quote}"
    if len(find_numbers(lead)) != 1:
        return direct.text
    at = quote.find(lead)
    said = _SAID_CHANGE.search(quote[max(0, at - 4) : at]) if at >= 0 else None
    return f"{levels}，{said.group(0) if said else '相差'}{lead}{quote}"


def is_a_level(lead: str, table: Table | None) -> bool:
    """Whether an answer's lead is one of the rows' own figures: asked "两年之间多了多少", a reader given
    the later year's level back has not been given the difference (computed from the rows then)."""
    if table is None or len(find_numbers(lead)) != 1:
        return False
    led = read_cell(lead)
    return led is not None and any(
        r.cell is not None and (r.cell.low, r.cell.high, r.cell.unit) == (led.low, led.high, led.unit)
        for r in table.filled
    )


def with_difference(direct: Answer, table: Answer) -> Answer:
    """ "…比2011年多了多少": the difference the report states (the single answer to the whole
    question) leads, the two rows follow as the table; the table's citations numbered after the
    lead's, a paragraph cited by both keeping the lead's number."""
    citations = list(direct.citations)
    number_of = {(c.paragraph_id, c.sentence): c.n for c in citations}
    renumber: dict[int, int] = {}
    for c in table.citations:
        ident = (c.paragraph_id, c.sentence)
        if ident not in number_of:
            number_of[ident] = len(citations) + 1
            citations.append(replace(c, n=number_of[ident]))
        renumber[c.n] = number_of[ident]
    rows = (
        tuple(replace(r, citation=renumber.get(r.citation, 0)) for r in table.table.rows)
        if table.table
        else ()
    )
    lines = [_row_line(r, table.table.mixed if table.table else False) for r in rows]
    grid = replace(table.table, rows=rows, summary="") if table.table is not None else None
    return replace(
        direct,
        text="\n".join([_with_levels(direct, rows), *lines]),
        citations=citations,
        table=grid,
        retrieved=interleave([("", direct), ("", table)], len(direct.retrieved) or 5),
    )
