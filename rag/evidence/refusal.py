"""The refusal decision: is the retrieved evidence strong enough to answer from, and do the
sentences chosen from it answer?

A small logistic model over evidence features, fitted by `eval/calibrate.py` on the three shared
dev sets and this project's dev gold sets (the sample report's and the multi-report questions).
Positives are questions asked of a set's index; negatives are the same questions asked of its
refusal variant (every question's gold paragraphs removed), and the gold sets' unanswerable
questions. The fitted weights and threshold are the defaults below; docs/answering.md ("Refusal")
gives the data and the resulting error rates.

The rules after the model refuse sentences that cannot answer: about another year than the one
asked, or without the figure or date asked for.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from ingest.scope import sentence_scope, years_in
from rag.evidence.retrieve import Hit
from rag.evidence.sentences import Sentence
from rag.figures.numbers import asks_for_date, asks_for_number, find_dates, find_numbers, is_figure
from rag.question.focus import Focus

FEATURES = ("coverage", "dense", "agree", "dense_margin", "subject")


def evidence_features(
    hits: Sequence[Hit], best_coverage: float, subject: float | None = None
) -> dict[str, float]:
    """coverage: weighted share of question terms in the best sentence (heading half-counts);
    dense: best cosine of the question and the top 3 paragraphs;
    agree: 1 when keyword and dense search both rank the top paragraph in their top 3;
    dense_margin: how far that cosine stands above the mean of all dense candidates, which
    carries across corpora and models better than the raw cosine;
    subject: weighted share of the question's specific words (rare in the index) that the best
    sentence and its headings hold, the coverage when the question has none: when many
    paragraphs look alike, the words that tell them apart are what must be there."""
    if not hits:
        return {"coverage": 0.0, "dense": 0.0, "agree": 0.0, "dense_margin": 0.0, "subject": 0.0}
    top = hits[0]
    agree = float(
        top.bm25_rank is not None
        and top.bm25_rank <= 3
        and top.dense_rank is not None
        and top.dense_rank <= 3
    )
    dense = max(h.dense_similarity for h in hits[:3])
    margin = dense - top.dense_background
    subject = best_coverage if subject is None else subject
    return {
        "coverage": best_coverage,
        "dense": dense,
        "agree": agree,
        "dense_margin": margin,
        "subject": subject,
    }


@dataclass(frozen=True)
class RefusalModel:
    # Fitted by `python -m eval.calibrate` on the three shared dev sets and this project's gold
    # sets for the sample report and for the multi-report dev questions (never on reports-dev or
    # the held-aside questions, whose figures docs/evaluation.md reports); docs/answering.md, "Refusal".
    weights: tuple[float, ...] = (1.075, -0.294, 0.339, 58.547, 1.862)
    bias: float = -4.042
    threshold: float = 0.04

    def probability(self, features: dict[str, float]) -> float:
        z = self.bias + sum(w * features[name] for w, name in zip(self.weights, FEATURES, strict=True))
        return 1.0 / (1.0 + math.exp(-z))


_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年")


def year_conflict(question: str, sentence: Sentence) -> bool:
    """The question names a year its best evidence never mentions, while that evidence names
    other years: "2020年培训了多少人次?" must not be answered from the 2021 report."""
    asked = set(_YEAR.findall(question))
    if not asked:
        return False
    para = sentence.paragraph
    context = " ".join([para.text, para.doc_title, *para.heading_path])
    stated = set(_YEAR.findall(context))
    return bool(stated) and not (asked & stated)


def lacks_asked_figure(question: str, texts: Sequence[str]) -> bool:
    """A question asking "多少/几/何时" whose chosen evidence holds no figure or date besides
    those the question states: quoting it would not answer, so the answerer refuses instead."""
    wants_number, wants_date = asks_for_number(question), asks_for_date(question)
    if not (wants_number or wants_date):
        return False
    joined = "".join(texts)
    figures = [m.text for m in find_numbers(joined) if is_figure(m)] if wants_number else []
    figures += find_dates(joined) if wants_date else []
    return not any(f not in question for f in figures)


def about_another_year(focus: Focus, sentence: Sentence) -> bool:
    """The sentence speaks about other years than the question asks about (the years it names,
    or those the sentence before it named; where the documents' years are known): its figures
    belong to another year."""
    if not focus.asked.years or "years" not in focus.applied:
        return False
    named = {y for y, _s, _e in years_in(sentence.text)}
    if named & set(focus.asked.years):
        return False
    # The years it names, or (naming none) those the sentence before it named.
    scope = sentence_scope(sentence.paragraph, *sentence.span)
    return bool(scope.years) and not any(scope.aspects_of(y) for y in focus.asked.years)
