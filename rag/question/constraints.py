"""What a question is about: which years, results or targets, whose figures, which report.

"2016年GDP实际增长多少?" asks for a result of 2016 (found in the review of the 2017 政府工作报告);
"2016年的增长目标" for a target set in 2016; "广东省…" for Guangdong's figures; "党代会报告中…" for
one report. These constraints are read from the question with general rules (years in either
script, the words that mark a target or a result, place names, references to a report), then
resolved against the documents actually loaded (rag.question.resolution): into a filter on what
retrieval may return, or into a plain statement that no report covers the question ("知识库中没有
2020年的政府工作报告"). Here: the reading, and how well a sentence's time scope fits the years asked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

import jieba.posseg

from ingest.metadata import LOCAL_SUFFIXES, NATIONAL, PROVINCE_ABBREVIATIONS, PROVINCES, short_region
from ingest.records import Aspect, DocKind, TimeScope
from ingest.scope import five_year_plan, years_in

# Words that make a question about a plan or target, or about what actually happened. Strong
# ones decide which paragraphs may answer; weak ones only lean the ranking.
# 预期 marks a target as "预期目标" or before a verb ("预期增长"); not inside a noun.
_TARGET_STRONG = re.compile(r"目标|预期(?=增长|增速|达到|为|是|要|控制|提高|下降)|计划|拟|力争|安排")
# ("我要当年的", "想要……": what the user wants, not what a plan wants done.)
_TARGET_WEAK = re.compile(r"要求|(?<![我想需只])要|将|打算|部署|提出|任务")
_RESULT_STRONG = re.compile(r"实际|完成|实现了|全年|年末|年底")
# A year gone by, said relative to now ("去年", "上一年"): what happened then, unless the wording
# asks for a plan ("去年提出要……", "去年的目标"). Not a base of comparison ("今年比去年多招多少":
# the plan of this year may be asked).
_PAST_YEAR = re.compile(r"(?<![比较和与同跟])(?:去年|上一?年(?!度)|前年)")
# Now, as the level reached so far ("目前有多少", "现在到多少了"); a plan asked is read first.
_NOW = re.compile(r"现在|目前|如今|眼下|迄今|至今")
_NATIONAL_WORDS = re.compile(r"全国|我国")
# "全区", "全省": the whole of a body's own area, what its report is about throughout; it names
# no subject of a question ("全区有多少志愿者": 志愿者).
WHOLE_AREA = re.compile(r"全(?:国|省|市|区|县|镇|乡|州|盟|旗)")
# The country itself named as a place: its figures are the national reports' (全国).
_COUNTRY = frozenset(["中国", "中华人民共和国"])
# What a report is called in a question: "党代会报告", "2023年政府工作报告", "2022年报告".
_REPORT_WORD = re.compile(r"报告|答卷|工作总结|总结|讲话|公报|工作要点|工作计划")
_ASKING = re.compile(r"谁|哪|什么|几|何")
# A report named by its kind: "政府工作报告", "工作要点", "工作总结" (not "请总结", a verb).
_NAMED_KIND = re.compile(r"政府工作|工作|党代会|代表大会|统计")
_RELATIVE_YEAR = re.compile(r"今年|去年|明年|前年|当年|本年度?|上一?年度?|最新|最近")
_DETERMINER = re.compile(r"^(?:这份|那份|该|本|此|上述|这个|这篇|这)")
_REF_STOP = re.compile(r"[按据在从看照依根，,。；;：:？?！!、“”\s]")
# Where a place stands as a question's subject: first ("成都2024年…"), after 那/请问/在.
_SUBJECT_PLACE = re.compile(r"^(?:那么?|请问|在|关于)?$")
_AFTER_YEAR = re.compile(r"^(?:那么?|请问|在)?(?:(?:19|20)\d{2}|[〇○零一二三四五六七八九]{4})年$")
# ("某市那个……": a place pointed at with 这个/那个 is the subject too.)
_AFTER_PLACE = re.compile(
    r"(?:(?:19|20)\d{2}|[〇○零一二三四五六七八九]{4})年|的|[这那]个|今年|去年|全年|近年"
)
# Words jieba tags as places that name a kind of area, not a place.
_AREA_WORDS = frozenset(
    [
        "城镇",
        "农村",
        "城乡",
        "乡村",
        "城市",
        "地方",
        "沿海",
        "内陆",
        "边疆",
        "山区",
        "中部",
        "东部",
        "西部",
        "东北",
        "基层",
        "全省",
        "全市",
        "全区",
        "全县",
    ]
)
# A place after these is what the subject is compared with ("四川…比全国高多少").
_COMPARED = re.compile(r"(?:比|较|同|与|和|跟|相比于?|高于|低于|快于|慢于)$")
_KIND_WORDS: tuple[tuple[re.Pattern[str], DocKind], ...] = (
    (re.compile(r"政府工作报告"), DocKind.GOVERNMENT_WORK_REPORT),
    (re.compile(r"[一二三四五六七八九十]+大|党代会|代表大会"), DocKind.CONGRESS_REPORT),
    (re.compile(r"统计公报|公报"), DocKind.STATISTICAL_BULLETIN),
    (re.compile(r"讲话"), DocKind.SPEECH),
    (re.compile(r"工作要点|工作计划|计划"), DocKind.PLAN),
    (re.compile(r"总结|答卷"), DocKind.ANNUAL_SUMMARY),
)
_CONGRESS = re.compile(r"第([一二三四五六七八九十]+)次(?:全国)?代表大会|([一二三四五六七八九十]+)大")


@dataclass(frozen=True)
class ReportRef:
    """A report the question names: "2023年政府工作报告" -> year 2023, kind 政府工作报告."""

    text: str
    year: int | None = None
    kind: DocKind | None = None
    region: str = ""
    words: str = ""  # what is left to match a title with: "十九大"


@dataclass(frozen=True)
class Asked:
    """The constraints of one question."""

    years: tuple[int, ...] = ()  # the years whose figures are asked (not a report's year)
    aspect: Aspect | None = None  # RESULT or TARGET when the question says so plainly
    lean: Aspect | None = None  # what the wording leans to when it does not (要, 将 …)
    regions: tuple[str, ...] = ()  # whose figures: full place names, or 全国
    report: ReportRef | None = None
    # Where each constraint stands in the question ("years", "regions", "report" -> spans).
    spans: tuple[tuple[str, int, int], ...] = field(default=(), compare=False)

    @property
    def empty(self) -> bool:
        return not (self.years or self.regions or self.report)

    @property
    def leaning(self) -> Aspect:
        """What the question wants of its years: as said, else as its wording leans, else what
        happened (a question about a year that names no plan asks for its result)."""
        return self.aspect or self.lean or Aspect.RESULT

    def inherit(self, earlier: Asked) -> Asked:
        """A follow-up ("那四川呢?") keeps what it does not say from the question before it."""
        return replace(
            self,
            years=self.years or earlier.years,
            aspect=self.aspect or (earlier.aspect if not self.years else None),
            lean=self.lean or earlier.lean,
            regions=self.regions or earlier.regions,
            report=self.report or (earlier.report if not (self.years or self.regions) else None),
        )


def _place_names(known: Iterable[str]) -> dict[str, str]:
    """Every way of writing a place -> its full name: provinces, and the places of the loaded
    documents, each by full and short name."""
    names: dict[str, str] = {}
    for full, short in PROVINCES.items():
        names[full], names[short] = full, full
    for region in known:
        if region and region != NATIONAL:
            names.setdefault(region, region)
            names.setdefault(short_region(region), region)
    return names


def find_places(question: str, known: Iterable[str] = ()) -> list[tuple[str, int, int]]:
    """(full name, start, end) of the places a question names: provinces and the loaded reports'
    places by any of their names, and other places jieba recognises that carry their level
    ("深圳市", "綦江区"); 全国/我国 as the whole country."""
    names = _place_names(known)
    found: list[tuple[str, int, int]] = []
    for name in sorted(names, key=len, reverse=True):
        for m in re.finditer(re.escape(name), question):
            if not any(s <= m.start() < e for _f, s, e in found):
                found.append((names[name], m.start(), m.end()))
    pos = 0
    for token in jieba.posseg.cut(question):
        word, start = str(token.word), pos
        pos += len(word)
        if not str(token.flag).startswith("ns") or any(s <= start < e for _f, s, e in found):
            continue
        level = re.match(rf"(?:{LOCAL_SUFFIXES})", question[pos:])
        if re.search(rf"(?:{LOCAL_SUFFIXES})$", word) and len(word) >= 3:
            found.append((word, start, pos))
        elif level and len(word) >= 2:
            found.append((word + level.group(0), start, pos + len(level.group(0))))
        elif (
            len(word) >= 2
            and word not in _AREA_WORDS
            and (
                (_SUBJECT_PLACE.match(question[:start]) and _AFTER_PLACE.match(question[pos:]))
                or _AFTER_YEAR.match(question[:start])
            )
        ):
            # "成都2024年…", "深圳的…": a city named without its level, as the question's subject.
            found.append((NATIONAL if word in _COUNTRY else word, start, pos))
    for m in _NATIONAL_WORDS.finditer(question):
        if not any(s <= m.start() < e for _f, s, e in found):
            found.append((NATIONAL, m.start(), m.end()))
    for m in _ABBREVIATED_PROVINCES.finditer(question):
        if not any(s < m.end() and m.start() < e for _f, s, e in found):
            chars = [(at, c) for at, c in enumerate(m.group("run"), m.start()) if c != "、"]
            found += [(PROVINCE_ABBREVIATIONS[c], at, at + 1) for at, c in chars]
    return sorted(found, key=lambda f: f[1])


# Provinces by their one-character names, only as a list that says it is one ("苏浙皖三省",
# "川、渝两地"): a single such character is mostly a word of its own (新, 青, 宁).
_ABBREVIATION = "[" + "".join(PROVINCE_ABBREVIATIONS) + "]"
_ABBREVIATED_PROVINCES = re.compile(
    rf"(?P<run>{_ABBREVIATION}(?:、?{_ABBREVIATION})+)"
    r"(?=(?:这|等)?(?:\d{1,2}|[两二三四五六七八九十])个?(?:省份|省市|省区|省|地区|地方|地))"
)


def find_report(question: str, known: Iterable[str] = ()) -> ReportRef | None:
    """The report a question names, if any ("按2023年政府工作报告，…", "党代会报告中…")."""
    for m in _REPORT_WORD.finditer(question):
        start = m.start()
        while start > 0 and not _REF_STOP.match(question[start - 1]) and m.start() - start < 14:
            start -= 1
        text = _after_verb(question[start : m.end()], m.group(0), known).removeprefix("党的")
        name = _DETERMINER.sub("", text[: -len(m.group(0))])
        if _ASKING.search(name):
            continue  # "谁的报告", "哪份报告": the report is what is asked
        years = years_in(text)
        kind = next((k for pattern, k in _KIND_WORDS if pattern.search(text)), None)
        places = find_places(name, known)
        if not _names_a_report(name, known):
            # "报告说……", "这份报告提出……", "请总结……": the report at hand, or a verb, not a name.
            continue
        words = name
        for _y, s, e in reversed(years):
            words = words[:s] + words[e:]
        for _p, s, e in reversed(find_places(words, known)):
            words = words[:s] + words[e:]
        # A pointer after the year ("2031年那份…报告") points at the report; it is no word of its name.
        words = re.sub(r"^的|的$|政府工作|政府|工作|[这那][份篇个]", "", words.strip("的"))
        # A year said relative to now ("某省今年的报告") dates the report, loosely: no word of
        # its name, and no year the title states, so it narrows nothing.
        words = _RELATIVE_YEAR.sub("", words).strip("的")
        return ReportRef(
            text=text,
            year=years[0][0] if years else None,
            kind=kind,
            region=places[0][0] if places else "",
            words=words,
        )
    return None


def _after_verb(text: str, kind_word: str, known: Iterable[str]) -> str:
    """A report's name from the last verb or preposition before it on, when what follows still
    names a report ("想查查政府工作报告": 政府工作报告; "请对照2031年报告": 2031年报告; not
    "某区组工答卷", where jieba reads 组工 as a verb). A title with 关于 keeps its verbs."""
    import jieba.posseg

    if "关于" in text:
        return text
    at, cuts = 0, []
    for token in jieba.posseg.cut(text):
        at += len(token.word)
        if str(token.flag) in ("v", "p") and at < len(text):
            cuts.append(at)
    for cut in reversed(cuts):
        name = _DETERMINER.sub("", text[cut : len(text) - len(kind_word)].removeprefix("党的"))
        if _names_a_report(name, known):
            return text[cut:]
    return text


def _names_a_report(name: str, known: Iterable[str]) -> bool:
    named = _CONGRESS.search(name) or _NAMED_KIND.search(name)
    return bool(years_in(name) or find_places(name, known) or named)


def _aspects(question: str) -> tuple[Aspect | None, Aspect | None]:
    """(strong aspect, lean): what the question says plainly, and what it leans to."""
    if _TARGET_STRONG.search(question):
        return Aspect.TARGET, Aspect.TARGET
    if _RESULT_STRONG.search(question):
        return Aspect.RESULT, Aspect.RESULT
    if _TARGET_WEAK.search(question):
        return None, Aspect.TARGET
    if _PAST_YEAR.search(question) and "今年" not in question and "明年" not in question:
        return Aspect.RESULT, Aspect.RESULT
    if _NOW.search(question):
        return Aspect.RESULT, Aspect.RESULT  # "现在到多少了": where things stand, not a plan
    return None, None


def read_question(question: str, known_regions: Iterable[str] = ()) -> Asked:
    """The constraints stated in `question` (see the module doc)."""
    known = list(known_regions)
    report = find_report(question, known)
    ref_span = (
        (question.find(report.text), question.find(report.text) + len(report.text)) if report else (0, 0)
    )
    years = []
    spans = [("report", *ref_span)] if report else []
    for year, start, end in years_in(question):
        if ref_span[0] <= start < ref_span[1]:
            continue  # the report's own year ("2023年政府工作报告"), not the data's
        compared = question[max(0, start - 1) : start] in ("和", "与", "同", "跟")
        if question[max(0, start - 1) : start] in ("比", "较") or (
            compared and _BASE_OF_COMPARISON.match(question, end)
        ):
            continue  # a base year ("比2010年翻一番", "和2010年相比")
        years.append(year)
        # The time of the year said with it ("2031年底", "2031年年末") is part of the time, not a
        # word a paragraph must hold. (全年 stays a word: reports state a year's results with it.)
        end += len(m.group(0)) if (m := _TIME_OF_YEAR.match(question, end)) else 0
        spans.append(("years", start, end))
    ranged = _year_ranges(question, years)
    # For a figure ("……期间新增就业多少人"); a question about the plan's aims ("十四五时期为何
    # 要……") keeps the name as its topic, which its section's heading carries.
    figure = re.search(r"多少|几", question)
    period = None if ranged or years or not figure else PLAN_PERIOD.search(question)
    if period:
        # A time, like a year: filtered by, not a word the answer's clause must hold.
        ranged = list(five_year_plan(period.group(0)))
        spans.append(("years", period.start(), period.end()))
    years += ranged
    places = [
        (full, s, e) for full, s, e in find_places(question, known) if not (ref_span[0] <= s < ref_span[1])
    ]
    subjects = [p for p in places if not _COMPARED.search(question[max(0, p[1] - 4) : p[1]])] or places[:1]
    spans += [("regions", s, e) for _f, s, e in subjects]
    aspect, lean = _aspects(question)
    return Asked(
        years=tuple(dict.fromkeys(years)),
        aspect=aspect,
        lean=lean,
        regions=tuple(dict.fromkeys(f for f, _s, _e in subjects)),
        report=report,
        spans=tuple(sorted(spans)),
    )


# "……和2010年(预算)相比", "跟2030年比多了多少": the year compared with, stated by the later
# year's report ("比去年…").
_BASE_OF_COMPARISON = re.compile(r"[^，。？?、和与]{0,6}?(?:相比|相较|比较)|(?:预算)?比(?![重例率])")


# ("2031年初步建成": 初 of another word.)
_TIME_OF_YEAR = re.compile(r"年?(?:底|末|初(?!步|次|期|级|中|心|稿|审|创|见|始))")

_RANGE = re.compile(r"((?:19|20)\d{2})\s*年?\s*(?:到|至|－|-|—|~)\s*((?:19|20)\d{2})\s*年")


# A five-year plan's period named as a time ("“十二五”期间", "十三五时期以来"), not the plan itself.
PLAN_PERIOD = re.compile(
    r"“?十[一二三四五六七八九]五”?(?:规划)?(?:期间|时期|以来|(?:这|那|的|那个|这个)?五年)"
)


def _year_ranges(question: str, years: Sequence[int]) -> list[int]:
    """The years inside a stated range ("2031年到2035年"), beyond its two ends."""
    out: list[int] = []
    for m in _RANGE.finditer(question):
        first, last = int(m.group(1)), int(m.group(2))
        if first < last <= first + 30:
            out += [y for y in range(first + 1, last) if y not in years]
    return out


def without_constraints(question: str, asked: Asked, applied: Iterable[str]) -> str:
    """The question with the constraints that filters `applied` ("years", "regions", "report")
    taken out: what a paragraph's text still has to match once the filters chose the reports
    and years ("2011年粮食产量实际增长多少" -> "粮食产量实际增长多少")."""
    kinds = set(applied)
    out = question
    for kind, start, end in sorted(asked.spans, key=lambda s: -s[1]):
        if kind in kinds:
            out = out[:start] + out[end:]
    return out.strip("，,的 ") or question


def congress_alias(title: str) -> str:
    """ "十九大" for a title naming the 19th congress either way."""
    m = _CONGRESS.search(title)
    return f"{m.group(1) or m.group(2)}大" if m else ""


def plan_unasked(asked: Asked, scope: TimeScope) -> float:
    """A figure asked of no year, no plan and no report ("新建了多少公里城市绿道"): what was done comes
    before what is planned, by the other aspect's penalty of time_fit. (A report named is read
    whole, and a list of points is looked for in its plans as much as in its review.)"""
    unasked = not (asked.years or asked.report or asked.lean)
    return -0.1 if unasked and {a for _y, a in scope.years} == {Aspect.TARGET} else 0.0


def asks_now(question: str, asked: Asked) -> bool:
    """ "现在到多少了", "目前有多少" of no year and no report: the level the latest report states."""
    return bool(_NOW.search(question)) and not (asked.years or asked.report)


def latest_done(scope: TimeScope) -> int | None:
    """The last year a sentence states what was done in (a result, or a review's span)."""
    return max((y for y, a in scope.years if a in (Aspect.RESULT, Aspect.PERIOD)), default=None)


def now_fit(year: int | None, newest: int) -> float:
    """For a question asking where things stand now: the sentence about the newest year done
    comes first, one a year older a little less, one three years older gains nothing (a
    knowledge base of many years' reports states the same indicator in each). At most what
    the best-ranked paragraph's sentences gain by its rank."""
    return 0.0 if year is None else NOW_TILT * max(0.0, 1 - (newest - year) / NOW_YEARS)


# How many years back a level still counts as "now", a little less each year.
NOW_YEARS = 3
NOW_TILT = 0.12


def time_fit(asked: Asked, scope: TimeScope) -> float:
    """How well a sentence's time scope fits the years asked: a bonus for the year as asked
    (result or target), a penalty for another year or the other aspect; 0 when either side
    says nothing about years."""
    if not asked.years or not scope.years:
        return 0.0
    aspects = set().union(*(scope.aspects_of(y) for y in asked.years))
    if not aspects:
        return -0.3  # about another year: almost never the answer
    lean = asked.leaning
    if lean in aspects:
        return 0.1
    if Aspect.MENTION in aspects:
        return 0.03
    if aspects == {Aspect.PERIOD}:
        return -0.15  # a multi-year review's figures are aggregates, rarely that one year's
    return -0.1
