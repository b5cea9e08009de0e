"""Which figure of a sentence answers the question: the lead of a number answer.

A sentence of a report holds several figures: "国内生产总值增长6.9%，高于6.5%左右的预期目标",
"贫困发生率从10.2%下降到3.1%", "城镇新增就业1351万人，比上年增加37万人". The lead is the one
whose clause is about what the question asks (its words), of the kind asked (a result or a
target), and of the form asked: "降到了多少" wants where a change ends (3.1%), "下降了多少" the
change itself ("7.1个百分点"), never where it started. What a figure measures is read by
rag.figures.indicator.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Sequence

from ingest.metadata import short_region
from ingest.records import Aspect
from ingest.scope import RESULT_CUES, TARGET_CUES
from ingest.terms import words
from rag.figures.indicator import (
    GENERIC,
    denominator_itself,
    indicator_before,
    nouns,
    per_unit_of_asked,
    said_in,
    said_short,
    same_indicator,
)
from rag.figures.numbers import LIST_JOIN as _LIST_JOIN
from rag.figures.numbers import NumberMention, asks_for_number, find_numbers, is_figure, question_unit
from rag.figures.respective import other_item, own_item
from rag.question.asked_type import AskedType, asked_type, place_names
from rag.question.constraints import PLAN_PERIOD, WHOLE_AREA
from rag.question.glossary import official_names

# "降到了多少" asks where a change ended; "下降了多少" what the change was.
_ASKS_END = re.compile(
    r"(?:降|减|增|提高|提升|上升|升|扩大|缩小|增长|增加|下降|降低|达|压缩|控制)(?:到|至)|达到"
    # A bare 到 before the amount asks the level reached too ("绿道到多少公里了"); not a 到 of
    # getting something ("得到多少", "收到几份").
    r"|(?<![得收拿领受找遇看听想做办用])到了?(?=(?:百分之)?(?:多少|几))"
)
# ("增"/"减" alone are left out: "新增多少" asks a count.)
CHANGE_VERB = r"增长|增加|减少|下降|降低|提高|提升|上升|上涨|扩大|缩小|压减|上调|下调|回落|降|升|涨"
# How much is asked: "多少", "几", or a share as "百分之多少" / "百分之几" ("下降了百分之几").
_HOW_MUCH = r"(?:百分之)?(?:多少|几)"
# "比全国高多少", "比上年增加了多少", "差多少": a difference between two figures, which only a
# figure stated as one answers ("高于全国0.7个百分点", "比去年增加2700亿元").
# After a comparison a verb may follow the comparative: "比去年多招了多少".
COMPARED_BY = rf"(?:{CHANGE_VERB}|(?:多|少|高|低|快|慢)[\u4e00-\u9fff]{{0,2}}?)了?出?{_HOW_MUCH}"
# "比重/比例/比率" is no comparison.
_ASKS_DIFFERENCE = re.compile(
    rf"(?:比(?![重例率较])[^，。？?]{{1,12}}?|(?:和|与|同|跟)[^，。？?]{{1,14}}?相?比){COMPARED_BY}|差多少|相差"
)
_STATED_AS_DIFFERENCE = re.compile(
    r"(?:(?:高|低|多|少|快|慢)(?:于|出)[^，。；]{0,8}|比(?![重例率])[^，。；]{0,10}?(?:高|低|多|少|快|慢|增加|减少|提高|降低|增长|下降|上升|扩大|缩小)了?)$"
)
# A figure stated as the difference to another ("比去年多100万人"); not growth ("比上年增长8%"),
# nor the base of a comparison ("高于6.5%左右的预期目标").
_MORE_THAN = re.compile(r"比(?![重例率])[^，。；]{0,10}?(?:多|少|高|低|增加|减少|提高|降低|扩大|缩小)了?$")
# A figure over several years: an average, a total, or a floor held each year ("连续3年超过20万人").
_OVER_YEARS = re.compile(
    r"年均|平均每年|每年平均|累计|合计|共计|五年来|几年来|多年来|连续(?:\d{1,2}|[两二三四五六七八九十]+)年"
)


def _over_years(text: str) -> bool:
    """`text` states a total or average over years: "年均增长7%", "五年累计", but not an
    indicator measured as a year's mean ("年均气温上升0.3度": 年均 before a noun names it)."""
    return over_years_in(_OVER_YEARS, text)


def over_years_in(pattern: re.Pattern[str], text: str) -> bool:
    """A match of `pattern` (words of totals or averages) in `text` that is one: a bare
    年均/平均 before a noun names a mean indicator instead (names_a_mean)."""
    return any(
        not (m.group() in ("年均", "平均") and names_a_mean(text, m.end())) for m in pattern.finditer(text)
    )


def names_a_mean(text: str, at: int) -> bool:
    """The "年均"/"平均" ending at `at` stands before a noun: it names an indicator measured as a
    mean ("平均房价", "年均气温"), not an average of changes or a total over years."""
    import jieba.posseg

    after = next(iter(jieba.posseg.cut(text[at:])), None)
    # (jieba tags some verbs as places or names: 新建.)
    return (
        after is not None
        and str(after.flag).startswith("n")
        and str(after.flag) not in ("ns", "nr", "nt", "nrt")
    )


# A total or average over several years asked for ("近五年累计", "这几年年均").
# (累计/共计 alone is a total of anything: "全镇共计多少个村".)
_ASKS_OVER_YEARS = re.compile(
    r"年均|平均每年|每年平均|(?:[两二三四五六七八九十几多]|\d{1,2})年来"
    r"|(?:过去|近|这)(?:[两二三四五六七八九十]|\d{1,2})年|这几年"
    rf"|{PLAN_PERIOD.pattern}"  # a five-year plan's period
)
_PER_YEAR = re.compile(r"年均|平均每年|每年平均")
_AVERAGE = re.compile(rf"{_PER_YEAR.pattern}|平均|每年")
_TOTAL = re.compile(r"累计|合计|共计|总计|一共|总共")
_PER_HEAD = re.compile(r"人均|户均")
_PER_DAY = re.compile(r"[日月周]均|平均每?[天日月周]|每[天日月周]平均")


# How many there are by now, against how many were added: "累计12个" against "新认定3个".
_ASKS_STOCK = re.compile(r"一共|总共|累计|共有|总数|合计|现有|现在有|目前有|已有|已经有")
_STOCK = re.compile(r"累计|总数|共有|总量|合计|共计|总计")
_FLOW = re.compile(r"新增|新获|新建|新认定|新培育|新引进|新开工|新设|新登记")


def stock_or_flow(question: str, clause: str) -> float:
    """A figure stating what there is by now fits a question asking how many in all, a figure
    of what was added fits one asking what was added ("新增多少"), and not the other way round."""
    asks_stock, asks_flow = bool(_ASKS_STOCK.search(question)), bool(_FLOW.search(question))
    if asks_stock == asks_flow:
        return 0.0
    stock, flow = bool(_STOCK.search(clause)), bool(_FLOW.search(clause)) and not _STOCK.search(clause)
    if asks_stock:
        return 0.3 * stock - 0.3 * flow
    return 0.3 * flow - 0.3 * stock


# A question asking what is held at a time ("年底有多少", "运营里程有多少", "保有量"): the
# length in service or the stock at the year's end, never what the year added.
_ASKS_HELD = re.compile(r"年底|年末|保有|(?:运营|营业|通车|总)里程|现有|目前有|现在有|截至")


def _asks_change(question: str) -> bool:
    """ "比上年多了多少", "增加了多少", "增长多少": a change is asked, not what is held."""
    return bool(_SINCE_LAST_YEAR.search(question) or _ASKS_DIFFERENCE.search(question)) or asks_growth(
        question
    )


def _added_for_held(question: str, sentence: str, mention: NumberMention) -> bool:
    """ "城际铁路运营里程有多少公里" is not answered by "新建城际铁路投产里程超过900公里": the
    figure's clause states what was added (新建, 新增), the question what is held."""
    if not _ASKS_HELD.search(question) or _FLOW.search(question):
        return False
    named = _named_before_list(sentence, mention)
    return bool(_FLOW.search(named)) and not _STOCK.search(named)


def _named_before_list(sentence: str, mention: NumberMention) -> str:
    """What the figure's clause says before its list's first figure: a verb of adding governs
    the items listed after it ("新建改建国道3000多公里、乡村道路…")."""
    first = _first_listed(sentence, mention)
    return sentence[max(sentence.rfind(c, 0, first) for c in "，,；;：:。") + 1 : first]


# What is held, as a clause names it: the length in service, the stock at the year's end.
_HELD = re.compile(r"(?:运营|营业|通车|总)里程|保有量|年末|年底")
# What a year added, as a question asks it: _FLOW, and lines opened or put in service.
_ASKS_ADDED = re.compile(rf"{_FLOW.pattern}|新开通|新通车|新投运|新投产")


def _held_for_added(question: str, sentence: str, mention: NumberMention) -> bool:
    """The other way round: "新开通了多少公里城际铁路" is not answered by "城际铁路运营里程达到
    3000公里", a length in service, when the figure's clause names nothing added."""
    if not _ASKS_ADDED.search(question) or _ASKS_HELD.search(question):
        return False
    named = _named_before_list(sentence, mention)
    return bool(_HELD.search(named)) and not _ASKS_ADDED.search(named)


# A level set for everyone (a subsidy's standard, a wage level, a price): said how much it rose
# by, it is not said what it is.
_A_STANDARD = re.compile(r"(?:标准|水平|价格)(?:再|又|也|还)?$")


def _rise_of_a_standard(question: str, sentence: str, mention: NumberMention) -> bool:
    """ "补助标准再增加30元" is no answer to "补助是多少钱", only to how much it rose."""
    if asks_change(question) or asks_growth(question) or _CHANGED_BY_HOW_MUCH.search(question):
        return False
    if _ASKS_END.search(question) or not changed_by(sentence, mention):
        return False
    return bool(_A_STANDARD.search(_listed_indicator(sentence, mention)))


# What a count asked counts, named after it ("培训了多少人次的教师？", "有几个行政村？").
_COUNTED_AFTER_ASK = re.compile(
    r"(?:多少|几)(?:万|亿)?(?:人次|名|个|位|家|所|项|人|户|公里|亩|公顷|吨|套|座|条|辆)的?"
    r"(?P<noun>[\u4e00-\u9fff]{2,5})[？?。]?$"
)
# The name a question gives after its 多少 ("解决了多少城市居民的出行难题"), with or without a unit.
_NAMED_AFTER_ASK = re.compile(
    r"(?:多少|几)(?:万|亿)?(?:人次|名|个|位|家|所|项|人|户|公里|亩|公顷|吨|套|座|条|辆)?的?"
    r"(?P<name>[\u4e00-\u9fff]{2,14}?)(?:呢|啊|呀)?[？?。]?$"
)


# The part whose share of a whole is stated: "文旅产业占地区生产总值比重", "研发经费与…之比".
_SHARE_PART = re.compile(
    r"(?P<part>[\u4e00-\u9fff]{2,12}?)(?:在|占|与)[^，。；？?]{1,16}?(?:比重|比例|份额|之比|的?\d)"
)


def _share_of_another_part(question: str, clause: str) -> bool:
    """A share asked of one part ("文旅产业占GDP比重") is not stated by the share of another part
    of the same whole ("研发经费占地区生产总值比重达到2.1%"): the two parts share no word."""
    asked, given = _SHARE_PART.search(question), _SHARE_PART.search(clause)
    if asked is None or given is None:
        return False
    part = re.sub(r"^.*?年", "", asked.group("part"))
    named = [nouns(name) for name in (part, *official_names(part))]  # 第三产业: 服务业
    said = given.group("part")
    return any(named) and not any(said_in(w, said) for name in named for w in name)


def _asked_name(question: str) -> str:
    """The indicator a question names: before its 多少, or, when a verb stands right before it
    ("解决了多少……", "绿道建设拨了多少经费"), after it ("城市居民的出行难题", "经费"); the words
    before the verb are then its subject."""
    return _asked_names(question)[0]


@functools.lru_cache(maxsize=256)  # asked once per candidate figure, of the same question
def _asked_names(question: str) -> tuple[str, ...]:
    """The names a question may give its indicator, the likelier first: after a verb right
    before 多少 ("拨了多少建设经费"), else before it ("给某区" may name it too)."""
    stem = _AGAINST_TAIL.sub("", _QUESTION_TAIL.sub("", question))
    # "城市绿道总长，是多少": the name said first, the figure asked after a comma.
    asked = indicator_before(re.sub(r"[，,]\s*(?:是|有|为)?$", "", stem))
    after = _NAMED_AFTER_ASK.search(question)
    named = after.group("name").replace("的", "") if after and nouns(after.group("name")) else ""
    if not nouns(asked):
        return (named or asked,)
    if named and _done_to_it(question[: after.start()] if after else ""):
        return (named, asked)
    return (asked,)


def _done_to_it(before_ask: str) -> bool:
    """The words before a question's 多少 end with a verb done to what is named after it
    ("拨了", "投入"), not a verb of change or being ("增长了", "是", "达到")."""
    import jieba.posseg

    tokens = [t for t in jieba.posseg.lcut(before_ask.removesuffix("了")) if str(t.word).strip()]
    if not tokens:
        return False
    word, flag = str(tokens[-1].word), str(tokens[-1].flag)
    return flag == "v" and not re.fullmatch(rf"{CHANGE_VERB}|是|有|为|达到?|超过|占", word)


def _counted_elsewhere(question: str, sentence: str, mention: NumberMention) -> bool:
    """ "培训教师4000人次，带动培训学生家长5万人次": the count of 教师 asked is the figure
    whose clause names them, not one whose clause does not, when the sentence tells them apart."""
    asked = _COUNTED_AFTER_ASK.search(question)
    if asked is None:
        return False
    noun = asked.group("noun").replace("的", "")
    if _counted_in_own_clause(noun, sentence, mention):
        return False
    # Another figure in the same unit whose clause names them: that one counts them. (Named
    # only with a rate, "新登记企业增长24.5%，平均每天新增1.5万户", the noun is the subject
    # the next clause goes on with.)
    unit = _base_unit(mention.unit)
    return any(
        other.start != mention.start
        and _base_unit(other.unit) == unit
        and _counted_in_own_clause(noun, sentence, other)
        for other in _figures_in(sentence)
    )


def _done_elsewhere(question: str, sentence: str, mention: NumberMention) -> bool:
    """ "新开工2万套，基本建成1.5万套": what the question asks done ("建成了多少套") is the
    figure whose own clause says that verb, not one whose clause says another (开工), when the
    sentence has one in the same unit that the verb stands right before. A part of the clause
    before ("其中示范村77个") is done as that one says."""
    done = [verb for verb in _verbs(question) if verb in sentence]
    own = _own_clause(sentence, mention)
    if not done or any(verb in own for verb in done) or _PART_OF_BEFORE.match(own):
        return False
    unit = _base_unit(mention.unit)
    # (The verb stands right before the other figure, its object: "基本建成85公里".)
    return any(
        other.start != mention.start
        and _base_unit(other.unit) == unit
        and any(_own_clause(sentence, other).endswith(verb) for verb in done)
        for other in _figures_in(sentence)
    )


_PART_OF_BEFORE = re.compile(r"其中|包括|含")


def _own_clause(sentence: str, mention: NumberMention) -> str:
    """The words before a figure in its clause (of its list's first figure: "分别新建…")."""
    first = _first_listed(sentence, mention)
    return sentence[clause_start(sentence, first) : mention.start]


@functools.lru_cache(maxsize=512)
def _verbs(question: str) -> tuple[str, ...]:
    """The question's verbs of doing (jieba), two characters or more, other than the generic
    ones of change or asking ("增长", "达到")."""
    import jieba.posseg

    return tuple(
        str(t.word)
        for t in jieba.posseg.cut(question)
        if str(t.flag) == "v" and len(str(t.word)) >= 2 and str(t.word) not in GENERIC
    )


def _counted_in_own_clause(noun: str, sentence: str, mention: NumberMention) -> bool:
    first = _first_listed(sentence, mention)
    # Said in full or short ("农村的路": 农村公路).
    return said_in(noun, sentence[clause_start(sentence, first) : _clause_end(sentence, mention.end)])


def _total_for_average(question: str, clause: str) -> bool:
    """A total asked ("近五年累计多少") and a yearly average given ("年均9200人"), or the other way;
    a yearly average asked and a figure not stated as an average ("从52%提高到58%": the level);
    an average per day or month given and none asked."""
    # ("市民平均每年收入多少": a figure per head, "人均可支配收入4.5万元", is an average too.)
    # (A mean named by its noun, "年均气温", asks no average over years.)
    if over_years_in(_PER_YEAR, question) and not _TOTAL.search(question) and not _AVERAGE.search(clause):
        return not _PER_HEAD.search(clause)
    if _PER_DAY.search(clause) and not _PER_DAY.search(question):
        return True  # "日均接待3万人次" is no answer to "接待了多少人次"
    if _TOTAL.search(question) and not _AVERAGE.search(question):
        return bool(_AVERAGE.search(clause))
    if _AVERAGE.search(question) and not _TOTAL.search(question):
        return bool(_TOTAL.search(clause)) and not _AVERAGE.search(clause)
    return False


_SINCE_LAST_YEAR = re.compile(
    r"比(?:上年|去年|上一年|前一年|一年前|年初|同期|上年同期|上次|上届|上一届|上期)"
)
# "总量是多少", "产量是多少", "规模多少亿": an amount, not a growth rate or a share.
_WANTS_AMOUNT = re.compile(
    r"多少亿|多少万亿|多少万|(?:量|额|值|规模|人数|户数|个数|投资|收入|支出|赤字(?!率))"
    r"(?:一共|总共|总计|合计|共)?(?:是|为|有|达到?)?(?:多少|几|多大)"
)
# In the text: the words right before a figure tell its role.
_ENDS_AT = re.compile(r"(?:到|至|为|达|成)$")
_STARTS_AT = re.compile(r"(?:从|由)[^，。；、到至为]{0,12}$")
# ("新增30万人" is what a year added, not a change on the year before.)
_CHANGES_BY = re.compile(
    r"(?:增长|增加|减少|下降|降低|提高|提升|上升|扩大|压减|减|(?<!新)增|多|少|高|低)了?$"
)
# A target figure is marked by the words that mark a target year, or by a target's qualifier.
_TARGET_WORDS = re.compile(rf"{TARGET_CUES.pattern}|左右|以内|以上|以下")
# What kind of figure the question wants, by what it asks about: a rate or share is a
# percentage (or a change in 个百分点); money is counted in 元.
# (An intensity, 研发投入强度 or 能耗强度, is a ratio to output: reports state it, or its change,
# in per cent.)
_WANTS_PERCENT = re.compile(r"率|比重|比例|占比|强度|增速|增幅|涨幅|百分之几|百分之多少|百分比")
_WANTS_MONEY = re.compile(r"多少钱|资金|金额|经费|投资|收入|支出|赤字(?!率)")
# "高还是低，差多少": the direction belongs in the lead ("低0.4个百分点").
_ASKS_DIRECTION = re.compile(
    r"高还是低|低还是高|多还是少|少还是多|增加还是减少|减少还是增加|上升还是下降|提高还是降低"
)
_DIRECTION = re.compile(r"(?:增加|减少|上升|下降|提高|降低|高|低|多|少)了?$")
# A figure is only given when its clause (or the one before it) covers this much of the
# question's subject words: a figure about something else is no answer ("M2的目标" answered
# with the GDP target of the same sentence).
MIN_SUBJECT = 0.3
# In a five-year review, which lists one level reached after another in a sentence, the
# figure's phrase (and the one before it) must name most of the question's subject.
PERIOD_SUBJECT = 0.5
_RESULT_WORDS = RESULT_CUES
_CLAUSE_BREAK = re.compile(r"[,，;；。!！?？、：:]")

Coverage = Callable[[str], float]


# A question's own ending: its question word and what follows ("是多少？"), and what the figure
# is compared with ("比2013年增加了"): the indicator is named before that.
# ("增加了百分之二十几来着": a guess at the figure asks for it as 几 does.)
_QUESTION_TAIL = re.compile(
    r"(?:百分之)?[一二三四五六七八九十两]*(?:是多少|有多少|为多少|多少|是几|几)[^，。]*$"
    r"|(?:是|有)?多(?:高|大|快|长|重|久)[^，。]*$|[?？。！!\s]+$"
)
_AGAINST_TAIL = re.compile(r"(?:比(?![重例率较])|较|跟|同)[^，。？?]*$")


def clause_start(sentence: str, position: int) -> int:
    return max((m.end() for m in _CLAUSE_BREAK.finditer(sentence, 0, position)), default=0)


def _clause_end(sentence: str, position: int) -> int:
    found = _CLAUSE_BREAK.search(sentence, position)
    return found.start() if found else len(sentence)


def clause_around(sentence: str, start: int, end: int) -> str:
    left = max((m.end() for m in _CLAUSE_BREAK.finditer(sentence, 0, start)), default=0)
    right_m = _CLAUSE_BREAK.search(sentence, end)
    right = right_m.start() if right_m else len(sentence)
    return sentence[left:right]


# The clause before a figure runs back to a comma, not to an enumeration's 、 ("粮食面积、总产、
# 单产实现“两增一稳”，总产762亿斤": 粮食 belongs to the figure's context).
_PHRASE_BREAK = re.compile(r"[,，;；。!！?？：:]")


_FOR_PURPOSE = re.compile(r"(?:重点|主要|专门|专项|全部|集中)?(?:用于|用来|投向|支持)[^,，;；。!！?？：:]*")


def subject_context(sentence: str, start: int, end: int, question: str = "") -> str:
    """What a figure is about: its comma-delimited phrase (the subject may follow the figure:
    "120名…“后备干部”进入镇街领导班子") and the phrase before it."""
    left = max((m.end() for m in _PHRASE_BREAK.finditer(sentence, 0, start)), default=0)
    right_m = _PHRASE_BREAK.search(sentence, end)
    right = right_m.start() if right_m else len(sentence)
    own, prior = sentence[left:right], _previous_clause(sentence, left) if left else ""
    # An amount set aside is followed by what it is for: "安排1200万元，重点用于老旧小区改造".
    purpose = _FOR_PURPOSE.match(sentence, right + 1) if right_m else None
    if purpose:
        own += purpose.group(0)
    # After a phrase stating a figure of its own, a phrase naming another thing before its figure
    # is the next item of a list ("农村贫困人口减少1386万，易地扶贫搬迁280万人"): the previous
    # phrase's subject is not its. One naming nothing ("增长6.7%"), the same thing again, or the
    # question's own words ("大桥全长1834米，主桥为504米") continues it.
    named = nouns(sentence[left:start])
    if (
        named
        and not any(noun in prior or noun in question or said_short(question, noun) for noun in named)
        and any(is_figure(m) and m.unit != "年" for m in find_numbers(prior))  # a year is no figure
    ):
        return own
    return prior + own


# A stock, held at a year's end: what the year adds to it is its change on the year before.
_BALANCE = re.compile(r"余额|存量|保有量|年末|年底")


def _added_to_a_stock(sentence: str, mention: NumberMention) -> bool:
    """ "存款余额增长8.5%，新增4万多亿元": what a year added to a balance is by how much it grew
    on the year before (unlike a flow's "新增就业1300万人", which is the year's own level)."""
    before = sentence[max(0, mention.lead_start - 14) : mention.lead_start]
    if not before.endswith("新增"):
        return False
    start = clause_start(sentence, mention.start)
    return bool(_BALANCE.search(_previous_clause(sentence, start) + sentence[start : mention.start]))


def _previous_clause(sentence: str, start: int) -> str:
    breaks = [m.end() for m in _PHRASE_BREAK.finditer(sentence, 0, start)]
    if not breaks:
        return ""
    return sentence[breaks[-2] if len(breaks) > 1 else 0 : breaks[-1]]


def changed_by(sentence: str, mention: NumberMention) -> bool:
    """The figure is a change: "上升3个百分点", "增长7.4%"."""
    before = sentence[max(0, mention.lead_start - 14) : mention.lead_start]
    if _CHANGES_BY.search(before) or mention.unit == "个百分点":
        return True
    if before.endswith("新增") and _SINCE_LAST_YEAR.search(before):
        return True  # "比上年新增2.1万户": a change after all
    # The later figures of a list share its verb: "分别提高8%和12%", "下降3.1%、2.4%".
    listed = _LISTED_AFTER.search(before)
    return listed is not None and bool(_CHANGES_BY.search(before[: listed.start()]))


# A figure listed after another of the same kind ("…8%和", "…3.1%、"), up to the list's verb.
_LISTED_AFTER = re.compile(r"(?:分别)?(?:[\d.]+%|[\d.]+[万亿]?[\u4e00-\u9fff]{0,2})(?:和|、|及)$")


# Which way a change goes: a question asking how much something fell is not answered by a figure
# that rose ("减少了多少" by "由1万人增加到10万人").
_DOWN = re.compile(r"减少|下降|降低|压减|缩小|回落|缩减|下调|降")
_UP = re.compile(r"增加|增长|提高|提升|上升|扩大|上涨|涨|上调|增")
_ASKED_CHANGE = re.compile(
    r"(减少|下降|降低|压减|缩小|回落|增加|增长|提高|提升|上升|扩大|上涨|涨)了?" + _HOW_MUCH
)


def _against_direction(question: str, sentence: str, mention: NumberMention) -> bool:
    asked = _ASKED_CHANGE.search(question)
    if not asked:
        return False
    before = sentence[max(0, mention.lead_start - 8) : mention.lead_start]
    verb = re.findall(f"{_DOWN.pattern}|{_UP.pattern}", before)
    if not verb:
        return False
    down_asked, down_given = bool(_DOWN.fullmatch(asked.group(1))), bool(_DOWN.fullmatch(verb[-1]))
    return down_asked != down_given


def _starts_a_change(sentence: str, mention: NumberMention) -> bool:
    """ "由41.2%提高到…": the figure is where a change started ("从结余中拿出30亿元" is not)."""
    before = sentence[max(0, mention.lead_start - 14) : mention.lead_start]
    after = sentence[mention.lead_start + len(mention.shown) :]
    return bool(_STARTS_AT.search(before)) and bool(re.match(r"[^，。；、]{0,8}?(?:到|至)", after))


def fits_the_question(question: str, sentence: str, mention: NumberMention, one_year: bool = False) -> bool:
    """What no score makes up for: a level is no difference ("比全国高多少"; but "比上年提高了
    多少" is the year's change), a change is no level ("降到了多少" answered "减少1386万"), and,
    for a question about `one_year`, a yearly average or a total over years is no answer."""
    if _against_direction(question, sentence, mention):
        return False
    if _starts_a_change(sentence, mention):
        return False  # where a change started is never the answer on its own (paired_lead adds it)
    changed = changed_by(sentence, mention) or _added_to_a_stock(sentence, mention)
    since_last_year = bool(_SINCE_LAST_YEAR.search(question)) and changed
    if _ASKS_DIFFERENCE.search(question) and not is_difference(sentence, mention) and not since_last_year:
        return False
    if _counts_what_is_not_asked(question, sentence, mention):
        return False
    if _another_items_figure(question, sentence, mention):
        return False
    if _added_for_held(question, sentence, mention) or _held_for_added(question, sentence, mention):
        return False
    if _counted_elsewhere(question, sentence, mention):
        return False
    if _done_elsewhere(question, sentence, mention):
        return False
    if _rise_of_a_standard(question, sentence, mention):
        return False
    if _share_of_another_part(question, clause_around(sentence, mention.start, mention.end)):
        return False
    if _named_as_excluded(question, sentence, mention):
        return False
    before = sentence[max(0, mention.lead_start - 14) : mention.lead_start]
    # The other way round: "比去年多100万人" does not say how many there are.
    if _MORE_THAN.search(before) and not (_ASKS_DIFFERENCE.search(question) or asks_growth(question)):
        return False
    if _ASKS_END.search(question) and changed_by(sentence, mention) and not _ENDS_AT.search(before):
        return False
    clause = clause_around(sentence, mention.start, mention.end)
    if one_year and _over_years(clause) and not _over_years(question):
        return False
    # Growth is stated with a word of change before the figure ("增长6.7%", "增长预期目标6.5%");
    # "森林覆盖率达到23.04%" or "总额突破9万亿元" is a level, whatever the phrase before it.
    # (A list's verb stands before its first figure: "分别增长7.2%、8.1%".)
    first = _first_listed(sentence, mention)
    if asks_growth(question) and not _GROWTH.search(sentence[clause_start(sentence, first) : mention.start]):
        return False
    # Nor is the level a change ended at ("补助标准增加到人均280元"); nor an amount added
    # ("新建多少公里"), unless what changed is itself a flow ("新增就业从…增加到1350万").
    ended_at = _CHANGED_TO_LEVEL.search(sentence[max(0, first - 14) : first])
    if ended_at and asks_growth(question):
        return False
    named = sentence[clause_start(sentence, first) : first]
    if ended_at and _FLOW.search(question) and not _FLOW.search(named):
        return False
    phrase = sentence[: mention.lead_start]
    phrase = phrase[max((m.end() for m in _PHRASE_BREAK.finditer(phrase)), default=0) :]
    if per_unit_of_asked(question, phrase) or denominator_itself(question, phrase):
        return False
    # "粮食产量是多少" is not answered by "新能源汽车产量增长43%".
    names = _asked_names(question)
    asked = names[0]
    counted_after = _COUNTED_AFTER_ASK.search(question)
    if counted_after and _counted_in_own_clause(
        counted_after.group("noun").replace("的", ""), sentence, mention
    ):
        return True  # "培训了多少人次的教师": a count whose clause names 教师 counts them
    given = _listed_indicator(sentence, mention)
    if not nouns(given) and len(asked) >= 2:
        # A count may name its thing after it: "解决6434万农村人口饮水问题" counts 农村人口.
        after = sentence[mention.end : min(mention.end + 10, _clause_end(sentence, mention.end))]
        at = after.find(asked[-2:])
        given = after[: at + 2] if at >= 0 else ""
    if not nouns(given):
        # "全区财政支出86亿元，比上年增加6亿元": a change names its indicator in the clause before.
        given = _indicator_of_clause_before(sentence, mention) or given
    # An everyday name ("物价") is the indicator its official name is ("居民消费价格").
    # What names the figure stands in its own sentence, up to its clause's end: not in the
    # sentence before ("消费拉动增长作用增强。服务业贡献率接近55%"), nor beside a later
    # figure ("国道120公里、农村公路3000公里").
    own = max(sentence.rfind(p, 0, mention.start) for p in "。！？!?") + 1
    upto = sentence[own : _clause_end(sentence, mention.end)]
    return any(
        same_indicator(name, given, sentence, upto, as_asked=name == asked)
        for asked in names
        for name in (asked, *official_names(asked))
    )


# What a question says it does not ask ("不光是地铁", "不包括农村"): a thing named after these.
_EXCLUDED = re.compile(
    r"(?:不光|不只|不仅|不单|而不是|并非|不包括|不包含|不含|不算)(?:是|指|算)?(?P<thing>[\u4e00-\u9fff]{2,8}?)"
    r"(?:的|在内|里的|那部分)?(?=[，,。？?；;]|$)"
)


def _named_as_excluded(question: str, sentence: str, mention: NumberMention) -> bool:
    """ "我问的是全部公路，不光是农村公路": a figure named by the excluded thing in its own clause
    ("农村公路3000公里") is the part the question sets aside, not the whole it asks."""
    named = sentence[clause_start(sentence, _first_listed(sentence, mention)) : mention.start]
    return any(said_in(m.group("thing"), named) for m in _EXCLUDED.finditer(question))


def _another_places(places: Sequence[str], before: str, question: str) -> bool:
    """A question about a place ("湖北…经济总量": `places`, as the question's constraints read
    them), a figure whose own clause names other places before it ("襄阳、宜昌经济总量突破6000
    亿元"): those places' figure, not the one asked. A place inside an event's name ("北京冬奥会")
    is no place asked."""
    if not places:
        return False
    names = {n for p in places for n in (p, short_region(p))}
    return bool(place_names(before, question)) and not any(n in before for n in names)


# Residents as a whole, against the town or the country part (each a series of its own).
_ALL_RESIDENTS = re.compile(r"全(?:国|省|市|区|县|体)居民")
_SOME_RESIDENTS = re.compile(r"(?:城镇|城市|农村|乡村)居民")


def _part_for_whole(question: str, sentence: str, mention: NumberMention) -> bool:
    """ "全省居民人均消费支出" asked, a figure of 城镇居民's given: the communiqué's three series
    (all residents, urban, rural) are three indicators. `question` as asked, with its place."""
    return bool(_ALL_RESIDENTS.search(question)) and bool(
        _SOME_RESIDENTS.search(_listed_indicator(sentence, mention))
    )


# The level a change reached, not the change: "补助标准增加到人均280元" ("增速达到6%" is a rate).
_CHANGED_TO_LEVEL = re.compile(r"(?:增加|增长|提高|提升|上升|扩大)(?:到|至)[^，。；、\d]{0,3}$")


@functools.lru_cache(maxsize=1024)
def _figures_in(sentence: str) -> tuple[NumberMention, ...]:
    return tuple(find_numbers(sentence))


def _first_listed(sentence: str, mention: NumberMention, through_changes: bool = False) -> int:
    """Where the list a figure stands in starts ("分别高4.2和0.7个百分点": at 4.2): the words
    before it name the indicator of every figure listed. `through_changes`: or the change it
    ends ("由420元提高到450元": at 420元)."""
    found = _figures_in(sentence)
    at = next((i for i, m in enumerate(found) if m.start == mention.start), None)
    if at is None:
        return mention.lead_start
    while at > 0:
        between = sentence[found[at - 1].lead_start + len(found[at - 1].shown) : found[at].lead_start]
        changed = through_changes and _ends_change_from(sentence, found[at - 1], between)
        if not (_LIST_JOIN.fullmatch(between) or changed):
            break
        at -= 1
    return found[at].lead_start


def _ends_change_from(sentence: str, start: NumberMention, between: str) -> bool:
    """ "补助由每人420元提高到450元": 450元 ends the change 420元 starts; both are named before 由."""
    before = sentence[max(0, start.lead_start - 14) : start.lead_start]
    return bool(_STARTS_AT.search(before)) and bool(_TO_LEVEL.fullmatch(between))


_TO_LEVEL = re.compile(r"[^，。；、从由]{0,8}?(?:到|至)")


def _listed_indicator(sentence: str, mention: NumberMention) -> str:
    """The indicator named before a figure, or before the first figure of its list (or of the
    change it ends: the name stands before 由/从)."""
    first = _first_listed(sentence, mention, through_changes=True)
    return indicator_before(_STARTS_AT.sub("", sentence[clause_start(sentence, first) : first]))


def _indicator_of_clause_before(sentence: str, mention: NumberMention) -> str:
    start = clause_start(sentence, mention.lead_start)
    if not start:
        return ""
    prior = sentence[clause_start(sentence, start - 1) : start - 1]
    figures = [m for m in find_numbers(prior) if is_figure(m)]
    return indicator_before(prior[: figures[0].lead_start]) if figures else ""


def asks_level_set(question: str) -> bool:
    """ "提高到多少", "达到多少": where a level is taken to (a plan sets it as often as a review
    reports it)."""
    return bool(_ASKS_END.search(question))


def clause_names_indicator(question: str, sentence: str, lead: str) -> bool:
    """The figure's own clause names the question's indicator (a word of its name, or of an
    official name for it): "居民消费价格上涨1.8%" for "物价涨幅", not "贷款余额增长9%" after
    "支出控制在预算以内"."""
    # (The figure itself, not the end of another: "5%" is not the tail of "7.5%".)
    found = re.finditer(rf"(?<![\d.]){re.escape(lead)}", sentence)
    return any(names_indicator(question, clause_around(sentence, m.start(), m.end())) for m in found)


def change_of_another(question: str, sentence: str, lead: str) -> bool:
    """A change stated of another indicator than the question's: its own clause names one
    before it ("新建绿道投用里程320公里" beside "城市绿道总里程达1800公里"), and neither that
    clause nor the one before names the question's. A change naming nothing ("…，比上年多100万
    人") is of the indicator its sentence is about."""
    figures = find_numbers(lead)
    said = figures[-1].text if figures else lead  # "2.6%，比去年预算低0.4个百分点": the change
    found = False
    for m in re.finditer(rf"(?<![\d.]){re.escape(said)}", sentence):
        start = clause_start(sentence, m.start())
        if not nouns(sentence[start : m.start()]):
            return False
        own = clause_around(sentence, m.start(), m.end())
        before = _previous_clause(sentence, start)
        if names_indicator(question, own) or (before and names_indicator(question, before)):
            return False
        found = True
    return found


def names_indicator(question: str, text: str) -> bool:
    """`text` names the question's indicator: every word of its name, or of an official name
    for it ("技能培训补贴" does not name "技能竞赛补贴")."""
    names = [nouns(name) for asked in _asked_names(question) for name in (asked, *official_names(asked))]
    # (A word may be said in the full name it shortens: indicator.said_in.)
    return any(name and all(said_in(w, text) for w in name) for name in names)


def role_score(question: str, sentence: str, mention: NumberMention) -> float:
    """How well the figure's role in its sentence fits the form of the question."""
    before = sentence[max(0, mention.start - 14) : mention.start]
    ends, starts = bool(_ENDS_AT.search(before)), bool(_STARTS_AT.search(before))
    changes = changed_by(sentence, mention)
    part = (
        0.3 if "其中" in question and "其中" in clause_around(sentence, mention.start, mention.end) else 0.0
    )
    if _ASKS_END.search(question):
        return part + 0.4 * ends - 0.6 * starts - 0.2 * (changes and not ends)
    if asks_change(question):
        # "下降了多少", "比全国低多少": the change itself, not the level reached.
        return part + (0.4 if changes else -0.4) - 0.2 * ends - 0.6 * starts
    # A level asked ("城市绿道总长是多少") is not how much it changed ("增加1000公里") when the
    # sentences state the level too; a rate or growth asked is mostly stated as a change.
    level = not (mention.percent or wants_percent(question) or _ASKS_ANY_CHANGE.search(question))
    return part - 0.3 * starts - 0.2 * (level and changes)  # nor is a starting value on its own


def aspect_score(sentence: str, mention: NumberMention, lean: Aspect | None, among_targets: bool) -> float:
    """A target figure ("6.5%左右的预期目标") for a target question, a result for a result one.
    In a sentence setting out targets (`among_targets`) every figure is one: no preference."""
    if lean is None or among_targets:
        return 0.0
    clause = clause_around(sentence, mention.start, mention.end)
    near = clause + mention.shown[len(mention.text) :]
    target = bool(_TARGET_WORDS.search(near)) and not _RESULT_WORDS.search(clause)
    if lean is Aspect.TARGET:
        return 0.25 if target else 0.0
    return -0.25 if target else 0.0


def wants_amount(question: str) -> bool:
    """ "产量是多少", "总值是多少", "多少万": an amount (unless a rate, growth or change is asked)."""
    return (
        bool(_WANTS_AMOUNT.search(question))
        and not wants_percent(question)
        and "增长" not in question
        and not asks_change(question)
    )


# "经济增长目标是多少", "增长了多少": how much something grows, as a rate usually, and the thing
# that grows is often named otherwise ("经济" for 地区生产总值).
_ASKS_GROWTH = re.compile(r"增长的?(?:目标|预期目标|速度|幅度)?(?:定为|是|为|有)?了?" + _HOW_MUCH)


_GROWTH = re.compile(r"增|涨|提高|提升|上升|下降|降低|减少|减|回落|扩大")


def asks_change(question: str) -> bool:
    """ "下降了多少", "比全市高多少", "比去年多招了多少": a change, not a level."""
    return bool(_ASKS_CHANGE.search(question) or _ASKS_DIFFERENCE.search(question))


def _asks_points(question: str) -> bool:
    """A change of a rate is asked ("提高了几个百分点", "比上年高多少", "回落了多少")."""
    changed = asks_change(question) or asks_growth(question) or bool(_CHANGED_BY_HOW_MUCH.search(question))
    return changed or question_unit(question) == "个百分点"


_CHANGED_BY_HOW_MUCH = re.compile(rf"(?:{CHANGE_VERB})了?{_HOW_MUCH}")


# Any word of change, speed or size of a change in the question.
_ASKS_ANY_CHANGE = re.compile(rf"{CHANGE_VERB}|增|减|幅|速|变化|差")


def asks_growth(question: str) -> bool:
    return bool(_ASKS_GROWTH.search(question))


def _is_share(mention: NumberMention) -> bool:
    """A rate or a share: "43%", "0.7个百分点", "超4成"."""
    return mention.percent or mention.unit in ("个百分点", "成")


# A ratio asked by its name ("产销比是多少", "出生人口性别比为多少"): 比 ends the indicator.
_ASKS_RATIO = re.compile(r"[\u4e00-\u9fff](?<![占同环])比(?:是|为|有|达到|达)?(?:多少|几)")


# A share asked ("绿地占建成区面积的比例", "第三产业比重是多少"): a level, never a growth rate.
_ASKS_SHARE = re.compile(r"占[^，。？?]{1,12}?(?:比例|比重|份额)|占比|比重")


# "比重提高了多少": the share's change is asked, not its level.
_ASKS_CHANGE = re.compile(r"(?:提高|提升|下降|降低|上升|增加|减少|增长|变化|扩大|缩小)了?" + _HOW_MUCH)


def _asks_share(question: str) -> bool:
    changed = asks_growth(question) or _ASKS_CHANGE.search(question)
    return bool(_ASKS_SHARE.search(question)) and not changed


def asks_ratio(question: str) -> bool:
    return bool(_ASKS_RATIO.search(question))


def _names_ratio(clause: str) -> bool:
    """A ratio is stated by its name ("收入比缩小到2.3", "之比") or as one ("2.3:1"); "比上年" and
    "比重" name none."""
    named = (m.start() for m in re.finditer(r"比(?![重例率])", clause))
    return any(not _SINCE_LAST_YEAR.match(clause, at) for at in named) or bool(re.search(r"[:：]\d", clause))


def wants_percent(question: str) -> bool:
    """A rate, share or 百分之几 is a percentage (or a change of one, in 个百分点)."""
    return bool(_WANTS_PERCENT.search(question))


def is_difference(sentence: str, mention: NumberMention) -> bool:
    """The figure is stated as a difference: "高于全国0.7个百分点", "比去年预算低0.4个百分点"."""
    first = _first_listed(sentence, mention)  # "高4.2和0.7个百分点": both are differences
    return bool(_STATED_AS_DIFFERENCE.search(sentence[max(0, first - 14) : first]))


def kind_score(question: str, mention: NumberMention) -> float:
    """A percentage for a rate, an amount of money for money, no rate for an amount."""
    if wants_percent(question):
        return 0.3 if mention.percent or mention.unit == "个百分点" else -0.3
    if wants_amount(question) and _is_share(mention):
        return -0.3
    if _WANTS_MONEY.search(question):
        return 0.2 if mention.unit.endswith("元") else -0.2
    return 0.0


def _with_direction(question: str, sentence: str, mention: NumberMention) -> str:
    """ "低0.4个百分点" for "高还是低，差多少"."""
    lead = mention.read
    if _ASKS_DIRECTION.search(question):
        m = _DIRECTION.search(sentence[max(0, mention.start - 4) : mention.start])
        if m:
            return m.group(0).removesuffix("了") + lead
    return lead


# A comparison ("比上年增加了多少", "由多少提高到多少", "比全国高出多少") is answered by both
# figures and the difference, as the report states them side by side: a level and its change
# ("专项资金85亿元，比去年增加12亿元", "覆盖率91.3%、提升2.1个百分点"), a change and the
# level it reached ("提高1.4个百分点，达到68%"), or where a change started and ended ("由41.2%
# 提高到43.6%"). The words between the two figures say which pair they are.
_ASKS_SPAN = re.compile(r"(?:由|从)[^，。？?]{0,4}?(?:多少|几)")
_LEVEL_THEN_CHANGE = re.compile(
    r"^(?:[^，。；、\d]{0,3}[，,])?[、]?"
    r"(?:(?:高|低|快|慢)于[^，。；、\d]{0,6}|(?:比[^，。；、]{0,10}?|较[^，。；、]{0,8}?|同比)?"
    r"(?:增加|减少|提高|提升|上升|下降|降低|扩大|缩小|增长|回落|多|少|高|低|快|慢)了?(?:出)?)$"
)
_CHANGE_THEN_LEVEL = re.compile(r"^[，,、]?(?:达到|达|升至|增至|降至|提高到|上升到|增加到|下降到|降到)$")
_START_THEN_END = re.compile(r"^(?:提高|提升|上升|增加|增长|下降|降低|减少|扩大|缩小|降|升|增)?(?:到|至)$")
_STARTS_WITH = re.compile(r"(?:从|由)[^，。；、到至]{0,6}$")


def _asks(question: str) -> list[str]:
    """The question, and for one asking two figures in a row ("增加了多少户，总数达到多少") each
    ask alone: a figure answering either fits, and its pair (paired_lead) answers both."""
    clauses = [c for c in re.split(r"[，,；;？?]", question) if c]
    asking = [i for i, c in enumerate(clauses) if asks_for_number(c)]
    if len(asking) < 2 or not asks_comparison(question):
        return [question]
    alone = ["，".join(c for j, c in enumerate(clauses) if j not in asking or j == i) for i in asking]
    return [question, *alone]


# In a review of the past five years, what one year (the last) has: the level a change ended at
# ("从620亿元增加到980亿元", "达到79岁"), or a figure said of last year ("去年营收增长9%").
_LAST_YEAR = re.compile(r"去年|上年|刚刚过去")


def _year_level(sentence: str, mention: NumberMention) -> bool:
    before = sentence[max(0, mention.lead_start - 6) : mention.lead_start]
    if _ENDS_AT.search(before) or _LAST_YEAR.search(clause_around(sentence, mention.start, mention.end)):
        return True
    # "营业里程达到12.1万公里，其中高速铁路超过1.9万公里": a part of a level reached is one too.
    start = clause_start(sentence, mention.lead_start)
    if not start or not sentence.startswith("其中", start):
        return False
    prior = sentence[clause_start(sentence, start - 1) : start - 1]
    return any(_ENDS_AT.search(prior[max(0, m.lead_start - 6) : m.lead_start]) for m in find_numbers(prior))


# "与/和/同" also join two things ("城镇和农村高校有多少"): after them, only a comparative itself.
_ASKS_AGAINST = re.compile(
    rf"(?:比(?![重例率])|较)[^，。？?]{{1,14}}?{COMPARED_BY}"
    rf"|(?:与|和|同)[^，。？?]{{1,14}}?(?:{CHANGE_VERB}|多|少|高|低|快|慢)了?出?{_HOW_MUCH}|差多少|相差"
)


def asks_comparison(question: str) -> bool:
    """A difference to another year or place ("较上一年扩大了多少", "比全国高出多少"), where a
    change started and ended ("由多少提高到多少"), or a change and a level in one question."""
    if _ASKS_AGAINST.search(question) or _ASKS_SPAN.search(question):
        return True
    asks = [c for c in re.split(r"[，,；;？?]", question) if asks_for_number(c)]
    return len(asks) >= 2 and any(asks_change(c) for c in asks)


def _lead_end(mention: NumberMention) -> int:
    return mention.lead_start + len(mention.shown)


def paired_lead(sentence: str, mention: NumberMention) -> str:
    """The figure with the one it is compared with, in the report's words, when the sentence
    states them as a pair ("85亿元，比去年增加12亿元"); "" when it does not."""
    found = [m for m in find_numbers(sentence) if is_figure(m) and m.unit != "年"]
    at = next((i for i, m in enumerate(found) if m.start == mention.start), None)
    if at is None:
        return ""
    pairs = [(found[i], found[i + 1]) for i in (at - 1, at) if i >= 0 and i + 1 < len(found)]
    for first, second in pairs:
        between = sentence[_lead_end(first) : second.lead_start]
        start = _STARTS_WITH.search(sentence[max(0, first.lead_start - 8) : first.lead_start])
        if start and _START_THEN_END.match(between):
            return sentence[first.lead_start - len(start.group(0)) : _lead_end(second)]
        if _LEVEL_THEN_CHANGE.match(between) or _CHANGE_THEN_LEVEL.match(between):
            # A verb after the first figure is left out: "3.1%安排，比去年…" -> "3.1%，比去年…".
            link = between[between.find("，") :] if "，" in between else between
            return first.shown + link + second.shown
    return ""


# "第几届" asks for an ordinal: "第11届".
_ORDINAL = re.compile(r"第(?:\d+|[零〇一二两三四五六七八九十百千]+)[\u4e00-\u9fff]")
# A count of people asked by who they are ("多少党员", "几名志愿者", "多少人"); not 人均, 人口.
_ASKS_HEADCOUNT = re.compile(r"(?:多少|几)(?:个|名|位)?(?:[\u4e00-\u9fff]{0,3}?[员者]|人)(?![均口])")
# The measure word a question counts in, known unit or not ("攻入了几球": 球).
# "几个人" asks in 人, as "几人" does: the 个 before it is only the general classifier.
_ASKED_MEASURE = re.compile(r"(?:多少|几)(?:个(?=人))?(?P<u>[\u4e00-\u9fff])")


def _ordinal_lead(question: str, sentences: Sequence[tuple[str, bool, bool]], coverage: Coverage) -> str:
    """For "第几…": the ordinal in the clause nearest the question's words."""
    m = re.search(r"第几(?P<u>[\u4e00-\u9fff])", question)
    if not m:
        return ""
    found = [
        (coverage(clause_around(s, o.start(), o.end())), o.group(0))
        for s, _t, _y in sentences
        for o in _ORDINAL.finditer(s)
        if o.group(0).endswith(m.group("u"))
    ]
    return max(found, key=lambda f: f[0])[1] if found else ""


def _base_unit(unit: str) -> str:
    """ "万人" -> "人": the magnitude belongs to the number (1351万人 has unit 人)."""
    for magnitude in ("万亿", "亿", "万", "千"):
        if unit.startswith(magnitude) and len(unit) > len(magnitude):
            return unit[len(magnitude) :]
    return unit


# People counted without a measure word: "三十多万返乡创业人员", "两百多万高校师生".
_PEOPLE_AFTER = re.compile(
    r"[\u4e00-\u9fff]{0,8}?(?:人员|人口|人才|群众|职工|师生|学生|农民工|居民|劳动力"
    r"|残疾人|老年人|老人|儿童|妇女|青年|农民|毕业生)"
)


def _counts_people(want_unit: str, sentence: str, mention: NumberMention) -> bool:
    return (
        _base_unit(want_unit) == "人"
        and not mention.unit
        and bool(_PEOPLE_AFTER.match(sentence, mention.end))
    )


def _unit_in_name(want_unit: str, sentence: str, mention: NumberMention) -> bool:
    """A figure written without its unit, which the indicator's name carries instead
    ("游客人次由5000万增加到8000多万" counts 人次)."""
    if mention.unit not in ("", "万", "亿", "万亿", "千"):
        return False
    # The clause's words up to its first number, less a "from" ("由5000万"): the name.
    name = re.split(r"\d", sentence[clause_start(sentence, mention.lead_start) : mention.lead_start])[0]
    return re.sub(r"(?:由|从|自)$", "", name).endswith(_base_unit(want_unit))


def _counted_in(question: str, sentence: str, mention: NumberMention) -> str:
    """A bare number followed by the measure word the question asks in ("攻入4球" for "几球")."""
    m = _ASKED_MEASURE.search(question)
    # "多少外来人口" names a thing, not a measure: the words after it go on in the sentence too.
    noun = question[m.end() : m.end() + 1] == sentence[mention.end + 1 : mention.end + 2] if m else False
    if m and not noun and not mention.unit and sentence[mention.end : mention.end + 1] == m.group("u"):
        return mention.text + m.group("u")
    return ""


# Measure words a count is asked in ("几层", "多少个", "几所"): a figure counted in another one
# counts something else.
# "个" counts anything; some measures count the same things ("多少名干部": "5200人").
_MEASURES = (
    # (Laws and rules are counted in 件, 项 or 部, one report one way, the next another.)
    *("名位人", "家户", "所座", "项件部", "种类", "次场轮届期"),
    *("层", "条", "批", "处", "台", "辆", "艘", "架"),
)


def _same_measure(asked: str, given: str) -> bool:
    """ "多少人" and "318名": measure words that count the same things. 个, the general
    classifier, asks for a count of things in any of theirs ("多少个设施" and "36处"); not
    of people, households or times ("多少个示范村" is not "50名")."""
    a, g = _base_unit(asked), _base_unit(given)
    if len(a) != 1 or len(g) != 1:
        return False
    if a == "个":
        return g in _COUNTS_THINGS
    return any(a in group and g in group for group in _MEASURES)


# The measure words a count of things is written in, which 个 may stand for.
_COUNTS_THINGS = frozenset("家所座项件种类层条批处台辆艘架")


def _other_measure(question: str, sentence: str, mention: NumberMention) -> bool:
    m = _ASKED_MEASURE.search(question)
    same = next((g for g in _MEASURES if m and m.group("u") in g), "")
    given = _base_unit(mention.unit)[:1]
    if not same or not given or given == "个" or _counted_in(question, sentence, mention):
        return False
    return given not in same


def _counts_another_thing(question: str, sentence: str, mention: NumberMention) -> bool:
    """ "12个街道新增…", "选派300名医生下乡": a count in a measure word is a count of the noun
    after it, not an amount of what the question asks about, unless the question asks for a
    count or shares a word with what is counted."""
    if _ASKED_MEASURE.search(question):
        return False  # a count asked may still be another thing's: _counts_what_is_not_asked
    counted = _counted_noun(sentence, mention)
    return bool(counted) and all(c not in question for c in counted)


def _counts_what_is_not_asked(question: str, sentence: str, mention: NumberMention) -> bool:
    """Even a count asked ("城镇新增就业多少人") is not answered by "推动1.2万名教师城乡交流": the
    figure counts the noun after its measure word (教师), which the question does not name, in a
    sentence that names no noun of the question at all."""
    counted = _counted_noun(sentence, mention)
    # (A sentence saying "全区" names no noun asked: every sentence of the report is about it.)
    asked = {word for word in nouns(question) if not WHOLE_AREA.fullmatch(word)}
    if counted and counted not in question:
        return bool(asked) and not any(word in sentence for word in asked)
    if counted or nouns(_listed_indicator(sentence, mention)):
        return False
    # A figure named by a verb alone ("今年扩招20万人") counts what its sentence is about: not
    # the question's, when the sentence names the question's nouns only as another kind's
    # ("高中毕业生" for "高校毕业生").
    said = [word for word in asked if word in sentence]
    return bool(said) and all(_another_kind(question, sentence, word) for word in said)


def _another_kind(question: str, sentence: str, word: str) -> bool:
    """`word` has its own modifier in the question ("高校毕业生") and a different one wherever
    the sentence says it ("应届高中毕业生"), and the sentence never says the question's."""
    modifier = _modifier_before(question, word)
    if not modifier or modifier in sentence:
        return False
    return all(_modifier_before(sentence, word, at) for at in _occurrences(sentence, word))


def _another_items_figure(question: str, sentence: str, mention: NumberMention) -> bool:
    """ "淘汰燃煤锅炉120台、燃气锅炉30台", asked of 燃气锅炉: the first figure's own clause says
    锅炉 only as another kind's (燃煤), while the sentence says the asked kind's elsewhere, so the
    figure is another item's of the list, whatever other words its clause shares."""
    clause = clause_around(sentence, mention.start, mention.end)
    rest = sentence.replace(clause, "", 1)
    # (The question's words, segmented once per question: ingest.terms.words caches them.)
    for word in {w for w in words(question) if len(w) > 1 and w in clause}:
        modifier = _modifier_before(question, word)
        # The asked kind's own figure stands elsewhere in the sentence ("燃气锅炉30台"), not only
        # its words ("…与经济增长基本同步" is no figure of 经济增长).
        own = re.search(re.escape(modifier + word) + r"[^，,；;。]*?\d", rest) if modifier else None
        # (The clause's own kind is one the question names too: "私家车占交通出行的比重" asked,
        # "私家车出行比重下降2个百分点" is its figure, whatever "交通出行…" says beside it.)
        kind = _modifier_before(clause, word)
        if own and kind and kind not in question and _another_kind(question, clause, word):
            return True
    return False


def _occurrences(text: str, word: str) -> list[int]:
    return [m.start() for m in re.finditer(re.escape(word), text)]


def _modifier_before(text: str, word: str, at: int | None = None) -> str:
    """The word right before `word` (its first occurrence, or the one at `at`) when it is a noun
    or an attribute (jieba: 高校, 高中, 城镇), or ""."""
    import jieba.posseg

    at = text.find(word) if at is None else at
    if at <= 0:
        return ""
    end, last = 0, None
    for token in jieba.posseg.cut(text[:at]):
        end += len(str(token.word))
        last = token
    if last is None or len(str(last.word)) < 2 or end != at:
        return ""
    return str(last.word) if str(last.flag).startswith(("n", "s", "b")) else ""


def _counted_noun(sentence: str, mention: NumberMention) -> str:
    """The two characters after a count in a measure word ("300名医生": 医生), or ""."""
    if _base_unit(mention.unit) not in _COUNTED_IN:
        return ""
    counted = sentence[mention.end : mention.end + 2]
    return counted if len(counted) == 2 and all("\u4e00" <= c <= "\u9fff" for c in counted) else ""


# Measure words a count of things or people is written in ("个街道", "名医生", "家企业").
_COUNTED_IN = frozenset("个名家所位项")


_ASKS_YEARS = re.compile(r"(?:几|多少)个?年|多少年|几年")


def _written_as_year(mention: NumberMention) -> bool:
    """ "2020年", "二○二○年": a date; "一千九百年" would be an amount."""
    return not mention.chinese or len(mention.text) == 5


def lead_figure(
    question: str,
    focus_question: str,
    sentences: Sequence[tuple[str, bool, bool]],
    coverage: Coverage,
    subject: Coverage,
    lean: Aspect | None = None,
    one_year: bool = False,
    places: Sequence[str] = (),
) -> str:
    """The figure that answers a "多少/几" question, from the chosen sentences (each with
    whether it sets out targets, and whether it reviews several years), as a reader should see
    it (qualifier, whole unit, range);
    "" when no figure is about the question's subject. `coverage` scores a clause by the
    question's words, `subject` by its subject words only; `focus_question` is the question
    without the constraints the filters already enforce; `places` the places it asks about."""
    if not asks_for_number(question):
        return ""
    if "第几" in question:
        return _ordinal_lead(question, sentences, coverage)
    want_unit = question_unit(focus_question)  # as reports write it ("多少个点": 个百分点)
    money = asked_type(focus_question) is AskedType.MONEY
    over_span = not one_year and bool(_ASKS_OVER_YEARS.search(question))
    best, best_score = "", -math.inf
    for rank, (sentence, among_targets, over_years) in enumerate(sentences):
        for m in find_numbers(sentence):
            counted = _counted_in(question, sentence, m)
            if m.text in question or not (is_figure(m) or counted):
                continue
            if one_year and over_years and not _year_level(sentence, m):
                continue  # a five-year change, total or average is no one year's figure
            clause = clause_around(sentence, m.start, m.end)
            # A list's words stand before its first figure ("年均分别增长7%、8%").
            listed = clause_around(sentence, _first_listed(sentence, m), m.end)
            if over_span and not over_years and not _ASKS_OVER_YEARS.search(listed):
                continue  # and one year's figure is no total or average over several
            if _total_for_average(focus_question, listed):
                continue
            context = subject_context(sentence, m.start, m.end, focus_question)
            if one_year and over_years and subject(context) < PERIOD_SUBJECT:
                continue  # a review lists many levels reached: the figure's own clause names it
            if (
                want_unit
                and not m.unit.split("/")[0].endswith(_base_unit(want_unit))  # 微克 of 微克/立方米
                and not _counts_people(want_unit, sentence, m)
                and not _same_measure(want_unit, m.unit)
                and not _unit_in_name(want_unit, sentence, m)
            ):
                continue
            if wants_percent(focus_question) and not (m.percent or m.unit in ("个百分点", "成")):
                continue  # a rate is never answered with a count or an amount
            if m.percent and _ASKS_HEADCOUNT.search(focus_question) and not wants_percent(focus_question):
                continue  # nor a count of people ("有多少志愿者") with a share
            if m.unit == "个百分点" and wants_percent(focus_question) and not _asks_points(focus_question):
                continue  # nor its level with a change ("上升3个百分点，达到51%": 51%)
            if asks_ratio(focus_question) and (changed_by(sentence, m) or not _names_ratio(clause)):
                continue  # "城乡收入比" is no growth of either income, nor a count
            if _asks_share(focus_question) and changed_by(sentence, m):
                continue  # "绿地占建成区面积的比例" is not "绿地面积增长8%"
            if wants_amount(focus_question) and _is_share(m):
                continue  # nor an amount with a rate or a share
            if money and not m.unit.endswith("元"):
                continue  # "投入了多少资金" is never answered with a count of people
            if _other_measure(question, sentence, m):
                continue  # "有几层" is not answered by "三条"
            if _part_for_whole(question, sentence, m) or _counts_another_thing(question, sentence, m):
                continue
            if _another_places(places, _own_clause(sentence, m), question):
                continue
            if other_item(question, sentence, m):
                continue  # "城乡…分别达4.5万元和2.1万元": the second is the rural figure
            if not any(fits_the_question(q, sentence, m, one_year) for q in _asks(focus_question)):
                continue
            if _added_for_held(question, sentence, m) and not _asks_change(question):
                continue  # "2031年底……有多少": the year's end is the time, and a stock is asked
            before = _previous_clause(sentence, m.start)
            if subject(subject_context(sentence, m.start, m.end, focus_question)) < MIN_SUBJECT:
                continue
            # A figure's subject may stand in the clause before ("城镇新增就业1351万人，比上年增加…").
            own, prior = coverage(clause), coverage(before)
            score = own + 0.25 * max(0.0, prior - own) - 0.1 * rank
            # A review of several years states results, whatever qualifier ("8.6万人以上").
            score += role_score(focus_question, sentence, m) + aspect_score(
                sentence, m, lean, among_targets or over_years
            )
            score += kind_score(focus_question, m) + stock_or_flow(focus_question, clause)
            if own_item(question, sentence, m):
                score += 0.3  # "城乡低保标准分别提高8%和12%": 农村's is the second
            if m.unit == "年":
                if m.value is not None and 1900 <= m.value <= 2100 and _written_as_year(m):
                    continue  # "2007年以来": a date, not an amount of years
                if not _ASKS_YEARS.search(question):
                    continue  # "连续34年居全国首位": context, not the amount asked for
                score -= 0.5  # a number of years is context, rarely the figure asked for
            if score > best_score:
                paired = paired_lead(sentence, m) if asks_comparison(focus_question) else ""
                best, best_score = counted or paired or _with_direction(question, sentence, m), score
    return best
