"""An extractive answer's text: "据《…》：" when several reports are loaded, the lead figure or
date when the question asks for one (rag.figures.lead), then each quoted sentence with its
`[n]`."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ingest.metadata import NATIONAL
from ingest.records import Aspect
from ingest.scope import sentence_scope
from ingest.terms import bigrams, words
from rag.answer_types import Citation, citation_for
from rag.evidence.sentences import Sentence, sentence_spans
from rag.figures.lead import MIN_SUBJECT, asks_growth, lead_figure, wants_percent
from rag.figures.numbers import asks_for_date, asks_for_number, find_dates
from rag.figures.respective import as_item
from rag.question.abbreviation import contracted
from rag.question.asked_type import AskedType, asked_type, names_a_day
from rag.question.focus import Focus, TermWeights, is_generic, subject_terms, term_coverage
from rag.question.glossary import expand
from rag.question.thesaurus import with_synonyms_of
from rag.records import CITATION_MARKER

# Reports call the growth of output (国内/地区生产总值) "经济增长" or "经济增速".
_ECONOMY_GROWTH = re.compile(r"经济(?:增长|增速)")
_OUTPUT = "国内生产总值 地区生产总值"
# A share of output asked ("旅游业占GDP比例"), and a share stated with no whole named ("服务业
# 比重上升到51.6%"): statistics' sector shares are of output unless another whole is said.
_SHARE_OF_OUTPUT = re.compile(
    r"占(?:GDP|gdp|国内生产总值|地区生产总值|经济总量|生产总值)[^，,。？?]{0,4}?(?:比重|比例|占比)"
)
_SHARE_NO_WHOLE = re.compile(r"^[^占]*(?:比重|占比)")


def says_output(question: str, clause: str) -> bool:
    """Whether `clause` speaks of output (生产总值) without naming it: "经济增长6%" is the growth
    of 生产总值 (a rate or growth asked), "服务业比重上升到51.6%" a share of it (a share of
    output asked, no other whole said)."""
    rate = wants_percent(question) or asks_growth(question)
    if rate and _ECONOMY_GROWTH.search(clause):
        return True
    return bool(_SHARE_OF_OUTPUT.search(question)) and bool(_SHARE_NO_WHOLE.search(clause))


def compose(
    focus: Focus, q_terms: Sequence[str], chosen: list[Sentence], weights: TermWeights, documents: int
) -> tuple[str, list[Citation], str]:
    """(text, citations, lead) of the answer quoting `chosen` from a knowledge base of
    `documents` documents."""
    numbering: dict[str, int] = {}
    citations: list[Citation] = []
    parts: list[str] = []
    for s in chosen:
        pid = s.paragraph.paragraph_id
        if pid not in numbering:
            numbering[pid] = len(numbering) + 1
            citations.append(citation_for(numbering[pid], s.paragraph, s.text, s.span))
        # "[2]" quoted from a report would read as a citation marker: show it full-width.
        quoted = CITATION_MARKER.sub(lambda m: f"［{m.group(1)}］", s.text.rstrip(",，;；、"))
        parts.append(f"{quoted}[{numbering[pid]}]")
    body = provenance(focus, chosen[0], documents) + "".join(parts)
    lead = answer_lead(focus, q_terms, chosen, weights)
    text = f"{lead}。依据：{body}" if lead else body
    return text, citations, lead


def provenance(focus: Focus, sentence: Sentence, documents: int) -> str:
    """Which report says it, when the knowledge base holds more than one: "据《2031年某市政府
    工作报告》（回顾2030年）：" — the year a figure belongs to is not always the report's."""
    meta = sentence.paragraph.meta
    if meta is None or documents < 2:
        return ""
    scope = sentence_scope(sentence.paragraph, *sentence.span)
    years = [y for y in focus.asked.years if scope.aspects_of(y)]
    note = ""
    period = [y for y, a in scope.years if a is Aspect.PERIOD]
    over_period = all(scope.aspects_of(y) == {Aspect.PERIOD} for y in years)
    if len(years) > 1 and meta.year is not None and over_period:
        note = f"（回顾{min(period)}—{max(period)}年）"  # a total or average over the years asked
    elif years and meta.year is not None:
        year = years[0]
        aspects = scope.aspects_of(year)
        if Aspect.TARGET in aspects and Aspect.RESULT not in aspects:
            note = f"（{year}年的目标）"
        elif year != meta.year:
            note = f"（回顾{year}年）"
    return f"据《{meta.title}》{note}："


def answer_lead(
    focus: Focus, q_terms: Sequence[str], chosen: Sequence[Sentence], weights: TermWeights
) -> str:
    """For "多少/几/何时" questions: the figure of the chosen sentences that answers
    (rag.figures.lead), or the date.

    Only a real figure leads (a unit, 万/亿, a percentage or a decimal), never one the
    question already states ("2021年"), and only one whose clause is about the question's
    subject; with no such figure the answer has no lead."""
    question = focus.question
    if asks_for_date(question):
        sentence = chosen[0].text
        dates = [d for d in find_dates(sentence) if d not in question]
        if asked_type(question) is AskedType.DAY:
            # "哪一天" is not answered by the month ("6月") or the year it happened in, nor by
            # the day of something else the sentence tells ("6月15日……到村报到" for a meeting).
            dates = [d for d in dates if names_a_day(d)]
            about = subject_terms(focus, weights)
            # The subject may stand before the excerpt in its sentence ("39.某某工程：……，从…起").
            whole = _whole_sentence(chosen[0])
            found = set(words(whole) + bigrams(whole))
            if not dates or (about and term_coverage(about, weights, found) < MIN_SUBJECT):
                return ""
            return _nearest(sentence, dates, about)
        if dates and "到" in question:
            # "到哪一年…": the date a thing is to be done by ("从二○二○年到二○三五年").
            dates = [
                d for d in dates if sentence[max(0, sentence.find(d) - 1) : sentence.find(d)] in "到至"
            ] or dates
        if dates:
            return max(dates, key=len)
    if asks_for_number(question):
        # A figure whose phrase holds too little of the question's specific words is about
        # something else (see subject_terms).
        subject_words = subject_terms(focus, weights)

        def coverage(clause: str) -> float:
            clause = as_item(clause, question)  # "城乡…分别" names the part asked
            return term_coverage(q_terms, weights, set(words(clause) + bigrams(clause)))

        # Every content word of the question, common ones too ("地区生产总值"): a figure whose
        # context shares none of them is about something else altogether.
        content = [w for w in words(expand(focus.terms, weights.occurs)) if len(w) > 1 and not is_generic(w)]

        # A rate or growth asked for and given may be named otherwise ("经济增速" or
        # "经济增长" for 国内生产总值增长).
        rate = wants_percent(focus.terms) or asks_growth(focus.terms)

        def subject(clause: str) -> float:
            clause = as_item(clause, question)
            # Read as the question's words are: "平均每天" in a clause is the asked "日均".
            written = expand(clause, weights.occurs)
            found = set(words(clause) + bigrams(clause) + words(written) + bigrams(written))
            if says_output(focus.terms, clause):
                found |= set(words(_OUTPUT) + bigrams(_OUTPUT))
            found = with_synonyms_of(subject_words, found)  # "全科医生" said as 全科医师
            found |= contracted(subject_words, question, clause)  # "环境保护" written 环保
            if content and not rate and not any(w in found for w in content):
                return 0.0
            if not subject_words:
                return 1.0
            return term_coverage(subject_words, weights, found)

        lean = focus.asked.leaning
        sentences = [(s.text, _sets_targets(focus, s), _reviews_years(focus, s)) for s in chosen]
        if focus.asked.aspect is Aspect.RESULT and not focus.asked.years:
            # "实际完成了多少", of no year: a sentence only setting targets holds no outcome. (A
            # year asked is read against the reports' time scopes: rag.figures.extractive.)
            sentences = [s for s in sentences if not s[1]]
        one_year = len(focus.asked.years) == 1
        # Places whose own reports answer (the filter chose them): a province's report names
        # its cities' figures too. A place without reports is only mentioned ("北京冬奥会").
        places = tuple(r for r in focus.asked.regions if r != NATIONAL) if "regions" in focus.applied else ()
        return lead_figure(question, focus.terms, sentences, coverage, subject, lean, one_year, places)
    return ""


def _whole_sentence(sentence: Sentence) -> str:
    """The full sentence(s) of the paragraph an excerpt was cut from."""
    text = sentence.paragraph.text
    start, end = sentence.span
    if text[start:end] != sentence.text:
        return sentence.text  # not a plain span of its paragraph: as it is
    around = [(s, e) for s, e in sentence_spans(text) if s < end and e > start]
    return text[around[0][0] : around[-1][1]] if around else sentence.text


def _nearest(sentence: str, dates: Sequence[str], about: Sequence[str]) -> str:
    """The day written nearest the question's words: a news item's dateline ("2031年01月27日 星期四
    本报电 ……将于2月4日开幕") is not the day asked about."""
    plain = [w.lstrip("~") for w in about if w.strip("~")]
    spots = [m.start() for w in plain for m in re.finditer(re.escape(w), sentence)]
    if not spots:
        return max(dates, key=len)
    return min(dates, key=lambda d: (min(abs(sentence.find(d) - s) for s in spots), -len(d)))


def _reviews_years(focus: Focus, sentence: Sentence) -> bool:
    """The sentence speaks about the asked year only as one of a multi-year review's (过去五年);
    asked about no year ("这几年一共……"), it reviews several years."""
    scope = sentence_scope(sentence.paragraph, *sentence.span)
    if not focus.asked.years:
        return any(a is Aspect.PERIOD for _y, a in scope.years)
    aspects = set().union(*(scope.aspects_of(y) for y in focus.asked.years))
    return aspects == {Aspect.PERIOD}


_OPENS_WITH_NOW = re.compile(r"(?:目前|现在|如今|当前|迄今|截至目前)")


def _sets_targets(focus: Focus, sentence: Sentence) -> bool:
    """The sentence sets out targets for the year asked (all its figures are targets). One
    opening with now ("目前……共有城市绿道320公里") states where things stand, whatever year the
    sentences before it named."""
    if _OPENS_WITH_NOW.match(sentence.text):
        return False
    scope = sentence_scope(sentence.paragraph, *sentence.span)
    years = focus.asked.years or tuple(y for y, _a in scope.years)
    aspects = set().union(*(scope.aspects_of(y) for y in years)) if years else set()
    return Aspect.TARGET in aspects and Aspect.RESULT not in aspects
