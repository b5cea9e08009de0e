"""Checks a generated answer against the paragraphs it was given, before it is shown as trusted.

Per sentence: every `[n]` must name a provided paragraph; a sentence needs at least one; every
number, percentage and date in it must occur in the paragraph(s) it cites (the document title
and headings count: "2021年" often stands only there). The rules are code, so nothing a
paragraph or the model says can relax them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from ingest.records import Paragraph
from rag.figures.numbers import asks_for_date, asks_for_number, figure_values, figures
from rag.records import CITATION_MARKER, REFUSAL_TEXT

# A sentence runs to 。！？ or a line break (not ；: "一是……；二是……[1]" is one statement); closing
# quotes and the citation markers right after the end mark still belong to it ("……40822人次。[1]").
_SENTENCE = re.compile(r"[^。！？!?\n]+(?:[。！？!?]+[”’」』）)]*|$)(?:\s*\[\d+\])*", re.MULTILINE)
# A run of text closed by its citation markers: the unit of an extractive answer ("A。B。[1]"
# quotes two sentences of paragraph [1]).
_CITED_RUN = re.compile(r"[^\[\n]*?(?:\[\d+\])+|[^\n]+")
# List markers ("1. ", "（2）") at the start of a sentence or after a clause break are not figures.
_LIST_NUMBER = re.compile(r"(?:^|(?<=[；;，,：:\s]))\s*(?:\d{1,2}[.、)）](?!\d)|[（(]\d{1,2}[)）])\s*")
_CLOSING_QUOTE = ("”", "’", "」", "』")
_QUOTE = re.compile(r"“([^”]*)”")
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
    spans = [(m.start(), m.end()) for m in _SENTENCE.finditer(text) if re.search(r"\w", m.group(0))]
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        joined = text[start:end].lstrip().startswith(("依据：", "依据:"))
        # A quotation and its attribution are one statement: "“……。”该负责人介绍[3]。"
        quoted = bool(merged) and text[merged[-1][1] - 1] in _CLOSING_QUOTE and not text[start].isspace()
        if merged and (joined or quoted):
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def cited_runs(text: str) -> list[tuple[int, int]]:
    """(start, end) of each run of text up to and including its citation markers."""
    # A trailing "。" after the last marker is no statement of its own.
    return [(m.start(), m.end()) for m in _CITED_RUN.finditer(text) if re.search(r"\w", m.group(0))]


def is_refusal(text: str) -> bool:
    plain = CITATION_MARKER.sub("", text)
    return REFUSAL_TEXT in plain or any(p in plain for p in REFUSAL_PHRASES)


def _context(paragraph: Paragraph) -> str:
    """What a figure in an answer may come from: the paragraph, its headings, its report's title
    and the years the paragraph speaks about (the 2012 report's review is about 2011, which an
    answer may say: "据《2012年政府工作报告》（回顾2011年）")."""
    meta = paragraph.meta.title if paragraph.meta else ""
    years = " ".join(f"{y}年" for y, _a in paragraph.scope.years)
    return " ".join([paragraph.doc_title, meta, years, *paragraph.heading_path, paragraph.text])


def _check(label: str, sentence: str, sources: Mapping[int, Paragraph], question: str) -> tuple[str, ...]:
    problems: list[str] = []
    cited = [int(m) for m in CITATION_MARKER.findall(sentence)]
    for c in sorted({c for c in cited if c not in sources}):
        problems.append(f"{label}引用了不存在的资料 [{c}]")
    valid = sorted({c for c in cited if c in sources})
    plain = _LIST_NUMBER.sub("", CITATION_MARKER.sub("", sentence)).strip()
    found = figures(plain)
    if not valid:
        # Only a plain "not in the material" needs no source: its clauses saying so may repeat
        # the question's figures ("没有提及2020年的数据"); any other clause stating a figure, or
        # any sentence without such a phrase, needs a citation.
        asked = figure_values(question)
        # The question quoted back ("关于“2020年培训了多少人次”，……没有找到") states nothing.
        unquoted = _QUOTE.sub(lambda m: "" if m.group(1) and m.group(1) in question else m.group(0), plain)
        stated = [
            f
            for clause in re.split(r"[，,；;]", unquoted)
            for f in figures(clause)
            if not is_refusal(clause) or (f.value, f.percent) not in asked
        ]
        if not cited and (stated or not is_refusal(plain)):
            problems.append(f"{label}没有标注出处：“{_short(plain)}”")
        return tuple(problems)
    allowed: set[tuple[float, bool]] = set()
    for c in valid:
        allowed |= figure_values(_context(sources[c]))
    marks = "".join(f"[{c}]" for c in valid)
    for figure in found:
        if (figure.value, figure.percent) not in allowed:
            problems.append(f"{label}中的“{figure.text}”在所引段落 {marks} 中找不到")
    return tuple(problems)


def cross_check(question: str, text: str, lead: str) -> str:
    """A problem when a generated answer to a "多少/何时" question does not contain the figure
    the extractive answerer found for it: both may cite the same paragraph, but one of them
    answers a different question ("示范村" asked, the 规范村 figure given). "" when they agree."""
    if not lead or not (asks_for_number(question) or asks_for_date(question)):
        return ""
    expected = figure_values(lead)
    if not expected or expected & figure_values(CITATION_MARKER.sub("", text)):
        return ""
    return f"回答中的数字与原文摘录答案（{lead}）不一致，请核对"


def with_problem(verification: Verification, problem: str) -> Verification:
    """`verification` plus a problem of the whole answer, put on its first sentence stating a
    figure (the one a reader compares), else on its first sentence."""
    checks = list(verification.sentences)
    if not checks:
        return Verification((SentenceCheck("", 0, 0, (problem,)),))
    at = next((i for i, c in enumerate(checks) if figures(CITATION_MARKER.sub("", c.text))), 0)
    checks[at] = replace(checks[at], problems=(*checks[at].problems, problem))
    return Verification(tuple(checks))


def _short(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[:limit] + "……"


def verify(
    text: str, sources: Mapping[int, Paragraph], question: str = "", by_citation: bool = False
) -> Verification:
    """Check `text` against `sources` (citation number -> the paragraph given under it).

    Sentence by sentence for a generated answer; `by_citation` checks each run of text up to
    its markers instead (an extractive answer quotes whole sentences under one marker)."""
    checks = []
    spans = cited_runs(text) if by_citation else answer_sentences(text)
    for i, (start, end) in enumerate(spans, start=1):
        sentence = text[start:end]
        label = f"第{i}段" if by_citation else f"第{i}句"
        checks.append(SentenceCheck(sentence, start, end, _check(label, sentence, sources, question)))
    return Verification(tuple(checks))
