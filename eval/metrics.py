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


# What a reader takes as the answer when an extractive answer leads with a figure:
# "6.7%。依据：……[1]" -> "6.7%"; the quoted evidence after it is not the answer.
LEAD_SEPARATORS = ("依据：", "依据:")
_MARKER = re.compile(r"\[\d+\]")
# Characters a number is written with; an accepted "6.7%" must not match inside "16.7%".
_NUMERIC = set("0123456789.,零〇○一二两三四五六七八九十百千万亿")


def answer_correct(
    answer: str,
    answers: Sequence[str],
    groups: Sequence[Sequence[str]],
    match: str = "any",
    strict: bool = False,
) -> bool:
    """`any`: some accepted string occurs in the answer; `all_groups`: every group has one.

    Loose (the eval sets' own rule): anywhere in the answer text. Strict (the headline figure):
    citation markers are stripped, only the lead counts when the answer has one (see
    `strict_text`), and an accepted string must not sit inside a longer number."""
    if strict:
        text = normalize_answer(strict_text(answer))
        found = lambda a: occurs_as_whole(normalize_answer(a), text)  # noqa: E731
    else:
        text = normalize_answer(answer)
        found = lambda a: normalize_answer(a) in text  # noqa: E731
    if match == "all_groups":
        return bool(groups) and all(any(found(a) for a in g if a.strip()) for g in groups)
    return any(found(a) for a in answers if a.strip())


def strict_text(answer: str) -> str:
    """The part of an answer a reader takes as the answer: the lead before "依据：" when there
    is one, else the whole text; citation markers removed."""
    for separator in LEAD_SEPARATORS:
        if separator in answer:
            answer = answer.split(separator, 1)[0]
            break
    return _MARKER.sub("", answer)


def occurs_as_whole(needle: str, text: str) -> bool:
    """`needle` occurs in `text`, and where it starts or ends with a digit it is not part of a
    longer number there ("6.7%" is not in "16.7%", "100万" is not in "1100万")."""
    if not needle:
        return False
    start = text.find(needle)
    while start >= 0:
        end = start + len(needle)
        before_ok = not (needle[0] in _NUMERIC and start > 0 and text[start - 1] in _NUMERIC - {","})
        after_ok = not (needle[-1] in _NUMERIC and end < len(text) and text[end] in _NUMERIC - {","})
        if before_ok and after_ok:
            return True
        start = text.find(needle, start + 1)
    return False


def wilson_interval(successes: float, n: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson score interval of a proportion (sensible for small n and rates near 0 or 1)."""
    if n <= 0:
        return (0.0, 1.0)
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return (max(0.0, centre - half), min(1.0, centre + half))


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
    from rag.figures.numbers import find_dates, find_numbers
    from rag.records import CITATION_MARKER

    clean = CITATION_MARKER.sub("", text)
    return [m.text for m in find_numbers(clean)] + find_dates(clean)


# "据《2031年某市政府工作报告》（回顾2030年）：", "据《……》“（三）……”部分，主要有以下几点：" say which
# report, year and part an answer quotes: the product's own metadata, not a figure taken from the
# paragraph; nor is a prose answer's numbering of its points ("1. ").
# Only the leads the product writes: 据《title》, a year note "（…）", a part "“…”部分", and a
# short intro ("，主要有以下几点") before the colon; nothing of the answer's own text.
_PROVENANCE = re.compile(r"据《[^》]*》(?:（[^）]*）)?(?:“[^”]*”部分)?(?:，[^：\n，。]{0,12})?：")
_POINT_NUMBER = re.compile(r"^\d{1,2}\.\s", re.MULTILINE)


def numbers_supported(answer: str, cited_texts: Sequence[str]) -> bool:
    """Every number, percentage and date of the answer occurs in a cited paragraph."""
    sources = normalize_answer("".join(cited_texts))
    stated = _POINT_NUMBER.sub("", _PROVENANCE.sub("", answer))
    return all(normalize_answer(f) in sources for f in figures_in(stated))


_DASHES = str.maketrans({"－": "-", "—": "-", "–": "-", "~": "-", "～": "-", "至": "-"})


def _cell_text(text: str) -> str:
    return normalize_answer(text).translate(_DASHES)


def _row_key(key: str) -> str:
    """ "2014年" and "2014" are one row; so are "四川省" and "四川"."""
    key = unicodedata.normalize("NFKC", key).strip().removesuffix("年")
    return re.sub(r"(?:省|市|自治区|壮族自治区|回族自治区|维吾尔自治区|特别行政区)$", "", key)


def table_scores(gold: dict[str, list[str] | None], rows: Sequence[dict[str, object]]) -> dict[str, float]:
    """Per-cell scores of a table answer (`kb ask --json`'s "table") against an answer_table:
    a cell is right when its text equals an accepted one (strict) or either contains the other
    (loose); a row marked null is right only when shown as missing. A row the answer lacks is
    wrong (or, for a null row, right: nothing was filled)."""
    ours = {_row_key(str(r.get("key", ""))): r for r in rows}
    right = loose = filled_uncovered = uncovered = 0
    for key, accepted in gold.items():
        row = ours.get(_row_key(key))
        filled = row is not None and row.get("missing") is None and row.get("value") is not None
        if accepted is None:
            uncovered += 1
            filled_uncovered += int(filled)
            right += int(not filled)
            loose += int(not filled)
            continue
        if not filled or row is None:
            continue
        text = _cell_text(str(row.get("text", "")))
        wanted = [_cell_text(a) for a in accepted]
        right += int(text in wanted)
        loose += int(any(w in text or (text and text in w) for w in wanted))
    return {
        "table_cells": float(len(gold)),
        "table_cells_right": float(right),
        "table_cells_right_loose": float(loose),
        "table_right": float(right == len(gold)),
        "table_uncovered": float(uncovered),
        "table_filled_uncovered": float(filled_uncovered),
    }


# Key points are counted in what a reader reads first: an answer that pastes a whole section
# "contains" every point, and is no answer (DuReader-style description questions).
KEY_POINT_WINDOW = 600


def key_point_text(answer: str, window: int = KEY_POINT_WINDOW) -> str:
    """The answer as key points are looked for in it: citation markers and white space removed,
    NFKC and lower case, cut to its first `window` characters."""
    return normalize_answer(_MARKER.sub("", answer))[:window]


def key_points_named(answer: str, key_points: Sequence[str], window: int = KEY_POINT_WINDOW) -> list[bool]:
    """For each key point, whether the answer names it (within its first `window` characters)."""
    text = key_point_text(answer, window)
    return [bool(k.strip()) and normalize_answer(k) in text for k in key_points]


def key_point_recall(answer: str, key_points: Sequence[str], window: int = KEY_POINT_WINDOW) -> float:
    """Share of the key points the answer names (see key_points_named); 0 with none."""
    named = key_points_named(answer, key_points, window)
    return sum(named) / len(named) if named else 0.0


def share_from_document(paragraph_ids: Sequence[str], doc_id: str) -> float:
    """Share of cited paragraphs (`<doc id>#<n>`) that belong to the document `doc_id`."""
    if not paragraph_ids:
        return 0.0
    return sum(pid.rpartition("#")[0] == doc_id for pid in paragraph_ids) / len(paragraph_ids)


def bootstrap_interval(values: Sequence[float], resamples: int = 2000, seed: int = 0) -> tuple[float, float]:
    """95% percentile-bootstrap interval of a mean (a fixed seed: the same figures every run).
    For means of fractions such as key-point recall, where a Wilson interval does not apply."""
    if not values:
        return (0.0, 1.0)
    import random

    rng = random.Random(seed)
    n = len(values)
    means = sorted(sum(rng.choice(values) for _ in range(n)) / n for _ in range(resamples))
    return (means[int(0.025 * resamples)], means[int(0.975 * resamples) - 1])
