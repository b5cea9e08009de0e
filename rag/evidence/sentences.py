"""Candidate sentences of the retrieved paragraphs, scored against the question: how much of its
terms they cover (headings half-count), their paragraph's rank, whether they can answer (a
figure or date the question lacks) and how their time scope fits the years asked. An exam
question matched is answered by its answer key, the paragraph after it."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from ingest.chunk import split_sentences
from ingest.records import Kind, Paragraph
from ingest.scope import sentence_scope
from ingest.terms import bigrams, words
from rag.evidence.retrieve import Hit
from rag.figures.numbers import asks_for_date, asks_for_number, find_dates, find_numbers, is_figure
from rag.question.constraints import asks_now, latest_done, now_fit, plan_unasked, time_fit
from rag.question.focus import Focus, TermWeights, term_coverage
from rag.question.glossary import in_short_forms
from rag.question.thesaurus import with_synonyms_of


@dataclass(frozen=True)
class Sentence:
    text: str
    hit_rank: int  # 0-based rank of its paragraph among the hits
    paragraph: Paragraph
    coverage: float = 0.0
    score: float = 0.0
    span: tuple[int, int] = (0, 0)  # [start, end) of `text` in the paragraph's text
    keyed: bool = False  # an exam question matched: `text` is its answer key (答题要点)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of `text`, so excerpts stay exact substrings."""
    spans = []
    cursor = 0
    for sentence in split_sentences(text):
        start = text.find(sentence, cursor)
        if start < 0:  # pragma: no cover - split_sentences only strips white space
            continue
        spans.append((start, start + len(sentence)))
        cursor = start + len(sentence)
    return spans


def answer_type_bonus(question: str, sentence: str, question_words: set[str]) -> float:
    """Prefer sentences that can answer, not ones that only repeat the question.

    A question asking for a figure or a date wants a sentence holding one that the question
    does not already contain; a sentence that is itself a question answers nothing; a sentence
    made only of the question's own words adds nothing."""
    bonus = 0.0
    if asks_for_number(question) or asks_for_date(question):
        figures = [m.text for m in find_numbers(sentence) if is_figure(m)]
        figures += find_dates(sentence)
        new = [f for f in figures if f not in question]
        bonus += 0.15 if new else -0.15
    if _QUESTION_SENTENCE.search(sentence):
        bonus -= 0.3
    content = [w for w in words(sentence) if len(w) > 1]
    if content:
        novelty = sum(w not in question_words for w in content) / len(content)
        bonus += 0.15 * min(1.0, novelty / 0.5)
    return bonus


def rank_sentences(
    question: str,
    q_terms: Sequence[str],
    hits: Sequence[Hit],
    weights: TermWeights,
    paragraphs: Mapping[str, Paragraph],
    focus: Focus | None = None,
) -> list[Sentence]:
    """The sentences of the hits' paragraphs, best first (see the module doc)."""
    focus = focus or Focus(question, question)
    q_words = set(words(question))
    figure = asks_for_number(question)
    ranked: list[Sentence] = []
    done: list[int | None] = []  # the last year each sentence states what was done in
    for rank, hit in enumerate(hits):
        para = hit.paragraph
        context = set(words(" ".join(para.heading_path)) + bigrams(" ".join(para.heading_path)))
        answer_key = _answer_key_span(para, paragraphs)
        if answer_key is not None and not focus.where.allows(answer_key[0]):
            answer_key = None  # left out of this search (the eval's refusal variant)
        for start, end in sentence_spans(para.text):
            text = para.text[start:end]
            if len(text) < 4 or not all(place in text for place in focus.mentions):
                continue
            # An average written long ("平均每天") says the short form a question is read as.
            short = in_short_forms(text)
            own = set(words(text) + bigrams(text) + words(short) + bigrams(short))
            coverage = _coverage(q_terms, weights, own, context)
            # A question's word the sentence writes a close synonym of is said ("运营里程"
            # asked, "营业里程" written), as the lead reads it. It ranks the sentence; the
            # coverage the refusal model weighs stays the words as written.
            said = _coverage(q_terms, weights, with_synonyms_of(q_terms, own, CLOSE_SYNONYMS), context)
            source, span, keyed = para, (start, end), False
            if answer_key is not None and _QUESTION_SENTENCE.search(text):
                source, span = answer_key  # matched the exam question: cite its answer key
                keyed = True
            shown = source.text[span[0] : span[1]]
            scope = sentence_scope(source, span[0], span[1])
            score = (
                said
                + 0.12 / (1 + rank)
                + 0.05 * hit.dense_similarity
                + answer_type_bonus(question, shown, q_words)
                + time_fit(focus.asked, scope)
                + (plan_unasked(focus.asked, scope) if figure else 0.0)
            )
            if source.kind is not Kind.BODY:
                score -= 0.15
            ranked.append(Sentence(shown, rank, source, coverage, score, span, keyed))
            done.append(latest_done(scope))
    if asks_now(question, focus.asked):
        ranked = _newest_first(ranked, done)
    ranked.sort(key=lambda s: -s.score)
    return ranked


# A question's word is read through the thesaurus in ranking when it has at most this many
# synonyms: a word of many has some of another meaning (人口: 人员; 出生: 落地).
CLOSE_SYNONYMS = 3


def _coverage(q_terms: Sequence[str], weights: TermWeights, own: set[str], context: set[str]) -> float:
    """How much of the question's terms a sentence covers; heading words (a document title, a
    section name) half-count: they say what the sentence is about without being in it."""
    return 0.75 * term_coverage(q_terms, weights, own) + 0.25 * term_coverage(q_terms, weights, own | context)


def _newest_first(ranked: list[Sentence], done: list[int | None]) -> list[Sentence]:
    """ "现在到多少了": a tilt towards the sentences about the newest year done (now_fit)."""
    newest = max((y for y in done if y is not None), default=None)
    if newest is None:
        return ranked
    return [replace(s, score=s.score + now_fit(y, newest)) for s, y in zip(ranked, done, strict=True)]


def _answer_key_span(
    para: Paragraph, paragraphs: Mapping[str, Paragraph]
) -> tuple[Paragraph, tuple[int, int]] | None:
    """The answer key following `para` (an exam question), with its first sentence's span."""
    follower = answer_key(para, paragraphs)
    if follower is None:
        return None
    spans = sentence_spans(follower.text)
    return follower, spans[0] if spans else (0, len(follower.text))


def answer_key(para: Paragraph, paragraphs: Mapping[str, Paragraph]) -> Paragraph | None:
    """A paragraph that is itself a question (考题内容:如何强化政治引领?) matches the user's
    question best but does not answer it: the paragraph after it does (答题要点:……)."""
    if not _QUESTION_PARAGRAPH.search(para.text):
        return None
    follower = paragraphs.get(f"{para.doc_id}#{para.number + 1}")
    if follower is None or follower.kind is not Kind.BODY:
        return None
    return follower


_QUESTION_SENTENCE = re.compile(r"[?？]\s*[”」』）)]*\s*$")
_QUESTION_PARAGRAPH = re.compile(r"^(考题|问题|试题|题目)?[^。！!]{0,60}[?？]\s*$")
