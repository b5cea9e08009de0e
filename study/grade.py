"""Grading a typed or chosen answer against the source's wording.

Figures are compared by value, whatever their form: "40822人次", "40,822人次", "４０８２２",
"四万零八百二十二", "4.0822万人次". A qualifier (余/多/超/约/近/以上) does not change the
value: "50万人次" answers "50余万人次", and the note shows the source's exact wording. Text is
compared after removing punctuation, spaces and quote marks and unifying full/half width; the
wording of a fixed phrase is what is being learnt, so a near miss is pointed out but not passed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from difflib import SequenceMatcher

from rag.figures.numbers import UNITS, cn_value, figures, find_numbers
from study.questions import CHOICE, NUMBER, POINT_SEPARATOR, POINTS, Question

_QUALIFIER = re.compile(r"余|多|超过|超|约|近|逾|以上|左右|大约|接近|将近")
_ABOVE = re.compile(r"余|多|超|逾|以上")  # more than the figure
_BELOW = re.compile(r"近|接近|将近|不到|不足")  # just under it: contradicts "50余万"
_NEGATION = re.compile(r"不是|并非|没有|少于|低于|不止|不到|不足")
_CN_NUMERAL = re.compile(r"[零〇一二两三四五六七八九十百千万亿点]+")
_UNIT_AT_END = re.compile(rf"(?:{UNITS}|%|％)$")
_NUMBER_UNIT = re.compile(
    rf"(?:\d[\d,]*(?:\.\d+)?|[零〇一二两三四五六七八九十百千万亿点]+)(?:余|多)?(?:万亿|亿|万|千)?(?:余|多)?"
    rf"(?P<unit>{UNITS}|%|％)"
)
_PEOPLE = {"人", "名", "位"}
_LETTER = re.compile(r"^([A-Fa-f])[.)、．]?$")
_NEAR_MISS = 0.8  # similarity from which a wrong answer is called close
_ASKED_MAGNITUDE = re.compile(r"多少(万亿|亿|万|千)")


@dataclass(frozen=True)
class Grade:
    correct: bool
    expected: str
    given: str
    note: str = ""  # shown under the verdict, in Chinese


def grade(question: Question, given: str) -> Grade:
    given = (given or "").strip()
    if not given:
        return Grade(False, question.answer, given, "未作答。")
    if question.type == CHOICE:
        return _grade_choice(question, given)
    if question.type == NUMBER:
        return _grade_number(question, given)
    if question.type == POINTS:
        return grade_points(question.answer, given)
    return _grade_text(question.answer, given)


# A point counts as named when the answer holds this share of its character pairs (its own words,
# in any order and with other words around them): "上门走访" names "开展“上门走访”活动".
_POINT_NAMED = 0.5
_PASS_SHARE = 0.6  # a list is known when most of its points are named


def points_named(expected: str, given: str) -> list[bool]:
    """For each point of a `points` answer, whether `given` names it."""
    got = _pairs(normalize(given))
    out = []
    for point in expected.split(POINT_SEPARATOR):
        want = _pairs(normalize(point))
        out.append(bool(want) and len(want & got) >= _POINT_NAMED * len(want))
    return out


def grade_points(expected: str, given: str) -> Grade:
    """Right when at least 60% of the points are named; the note says which were."""
    named = points_named(expected, given)
    points = expected.split(POINT_SEPARATOR)
    missed = [p for p, n in zip(points, named, strict=True) if not n]
    note = f"答出 {sum(named)}/{len(points)} 个要点。"
    if missed:
        note += "未答出：" + "；".join(missed) + "。"
    return Grade(sum(named) >= _PASS_SHARE * len(points), expected, given, note)


def _pairs(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


def normalize(text: str) -> str:
    """Full/half width unified, case folded, punctuation, symbols and spaces removed."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in text if unicodedata.category(ch)[0] not in "PZSC")


def _grade_choice(question: Question, given: str) -> Grade:
    letter = _LETTER.match(unicodedata.normalize("NFKC", given))
    if letter and ord(letter.group(1).upper()) - ord("A") < len(question.choices):
        given = question.choices[ord(letter.group(1).upper()) - ord("A")]  # "B" typed in the terminal
    if normalize(given) == normalize(question.answer):
        return Grade(True, question.answer, given)
    if letter:
        return Grade(False, question.answer, given, f"只有 {len(question.choices)} 个选项。")
    if _number_answer(question.answer):
        return _grade_number(question, given)
    return Grade(False, question.answer, given)


def _grade_text(expected: str, given: str) -> Grade:
    want, got = normalize(expected), normalize(given)
    if want == got:
        return Grade(True, expected, given)
    if SequenceMatcher(None, want, got).ratio() >= _NEAR_MISS:
        return Grade(False, expected, given, "很接近了，但与原文有个别字不同，请对照原文记准表述。")
    return Grade(False, expected, given)


def _grade_number(question: Question, given: str) -> Grade:
    expected = _number_answer(question.answer)
    if expected is None:
        return _grade_text(question.answer, given)
    value, written, unit = expected
    text = unicodedata.normalize("NFKC", given).replace(" ", "")
    wrong = Grade(False, question.answer, given)
    if _NEGATION.search(text):
        return replace(wrong, note="请直接写出原文中的数字。")
    values = _values(text)
    if not values:
        return replace(wrong, note="没有读出数字，请填写数字（阿拉伯数字或汉字均可）。")
    if len(values) > 1:
        return replace(wrong, note="请只写一个数。")
    (got,) = values
    given_unit = _unit(text)
    # "多少万元" answered "3600": the number as the question counts it.
    bare = (
        bool(_ASKED_MAGNITUDE.search(question.question))
        and not given_unit
        and not re.search(r"[万亿千]", text)
    )
    if not (_close(got, value) or (bare and _close(got, written))):
        if abs(got - value) <= 0.1 * abs(value):
            return replace(wrong, note=f"接近了，原文是“{question.answer}”。")
        return wrong
    # "16镇" answers "多少个镇": the counted thing in place of the measure word.
    counted = f"多少{unit}{given_unit}" in question.question
    if given_unit and unit and not (_same_unit(given_unit, unit) or counted):
        return replace(wrong, note=f"单位不对：应为“{unit}”。")
    if _ABOVE.search(question.answer) and _BELOW.search(text):
        return replace(wrong, note=f"原文是“{question.answer}”，是超过这个数，不是接近这个数。")
    if _QUALIFIER.search(question.answer) and not _QUALIFIER.search(text):
        return Grade(True, question.answer, given, f"数值正确；原文表述为“{question.answer}”。")
    return Grade(True, question.answer, given)


def _number_answer(answer: str) -> tuple[float, float, str] | None:
    """(value, the number as written without its magnitude, unit): "3600万元" -> (3.6e7, 3600, "元")."""
    found = figures(answer)
    mentions = find_numbers(unicodedata.normalize("NFKC", answer))
    if not found or not mentions:
        return None
    written = float(re.sub(r"[^\d.]", "", mentions[0].text.split("万")[0].split("亿")[0]) or 0)
    return found[0].value, written, mentions[0].unit


def _values(text: str) -> list[float]:
    """The distinct values of the numbers in an answer."""
    values = sorted({round(f.value, 6) for f in figures(text)})
    if values:
        return values
    # A bare Chinese numeral has no unit for `figures` to anchor on: "四万零八百二十二".
    bare = _UNIT_AT_END.sub("", _QUALIFIER.sub("", text))
    value = cn_value(bare) if _CN_NUMERAL.fullmatch(bare) else None
    return [value] if value is not None else []


def _unit(text: str) -> str:
    """The unit right after the answer's number ("16个镇" -> "个"), not whatever word ends it."""
    m = _NUMBER_UNIT.search(text)
    return m.group("unit") if m else ""


def _same_unit(given: str, expected: str) -> bool:
    # "％" is "%" at another width; 人/名/位 all count people.
    given, expected = given.replace("％", "%"), expected.replace("％", "%")
    return given == expected or {given, expected} <= _PEOPLE


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-6 * max(1.0, abs(b))
