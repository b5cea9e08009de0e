"""What an answer quotes: the best sentence (and a second when it covers what the first lacks),
extended by the next sentence when it cannot answer alone, trimmed to its clauses about the
question. Every excerpt is an exact part of its paragraph, so the UI can highlight it."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from ingest.terms import bigrams, words
from rag.evidence.sentences import Sentence, answer_type_bonus, sentence_spans
from rag.figures.numbers import asks_for_date, asks_for_number, find_dates, find_numbers, is_figure
from rag.question.constraints import WHOLE_AREA
from rag.question.focus import TermWeights, term_coverage

# A year or a relative one, as a question's term ("2031", "年", "去年", "今年").
_TIME_WORD = re.compile(r"(?:19|20)\d{2}|年|今年|去年|明年|前年|当年|上年|本年")


def excerpt_of(
    question: str, q_terms: Sequence[str], best: Sentence, weights: TermWeights, max_chars: int
) -> Sentence:
    """`best` extended (see extend) and trimmed (see trim) to at most `max_chars` per sentence."""
    extended = extend(question, best)
    # Two sentences may be twice as long as one; trimming keeps the relevant clauses.
    limit = max_chars * (2 if extended is not best else 1)
    return trim(q_terms, extended, limit, weights, question)


def choose(
    q_terms: Sequence[str], ranked: list[Sentence], weights: TermWeights, max_sentences: int
) -> list[Sentence]:
    """The best sentence, plus one more when it covers question terms the first lacks
    (questions that join two facts: "2020年甲省和乙省的粮食产量")."""
    chosen = [ranked[0]]
    if ranked[0].keyed:
        return chosen  # the exam question matched the question: its answer key is the answer
    covered = set(words(ranked[0].text) + bigrams(ranked[0].text))
    missing = [
        t for t in q_terms if t not in covered and not t.startswith("~") and not WHOLE_AREA.fullmatch(t)
    ]
    if not missing or max_sentences < 2:
        return chosen
    for cand in ranked[1:12]:
        if cand.text == ranked[0].text:
            continue
        # When is matched by the time scope, not by words: a candidate's "去年" or "2031" is no
        # fact the first sentence lacks. The time words still weigh in what is missing, so this
        # only ever drops a second sentence, never adds one.
        cand_terms = {t for t in words(cand.text) if not _TIME_WORD.fullmatch(t)}
        gain = term_coverage(missing, weights, cand_terms)
        if gain >= 0.5 and cand.score >= 0.5 * ranked[0].score:
            chosen.append(cand)
            break
    return chosen


def extend(question: str, sentence: Sentence) -> Sentence:
    """Add the next sentence of the paragraph when the chosen one cannot answer alone: it
    lacks the figure or date asked for, or only restates the question (the answer then
    usually follows: "……物色一位合适的编剧。" / "最终选定了王海鸰……")."""
    q_words = set(words(question))
    if answer_type_bonus(question, sentence.text, q_words) >= 0.1:
        return sentence
    text = sentence.paragraph.text
    following = [sp for sp in sentence_spans(text) if sp[0] >= sentence.span[1]]
    if not following:
        return sentence
    start, end = sentence.span[0], following[0][1]
    return replace(sentence, text=text[start:end], span=(start, end))


def trim(
    q_terms: Sequence[str], sentence: Sentence, limit: int, weights: TermWeights, question: str = ""
) -> Sentence:
    """Cut a long sentence down to its clauses about the question, so the answer stays short
    (report sentences run to 200 characters of comma-joined clauses). The excerpt is a
    contiguous part of the paragraph, so the UI can highlight it. For a figure or a date asked,
    it keeps a clause holding one when the sentence has one ("39.某某工程：……的通告，……，从
    2030年1月1日起开始实施……": the definition's words come first, the day later)."""
    text = sentence.text
    if len(text) <= limit:
        return sentence
    clauses = [m.group(0) for m in _CLAUSE.finditer(text) if m.group(0)]
    scores = [term_coverage(q_terms, weights, set(words(c) + bigrams(c))) for c in clauses]
    lo, hi = _window(clauses, scores, limit, max(range(len(clauses)), key=lambda i: (scores[i], -i)))
    if question and _answers(question, text) and not _answers(question, "".join(clauses[lo : hi + 1])):
        holding = [i for i, c in enumerate(clauses) if _answers(question, c)]
        lo, hi = _window(clauses, scores, limit, max(holding, key=lambda i: (scores[i], -i)))
    offset = sum(len(c) for c in clauses[:lo])
    excerpt = "".join(clauses[lo : hi + 1])
    start = sentence.span[0] + offset + (len(excerpt) - len(excerpt.lstrip()))
    excerpt = excerpt.strip()
    return replace(sentence, text=excerpt, span=(start, start + len(excerpt)))


def _answers(question: str, text: str) -> bool:
    """`text` holds a figure or date of the kind asked that the question does not state."""
    if asks_for_date(question):
        found = find_dates(text)
    elif asks_for_number(question):
        found = [m.text for m in find_numbers(text) if is_figure(m)]
    else:
        return False
    return any(f not in question for f in found)


def _window(clauses: Sequence[str], scores: Sequence[float], limit: int, center: int) -> tuple[int, int]:
    """The clauses around `center` that fit in `limit` characters, the best-scoring first."""
    lo = hi = center
    length = len(clauses[lo])
    while True:
        options = [i for i in (lo - 1, hi + 1) if 0 <= i < len(clauses)]
        options = [i for i in options if length + len(clauses[i]) <= limit]
        if not options:
            break
        pick = max(options, key=lambda i: (scores[i], -abs(i - lo)))
        lo, hi = min(lo, pick), max(hi, pick)
        length += len(clauses[pick])
    return lo, hi


_CLAUSE = re.compile(r"[^,，;；]*[,，;；]?")
