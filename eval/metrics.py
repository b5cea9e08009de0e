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
