"""Evaluation metrics: pure functions over ids and strings."""

from __future__ import annotations

import math
import re
import statistics
import unicodedata
from collections.abc import Sequence

_SPACE = re.compile(r"\s+")


def normalize_answer(text: str) -> str:
    """NFKC, lower case, no white space: the eval sets' matching rule."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text).lower())


def answer_correct(
    answer: str, answers: Sequence[str], groups: Sequence[Sequence[str]], match: str = "any"
) -> bool:
    """`any`: some accepted string occurs in the answer; `all_groups`: every group has one."""
    text = normalize_answer(answer)
    if match == "all_groups":
        return bool(groups) and all(any(normalize_answer(a) in text for a in g) for g in groups)
    return any(normalize_answer(a) in text for a in answers if a.strip())


def hit_at(ranked: Sequence[str], gold: set[str], k: int) -> float:
    return float(any(pid in gold for pid in ranked[:k]))


def reciprocal_rank(ranked: Sequence[str], gold: set[str], k: int = 10) -> float:
    for i, pid in enumerate(ranked[:k], start=1):
        if pid in gold:
            return 1.0 / i
    return 0.0


def recall_at(ranked: Sequence[str], gold: set[str], k: int) -> float:
    return len(gold & set(ranked[:k])) / len(gold) if gold else 0.0


def mean(values: Sequence[float]) -> float:
    return statistics.fmean(values) if values else 0.0


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, math.ceil(q / 100 * len(ordered)) - 1))
    return ordered[index]


def contains_answer(text: str, answers: Sequence[str]) -> bool:
    normalized = normalize_answer(text)
    return any(normalize_answer(a) in normalized for a in answers if a.strip())


def citation_precision(cited_texts: dict[str, str], gold: set[str], answers: Sequence[str]) -> float:
    """Share of cited paragraphs that are gold or contain an accepted answer string."""
    if not cited_texts:
        return 0.0
    good = [pid in gold or contains_answer(text, answers) for pid, text in cited_texts.items()]
    return sum(good) / len(good)


def citation_recall(cited_texts: dict[str, str], groups: Sequence[Sequence[str]]) -> float:
    """Share of the answer's facts (answer groups) that a cited paragraph backs, i.e. contains
    one of the group's accepted strings. With one group: is the answer's source cited."""
    if not groups:
        return 0.0
    return sum(any(contains_answer(t, g) for t in cited_texts.values()) for g in groups) / len(groups)


def figures_in(text: str) -> list[str]:
    """Numbers, percentages and dates of a text (citation markers [n] are not figures)."""
    from rag.answer import CITATION_MARKER
    from rag.numbers import find_dates, find_numbers

    clean = CITATION_MARKER.sub("", text)
    return [m.text for m in find_numbers(clean)] + find_dates(clean)


def numbers_supported(answer: str, cited_texts: Sequence[str]) -> bool:
    """Every number, percentage and date of the answer occurs in a cited paragraph."""
    sources = normalize_answer("".join(cited_texts))
    return all(normalize_answer(f) in sources for f in figures_in(answer))
