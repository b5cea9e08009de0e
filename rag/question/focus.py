"""What a question's sentences are matched with: its Focus (the question without the constraints
the filters enforce), its terms and their weights (BM25 idf), and its subject words, the specific
ones that say what it is about."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ingest.terms import STOP_WORDS, bigrams, words
from rag.evidence.retrieve import EVERYTHING, SearchFilter
from rag.figures.indicator import GENERIC
from rag.question.constraints import Asked, without_constraints
from rag.question.glossary import ACRONYMS, expand
from rag.question.resolution import Resolution

# BM25 idf of a word found in at most ~8% of the indexed chunks: specific enough to say what a
# figure is about (log(1 + 0.92 / 0.08) ≈ 2.5, whatever the size of the index).
SPECIFIC_IDF = 2.5


@dataclass(frozen=True)
class Focus:
    """A question with its constraints: `terms` is what a sentence's words have to match once
    the filters have enforced the `applied` constraints (the years and places are then known)."""

    question: str
    terms: str
    asked: Asked = field(default_factory=Asked)
    applied: frozenset[str] = frozenset()
    mentions: tuple[str, ...] = ()  # places a sentence has to name (no report of their own)
    where: SearchFilter = EVERYTHING  # what may be quoted (an answer key too)

    @classmethod
    def of(cls, question: str, asked: Asked | None, resolution: Resolution | None) -> Focus:
        if asked is None or resolution is None:
            return cls(question, as_written(question))
        # A place named without a report of its own is enforced by its mention (see
        # resolve): like an applied constraint, it says nothing more about which figure.
        stripped = resolution.applied | ({"regions"} if resolution.mentions else set())
        terms = as_written(without_constraints(question, asked, stripped))
        return cls(question, terms, asked, resolution.applied, resolution.mentions, resolution.where)


# How questions ask what reports write otherwise; no report writes the question's words, so they
# only lower the match. "目标定为多少", "指标各定在多少": setting a target asks for it ("是").
_SET_TO = re.compile(r"(?<=目标|指标|标准)各?(?:设定|确定|定|订|设)(?:为|在|成|了|的)?(?=(?:是)?(?:多少|几))")
# "平均一天接待", "平均一年": an average per day or year, written "平均每天" / "平均每年" (日均, 年均).
_PER_ONE = re.compile(r"(?<=平均)一(?=天|日|年|月)|(?<=平均)一个(?=月)")
# Everyday words for a change and its size: "涨了多少个点" is "提高了多少个百分点", "新开了几家" is
# "新增了几家" (the verb reports write for what was added in a year).
_EVERYDAY_CHANGE = (
    (re.compile(r"(?:上涨|涨)(?=了?(?:多少|几))"), "提高"),
    (re.compile(r"(?<=[几多少])个点"), "个百分点"),
    (re.compile(r"新开(?=了?(?:多少|几))"), "新增"),
)


def as_written(text: str) -> str:
    """The question with its ways of asking put as reports write: "目标定为多少" -> "目标是多少",
    "平均一天" -> "平均每天", "涨了多少个点" -> "提高了多少个百分点"."""
    text = _PER_ONE.sub("每", _SET_TO.sub("是", text))
    for pattern, written in _EVERYDAY_CHANGE:
        text = pattern.sub(written, text)
    return text


class TermWeights:
    """Inverse document frequency of index terms, so rare words count more than common ones."""

    def __init__(self, idf: Callable[[str], float], known: Callable[[str], bool] | None = None) -> None:
        self._idf = idf
        self._known = known

    def of(self, term: str) -> float:
        return self._idf(term)

    def occurs(self, term: str) -> bool:
        """The term is found somewhere in the index (True when that is not known)."""
        return self._known is None or self._known(term)

    @classmethod
    def uniform(cls) -> TermWeights:
        return cls(lambda _t: 1.0)


def _question_terms(question: str) -> list[str]:
    """The question's words and character pairs, without the pairs that are question or
    function words ("如何", "多少"): those match exam questions, not answers."""
    pairs = [b for b in bigrams(question) if b[1:] not in STOP_WORDS]
    return list(dict.fromkeys(words(question) + pairs))


def term_coverage(q_terms: Sequence[str], weights: TermWeights, text_terms: set[str]) -> float:
    total = sum(weights.of(t) for t in q_terms)
    if total <= 0:
        return 0.0
    return sum(weights.of(t) for t in q_terms if t in text_terms) / total


def question_terms(focus: Focus, weights: TermWeights) -> list[str]:
    """What sentences are matched with: the focus's words and character pairs, acronyms the
    reports never write read as their Chinese names (rag.question.glossary)."""
    return _question_terms(expand(focus.terms, weights.occurs))


def subject_terms(focus: Focus, weights: TermWeights) -> list[str]:
    """The words that say what the question is about: its specific words (a word in most
    paragraphs, "经济", says little about which figure is meant, and often paraphrases:
    "经济增速" for 国内生产总值增长), and the words the reports never use at all ("电影",
    "票房": nothing can answer about them), unless their parts are used ("总产量" when the
    reports write 总产, 产量). An acronym read as its Chinese names counts as those."""
    candidates = [
        w
        for w in dict.fromkeys(words(expand(focus.terms, weights.occurs)))
        if len(w) > 1
        and not w.isdigit()  # a year or a count is matched by the time scope and the lead
        and not _MAGNITUDE.fullmatch(w)  # "多少万亿元": the unit is the lead's, not a subject
        and not _COUNT_OF.fullmatch(w)  # "套数", "人数": a count, said by the figure's unit
        and not _PERCENT_ASKED.fullmatch(w)  # "百分之多少": a percentage, said by the figure's %
        and not _SPAN.fullmatch(w)  # "过去五年": a span, matched by the review's time scope
        and not _pointer(w, focus.terms)  # "这一部分": a pointer, no subject
        and not is_generic(w)
        and not (w.upper() in ACRONYMS and not weights.occurs(w))
    ]
    # The kind of thing asked for ("哪个城市", "什么部门") is what the answer names, not its subject.
    kinds = {m.group(1) for m in _ASKED_KIND.finditer(focus.terms)}
    candidates = [w for w in candidates if w not in kinds]
    known = [w for w in candidates if weights.occurs(w)]
    candidates = [w for w in candidates if w in known or (_names_something(w) and not _located(w, weights))]
    return [
        w
        for w in candidates
        if (w in known and weights.of(w) >= SPECIFIC_IDF)
        or (w not in known and not any(k != w and k in w for k in known))
    ]


_COUNT_OF = re.compile(r"[人户套个次家件所项台辆座名]数")
# A span of years said in words ("过去五年", "近三年", "这几年"): when, not what; a review of
# several years states it in its heading, not beside each figure.
_SPAN = re.compile(r"过去|近年来?|(?:[两二三四五六七八九十几多]|\d{1,2})年(?:来|间|里|中)?|多年来?|几年来?")
_PERCENT_ASKED = re.compile(r"百分之?|百分比|百分点")


def _pointer(word: str, question: str) -> bool:
    """`word` is a numeral jieba reads after 这/那 ("这一部分": 一部分), pointing at what was
    said before it. (A numeral alone may name a thing: "四级家访", "两委".)"""
    import jieba.posseg

    if not re.search(f"[这那]{re.escape(word)}", question):
        return False
    tokens = jieba.posseg.lcut(word)
    return bool(tokens) and all(str(t.flag).startswith("m") for t in tokens)


_ASKED_KIND = re.compile(r"(?:哪一?个|哪座|哪家|什么)([\u4e00-\u9fff]{2})")
# A magnitude and a unit ("万亿元", "亿元", "万人"): how a figure is counted, never what it is about.
_MAGNITUDE = re.compile(r"[万亿千百]+(?:元|美元|人次|人|斤|吨|公里|亩|户|个|千瓦)?")


# Parts of speech (jieba) that name nothing: pronouns ("这次"), time words, numerals, measure
# words, adverbs, prepositions, conjunctions, particles, interjections, directions.
_NAMES_NOTHING = ("r", "t", "m", "q", "d", "p", "c", "u", "y", "e", "o", "f")


def _names_something(word: str) -> bool:
    """A word the reports never use counts as a subject only when it names something."""
    import jieba.posseg

    tokens = jieba.posseg.lcut(word)
    return bool(tokens) and not all(str(t.flag).startswith(_NAMES_NOTHING) for t in tokens)


# Localisers: "村里", "区内", "镇上" say where, in the words of the noun before them.
_LOCALISER = re.compile(r"^([\u4e00-\u9fff]{1,3})(?:里|内|上|中|外)$")


def _located(word: str, weights: TermWeights) -> bool:
    """A place said with a localiser ("村里") whose noun the reports write (村): the noun is
    what it names, so the phrase is no subject of its own that no report names."""
    m = _LOCALISER.match(word)
    return m is not None and weights.occurs(m.group(1))


def is_generic(term: str) -> bool:
    """A word (or character pair) that says how a figure is asked for, not what it is about."""
    plain = term.lstrip("~")
    if _CHANGED_TO.fullmatch(plain):
        return True
    return plain in GENERIC or (term.startswith("~") and any(plain in g for g in GENERIC))


# "降到", "提高到", "增长至": how a figure changed, as GENERIC's words, written as one word.
_CHANGED_TO = re.compile(r"(?:降|增|提高|提升|上升|扩大|降低|下降|增长|增加|减少|达|缩小|压减)(?:到|至)")
