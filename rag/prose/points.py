"""The points of an answer: from one paragraph (its statements, or those about the topic), from
a section (each part's title first, then its statements while there is room), or from a list
(its items). Every point is a clause of the report, in its words, with where it stands."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ingest.records import Paragraph
from rag.prose import statements as st
from rag.prose.outline import Node, enumerator
from rag.question.focus import TermWeights
from rag.question.kind import ProseKind
from rag.question.topic import coverage

MAX_POINTS = 8
# The points' own text; their numbers, citation marks and the lead line bring an answer to ~500.
MAX_CHARS = 420
# An outline lists every part when its titles fit (a report of thirteen parts has thirteen).
MAX_PARTS = 16


# Which paragraphs an answer may quote (the search filter's documents and exclusions).
Allows = Callable[[Paragraph], bool]
_CJK = re.compile(r"[\u4e00-\u9fff]")
# An item marker written inside a paragraph ("一是，", "二要", "其次，"); not "一则" (a measure
# word: "一则通知"), nor "最后" without its comma ("最后一公里").
_ITEM_MARKER = re.compile(r"[一二三四五六七八九十](?:是|要)[，,、：:]?|(?:首先|其次|再次|最后)[，,、：:]")


@dataclass(frozen=True)
class Excerpt:
    """One point, before it is numbered and cited: the clause of `paragraph` at `span`
    (`text == paragraph.text[span]`), or, with no span, a heading's title and the first paragraph
    under it (what its citation shows)."""

    text: str
    paragraph: Paragraph
    span: tuple[int, int] | None


def excerpt(p: Paragraph, span: tuple[int, int]) -> Excerpt | None:
    """The point at `span` of the paragraph: without an exam label, a leading connective or an
    enumerator ("（一）", "一是，"), white space or end marks; None when fewer than two Chinese
    characters are left (a paragraph that is only "（一）")."""
    s, e = st.without_label(p.text, span)
    opened = enumerator(p.text[s:e])
    s += opened[1] if opened else 0
    item = _ITEM_MARKER.match(p.text, s, e)
    s = item.end() if item else s
    text = p.text[s:e]
    s += len(text) - len(text.lstrip(st.TRAILING))
    e = s + len(p.text[s:e].rstrip(st.TRAILING))
    if len(_CJK.findall(p.text[s:e])) < 2:
        return None
    return Excerpt(p.text[s:e], p, (s, e))


def title_span(node: Node) -> tuple[int, int] | None:
    """Where a lead's or paragraph's title stands, without its enumerator, label and end mark."""
    if node.paragraph is None or node.span is None:
        return None
    text = node.paragraph.text
    s, e = node.span
    opened = enumerator(text[s:])
    s += opened[1] if opened else 0
    label = st.LABEL.match(text, s)
    s = label.end() if label else s
    e = s + len(text[s:e].rstrip(st.TRAILING))
    return (s, e) if e - s >= 2 else None


def paragraph_columns(
    p: Paragraph,
    terms: Sequence[str],
    weights: TermWeights,
    start: int = 0,
    narrow: bool = False,
    titled: bool = False,
) -> list[list[Excerpt]]:
    """A paragraph's statements as columns of points (a long statement split into clause
    groups). All of them when the paragraph is about the topic from its opening (a topic
    sentence, `titled`: the rest carries it out); else, or when `narrow` (why / what), the
    statement most about the topic and those after it that still are, with the short sentence
    or the "……：" lead-in before it."""
    spans = st.statements(p.text, start)
    if not spans:
        return []
    rel = [coverage(p.text[a:b], terms, weights) for a, b in spans]
    best = max(range(len(spans)), key=lambda i: (rel[i], -i))
    if not narrow and (best == 0 or rel[0] >= 0.25 or titled or rel[best] <= rel[0] + 0.15):
        window = list(range(len(spans)))
    else:
        window = [best]
        for j in range(best + 1, len(spans)):
            # A reason or a definition often goes on in the next sentences without the words.
            if rel[j] <= 0.0 and not (narrow and j - best <= 2):
                break
            window.append(j)
        if best > 0:
            before = p.text[spans[best - 1][1] : spans[best][0]]
            short = spans[best - 1][1] - spans[best - 1][0] <= 30
            if before.strip().startswith(("：", ":")) or (narrow and short):
                window.insert(0, best - 1)
    columns = []
    for i in window:
        if st.QUESTION.search(p.text[spans[i][0] : spans[i][1] + 1]):
            continue  # an exam question restates the question
        column = [x for g in st.clause_groups(p.text, spans[i]) if (x := excerpt(p, g)) is not None]
        if column:
            columns.append(column)
    return columns


def paragraph_points(
    p: Paragraph,
    terms: Sequence[str],
    weights: TermWeights,
    start: int = 0,
    narrow: bool = False,
    titled: bool = False,
) -> list[Excerpt]:
    """A paragraph's points in the order `take` gives them room (see paragraph_columns)."""
    return round_robin(paragraph_columns(p, terms, weights, start, narrow, titled))


def visible(node: Node, allows: Allows) -> list[Paragraph]:
    """The paragraphs under a part that the answer may quote."""
    return [p for p in node.paragraphs() if allows(p)]


def section_points(node: Node, terms: Sequence[str], weights: TermWeights, allows: Allows) -> list[Excerpt]:
    """A section's points: each part under it by its title (a heading, a lead or topic
    sentence), untitled by its opening, then the parts' statements in turn while there is room.
    A lead's own text after its title is the first part. Parts the answer may not quote are
    left out, a heading with none left under it too."""
    columns: list[list[Excerpt]] = []
    if (
        node.kind == "lead"
        and node.paragraph is not None
        and node.span is not None
        and allows(node.paragraph)
    ):
        own = paragraph_points(node.paragraph, terms, weights, start=node.span[1], titled=True)
        if own:
            columns.append(own)
    for child in node.children:
        p = child.paragraph
        if child.kind == "heading":
            paras = visible(child, allows)
            if paras:
                columns.append([Excerpt(child.title, paras[0], None)])
            continue
        if p is None or not allows(p) or st.QUESTION.search(p.text):
            continue
        column: list[Excerpt] = []
        span = title_span(child)
        if span is not None and child.span is not None:
            title = excerpt(p, span)
            column += [title] if title else []
            column += paragraph_points(p, terms, weights, start=child.span[1], titled=True)
        else:
            column += paragraph_points(p, terms, weights)
        if column:
            columns.append(column)
    return round_robin(columns)


def round_robin(columns: Sequence[Sequence[Excerpt]]) -> list[Excerpt]:
    """The columns' points a row at a time (every part's first, then every part's second, …):
    the order in which `take` gives them room."""
    out: list[Excerpt] = []
    depth = 0
    while any(depth < len(c) for c in columns):
        out += [c[depth] for c in columns if depth < len(c)]
        depth += 1
    return out


def report_order(x: Excerpt) -> tuple[str, int, int]:
    """Where a point stands in its report (a heading's title before its first paragraph)."""
    return (x.paragraph.doc_id, x.paragraph.number, x.span[0] if x.span is not None else -1)


# A short point left over (a list's item) may join the short one before it up to this length.
MAX_JOINED = 80


def take(points: Sequence[Excerpt], most: int = MAX_POINTS) -> list[Excerpt]:
    """The first `most` points (in the order given: the most important first) within
    MAX_CHARS, no text twice, in report order. A point left over that directly follows a chosen
    one in its paragraph joins it while the two stay short (a list's items stay together)."""
    chosen: list[Excerpt] = []
    left: list[Excerpt] = []
    used = 0
    for x in points:
        if any(x.text == y.text for y in chosen):
            continue
        if len(chosen) < most and used + len(x.text) <= MAX_CHARS:
            chosen.append(x)
            used += len(x.text)
        else:
            left.append(x)
    for x in sorted(left, key=report_order):
        if x.span is None:
            continue
        for i, y in enumerate(chosen):
            p = y.paragraph
            if y.span is None or p is not x.paragraph:
                continue
            follows = y.span[1] <= x.span[0] and not p.text[y.span[1] : x.span[0]].strip(st.TRAILING)
            joined = x.span[1] - y.span[0]
            short = len(x.text) <= MAX_JOINED // 2
            if follows and short and joined <= MAX_JOINED and used + len(x.text) <= MAX_CHARS:
                chosen[i] = Excerpt(p.text[y.span[0] : x.span[1]], p, (y.span[0], x.span[1]))
                used += len(x.text)
                break
    return sorted(chosen, key=report_order)


# The connectives with which Chinese gives a reason or a purpose ("之所以……是因为", "旨在").
REASON = re.compile(r"因为|由于|之所以|原因|为了|旨在|目的|以便|从而|关键在于|根本在于|有利于|有助于|为此")
# How a report says what a term is ("是指", "即", "包括", "：").
DEFINES = re.compile(r"是指|指的是|即|就是|也就是|包括|主要是|分别是|[:：]")
_QUOTED = re.compile(r"[“\"]([^”\"]{1,20})[”\"]")


def lead_first(kind: ProseKind, question: str, points: Sequence[Excerpt]) -> list[Excerpt]:
    """For "why", the points giving a reason first; for "what", the one defining the term the
    question quotes (or any definition); other kinds keep the report's order."""
    if kind is ProseKind.WHY:
        first = [x for x in points if REASON.search(x.text)][:2]
    elif kind is ProseKind.WHAT:
        quoted = _QUOTED.findall(question)
        named = [x for x in points if any(t in x.text for t in quoted)]
        first = (named or [x for x in points if DEFINES.search(x.text)])[:1]
    else:
        return list(points)
    return first + [x for x in points if x not in first]
