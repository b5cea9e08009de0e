"""Multiple-choice forms of the free questions, with distractors of the same kind from the same
knowledge base: figures of the same unit nearest in magnitude (40822人次 against 6500余人次 and
50余万人次), quoted phrases of the same length, the other 答题要点. A figure a qualified one
could describe ("200余个" for 211个) is never a distractor. Pools are ordered once, so a bank of
thousands of questions takes a second or two.
"""

from __future__ import annotations

import bisect
import functools
import math
import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import replace

from rag.figures.numbers import figures, find_numbers
from study.questions import CHOICE, CLOZE, NUMBER, POINTS, Question, digest, plain, question_id


def with_choices(free: Sequence[Question]) -> list[Question]:
    """The multiple-choice form of each free question that has at least two distractors."""
    pools = {kind: _Pool(kind, answers) for kind, answers in _answers_by_kind(free).items()}
    out = []
    for q in free:
        if q.type == POINTS:
            continue  # a list is recalled, not picked from others
        distractors = pools[_kind(q)].distractors(q)
        if len(distractors) < 2:
            continue  # too few of the same kind: a choice between one wrong answer is no test
        options = [q.answer, *distractors]
        if q.type == NUMBER:
            options.sort(key=_number_value)
        else:
            options.sort(key=lambda o: digest(q.fact, o))
        stem = q.question.removeprefix("填空：")
        out.append(
            replace(
                q,
                type=CHOICE,
                question=stem,
                choices=tuple(options),
                id=question_id(CHOICE, q.doc_id, stem, q.answer),
            )
        )
    return out


def _kind(q: Question) -> str:
    """Distractors come from the same pool: figures of one unit, phrases of one length, exam points."""
    if q.type == NUMBER:
        return NUMBER + ":" + _unit(q.answer)
    if q.type == CLOZE:
        return f"{CLOZE}:{len(q.answer)}"
    return q.type


def _answers_by_kind(free: Sequence[Question]) -> dict[str, list[str]]:
    """Each kind's distinct answers (punctuation aside), first occurrence kept."""
    pools: dict[str, dict[str, str]] = defaultdict(dict)
    for q in free:
        pools[_kind(q)].setdefault(plain(q.answer), q.answer)
    return {kind: list(answers.values()) for kind, answers in pools.items()}


class _Pool:
    """The answers of one kind, ordered once so that choosing distractors for a question costs a
    few steps, not a pass over the whole knowledge base (thousands of questions per report set)."""

    def __init__(self, kind: str, answers: list[str]) -> None:
        self.numeric = kind.startswith(NUMBER)
        if self.numeric:
            self.order = sorted(answers, key=lambda a: (_magnitude(a), a))
            self.keys = [_magnitude(a) for a in self.order]
        else:
            self.order = sorted(answers, key=lambda a: digest(a))

    def distractors(self, q: Question, wanted: int = 3) -> list[str]:
        picked: list[str] = []
        for other in self._candidates(q):
            if plain(other) == plain(q.answer) or other in q.question:
                continue
            if self.numeric and _overlaps(q.answer, other):
                continue  # "200余个" would be right for 211个 too
            picked.append(other)
            if len(picked) == wanted:
                break
        return picked

    def _candidates(self, q: Question) -> Iterator[str]:
        if not self.numeric:
            # A walk from a place fixed by the question: deterministic, different per question.
            start = int(digest(q.fact), 16) % len(self.order)
            yield from self.order[start:] + self.order[:start]
            return
        # Nearest in magnitude first: 40822人次 is tested against 6500余人次, not against 5人次.
        target = _magnitude(q.answer)
        right = bisect.bisect_left(self.keys, target)
        left = right - 1
        while left >= 0 or right < len(self.order):
            take_left = right >= len(self.order) or (
                left >= 0
                and (target - self.keys[left], self.order[left])
                <= (self.keys[right] - target, self.order[right])
            )
            if take_left:
                yield self.order[left]
                left -= 1
            else:
                yield self.order[right]
                right += 1


def _overlaps(a: str, b: str) -> bool:
    """Two figures that could both be right: equal, or one qualified (余/多/超/约/近) and the
    other within 20% of it."""
    va, vb = _number_value(a), _number_value(b)
    if va == vb:
        return True
    qualified = any(re.search(r"余|多|超|约|近|逾", x) for x in (a, b))
    return qualified and abs(va - vb) <= 0.2 * max(va, vb)


@functools.cache
def _magnitude(answer: str) -> float:
    return math.log10(_number_value(answer) + 1)


@functools.cache
def _unit(answer: str) -> str:
    found = find_numbers(answer)
    return found[0].unit if found else ""


@functools.cache
def _number_value(answer: str) -> float:
    found = figures(answer)
    return found[0].value if found else 0.0
