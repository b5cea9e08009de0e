"""Checks a generated answer against the paragraphs it was given, before it is shown as trusted.

Per sentence: every `[n]` must name a provided paragraph; a sentence needs at least one; every
number, percentage and date in it must occur in the paragraph(s) it cites (the document title
and headings count: "2021年" often stands only there). The rules are code, so nothing a
paragraph or the model says can relax them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ingest.records import Paragraph
from rag.answer import CITATION_MARKER, REFUSAL_TEXT
from rag.numbers import find_numbers

# A sentence runs to 。！？；or a line break; the citation markers right after the end mark
# still belong to it ("……40822人次。[1]").
_SENTENCE = re.compile(r"[^。！？!?；;\n]+(?:[。！？!?；;]+|$)(?:\s*\[\d+\])*", re.MULTILINE)
_MAGNITUDE = {"万亿": 1e12, "亿": 1e8, "万": 1e4, "千": 1e3, "百": 1e2}
# Phrases with which a model says the material does not answer the question.
REFUSAL_PHRASES = (
    "没有找到",
    "未找到",
    "没有提及",
    "未提及",
    "没有相关",
    "无法回答",
    "无法从",
    "不包含",
    "没有提供",
)


@dataclass(frozen=True)
class SentenceCheck:
    text: str
    start: int  # offsets in the answer text, so the UI can mark the sentence
    end: int
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class Verification:
    sentences: tuple[SentenceCheck, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.sentences)

    @property
    def problems(self) -> list[str]:
        return [p for s in self.sentences for p in s.problems]

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "problems": self.problems}


def answer_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence; "X。依据：……[1]" is one statement with its source."""
    spans = [(m.start(), m.end()) for m in _SENTENCE.finditer(text) if m.group(0).strip()]
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and text[start:end].lstrip().startswith(("依据：", "依据:")):
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def is_refusal(text: str) -> bool:
    plain = CITATION_MARKER.sub("", text)
    return REFUSAL_TEXT in plain or any(p in plain for p in REFUSAL_PHRASES)


def figure_values(text: str) -> set[tuple[float, bool]]:
    """Every number in `text` as (value, is_percentage): "50余万" -> (500000.0, False)."""
    values = set()
    for mention in find_numbers(unicodedata.normalize("NFKC", text)):
        value = _value(mention.text)
        if value is not None:
            values.add((value, mention.unit in ("%", "％")))
    return values


def _value(raw: str) -> float | None:
    m = re.match(r"(\d[\d,]*(?:\.\d+)?)\s*(?:余|多)?\s*(万亿|亿|万|千|百)?", raw)
    if not m:
        return None
    try:
        number = float(m.group(1).replace(",", ""))
    except ValueError:
        return None
    return round(number * _MAGNITUDE.get(m.group(2) or "", 1.0), 6)


def _context(paragraph: Paragraph) -> str:
    return " ".join([paragraph.doc_title, *paragraph.heading_path, paragraph.text])


def _check_sentence(n: int, sentence: str, sources: Mapping[int, Paragraph]) -> tuple[str, ...]:
    problems: list[str] = []
    cited = [int(m) for m in CITATION_MARKER.findall(sentence)]
    invalid = sorted({c for c in cited if c not in sources})
    for c in invalid:
        problems.append(f"第{n}句引用了不存在的资料 [{c}]")
    valid = sorted({c for c in cited if c in sources})
    plain = CITATION_MARKER.sub("", sentence).strip()
    if not valid:
        if not cited and not is_refusal(plain):
            problems.append(f"第{n}句没有标注出处：“{_short(plain)}”")
        return tuple(problems)
    allowed: set[tuple[float, bool]] = set()
    for c in valid:
        allowed |= figure_values(_context(sources[c]))
    marks = "".join(f"[{c}]" for c in valid)
    for mention in find_numbers(unicodedata.normalize("NFKC", plain)):
        value = _value(mention.text)
        if value is None:
            continue
        if (value, mention.unit in ("%", "％")) not in allowed:
            problems.append(f"第{n}句中的“{mention.text}”在所引段落 {marks} 中找不到")
    return tuple(problems)


def _short(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[:limit] + "……"


def verify(text: str, sources: Mapping[int, Paragraph]) -> Verification:
    """Check `text` against `sources` (citation number -> the paragraph given under it)."""
    checks = []
    for i, (start, end) in enumerate(answer_sentences(text), start=1):
        sentence = text[start:end]
        checks.append(SentenceCheck(sentence, start, end, _check_sentence(i, sentence, sources)))
    return Verification(tuple(checks))
