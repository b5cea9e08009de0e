"""Which part of which report a prose question is about, and its points: a section whose title
names the topic (its parts), a list the question asks for (an outline, or the items a part
enumerates), else the paragraph most about the topic (its statements), with a second one when
it says too little. Only paragraphs the search may return are quoted, or shape the answer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from ingest.records import Paragraph
from rag.evidence.retrieve import Hit
from rag.prose import statements as st
from rag.prose.outline import Node, Outlines, enumerator
from rag.prose.points import (
    DEFINES,
    MAX_PARTS,
    MAX_POINTS,
    REASON,
    Allows,
    Excerpt,
    excerpt,
    lead_first,
    paragraph_points,
    round_robin,
    section_points,
    take,
    title_span,
    visible,
)
from rag.question.focus import Focus, TermWeights
from rag.question.kind import ProseKind, asked_parts
from rag.question.topic import coverage, topic_terms

# A section is the answer when its title names the topic at least this well (idf-weighted share
# of the topic's words and character pairs), unless a paragraph that is a list by itself names
# it clearly better.
SECTION_MATCH = 0.5
HITS_CONSIDERED = 8
# Words of a section title that say it holds the kind of part asked for ("目标任务", "重点工作").
_KIND_WORDS = {
    ProseKind.GOALS: ("目标", "任务", "要求"),
    ProseKind.LIST: ("工作", "措施", "举措", "成效", "成绩"),
    ProseKind.HOW: ("措施", "举措", "工作"),
}
_LOCAL = (ProseKind.WHY, ProseKind.WHAT)  # answered where a sentence says why, or what a term is
How = Literal["outline", "section", "paragraph"]


@dataclass(frozen=True)
class Evidence:
    """What a prose answer is drawn from: how it was found, its points, the part of the report
    (a section's title, "" for a paragraph), how well that part names the topic, how much of the
    topic the points and their headings hold (the refusal reads both), and, for a list shown
    one point per item, how many items it has (0 otherwise). `topicless`: the question names
    no area the evidence could be about ("有哪些措施?"), so it answers nothing."""

    how: How
    excerpts: list[Excerpt]
    part: str
    match: float
    covered: float
    listed: int = 0
    topicless: bool = False


@dataclass(frozen=True)
class _Candidate:
    node: Node
    match: float  # how well its title (a paragraph: its opening or best statement) names the topic
    score: float
    listing: bool = False  # a paragraph that is a list by itself


def section_title(node: Node) -> str:
    """What a section is called: its title, and for an exam section (考题 / 答题要点) its
    question and answer key too."""
    parts = [node.title]
    for child in node.children[:3]:
        p = child.paragraph
        if p is not None and (st.QUESTION.search(p.text) or st.LABEL.match(p.text)) and len(p.text) <= 60:
            parts.append(p.text)
    return " ".join(parts)


def _section_of(node: Node) -> Node:
    """An exam question (考题内容:如何……?) stands for the section it opens."""
    if node.kind == "para" and node.paragraph is not None and st.QUESTION.search(node.paragraph.text):
        return node.parent or node
    return node


def _statement_matches(
    p: Paragraph, spans: Sequence[tuple[int, int]], terms: Sequence[str], weights: TermWeights
) -> list[float]:
    """How well each statement names the topic, read with the paragraph's heading and opening
    (what a statement deep in a paragraph is about is often said there)."""
    if not spans:
        return []
    context = " ".join([*p.heading_path[-1:], p.text[spans[0][0] : spans[0][1]][:40]])
    return [coverage(p.text[a:b] + " " + context, terms, weights) for a, b in spans]


def _candidates(
    kind: ProseKind,
    hits: Sequence[Hit],
    outlines: Outlines,
    terms: Sequence[str],
    weights: TermWeights,
    allows: Allows,
) -> tuple[list[_Candidate], list[_Candidate]]:
    """(sections, paragraphs) above and among the best hits, each best first. A section by how
    well its title names the topic; a paragraph by its opening (a topic or lead sentence), its
    statement most about the topic and its retrieval score."""
    sections: dict[int, _Candidate] = {}
    paragraphs: list[_Candidate] = []
    kind_words = _KIND_WORDS.get(kind, ())
    top = hits[0].score if hits else 1.0
    for hit in hits[:HITS_CONSIDERED]:
        node = outlines.node(hit.paragraph.paragraph_id)
        if node is None:
            continue
        retrieval = hit.score / top if top > 0 else 0.0
        for part in _section_of(node).path():
            if part.kind in ("heading", "lead") and id(part) not in sections and visible(part, allows):
                title = section_title(part)
                match = coverage(title, terms, weights)
                bonus = 0.05 if any(w in title for w in kind_words) else 0.0
                sections[id(part)] = _Candidate(part, match, match + bonus + 0.2 * retrieval)
        p = hit.paragraph
        spans = st.statements(p.text)
        if node.kind not in ("para", "lead") or not spans or st.QUESTION.search(p.text) or not allows(p):
            continue
        matches = _statement_matches(p, spans, terms, weights)
        first = st.clause_groups(p.text, spans[0], limit=40)[0]
        opening = coverage(node.title or p.text[first[0] : first[1]], terms, weights)
        best = max(matches)
        if kind in _LOCAL:
            score = 0.2 * opening + 0.6 * best + 0.2 * retrieval
            score += 0.1 if kind is ProseKind.WHY and REASON.search(p.text) else 0.0
            score += 0.05 if kind is ProseKind.WHAT and DEFINES.search(p.text) else 0.0
        else:
            score = 0.4 * opening + 0.3 * best + 0.3 * retrieval
        listing = len(matches) >= 3 or len(st.inline_items(p.text)) >= 2 or "：" in p.text[:40]
        paragraphs.append(_Candidate(node, max(opening, 0.9 * best), score, listing))
    return (
        sorted(sections.values(), key=lambda c: -c.score),
        sorted(paragraphs, key=lambda c: -c.score),
    )


def gather(
    kind: ProseKind,
    hits: Sequence[Hit],
    outlines: Outlines,
    focus: Focus,
    weights: TermWeights,
    allows: Allows,
) -> Evidence | None:
    """The evidence for a prose question from its retrieved paragraphs (None without any)."""
    terms = topic_terms(focus, weights)
    # A question with no topic but the report ("这份报告讲了哪几章?") has nothing else to miss;
    # any other question without a topic ("有哪些措施?") names nothing an answer could be about.
    whole = kind is ProseKind.ASPECTS or focus.asked.report is not None
    sections, paragraphs = _candidates(kind, hits, outlines, terms, weights, allows)
    if kind is ProseKind.ASPECTS:
        found = aspects(focus.question, hits, outlines, terms, weights, allows)
        if found is not None:
            return found
    best = paragraphs[0] if paragraphs else None
    if sections and sections[0].match >= SECTION_MATCH and kind not in _LOCAL:
        section = sections[0]
        zoom = best is not None and best.listing and best.match >= section.match + 0.1
        points = [] if zoom else take(section_points(section.node, terms, weights, allows))
        if len(points) >= 2:
            return _evidence("section", points, section.node.title, section.match, terms, weights, whole)
    if best is None or best.node.paragraph is None:
        return None
    node, p = best.node, best.node.paragraph
    titled = bool(node.title) and coverage(node.title, terms, weights) > 0
    if node.kind == "lead" and node.children and kind not in _LOCAL and titled:
        # A lead paragraph about the topic heads the paragraphs that carry it out.
        points = take(section_points(node, terms, weights, allows))
        return _evidence("section", points, node.title, best.match, terms, weights, whole)
    local = kind in _LOCAL
    start = node.span[1] if node.kind == "lead" and node.span and not local else 0
    points = paragraph_points(p, terms, weights, start=start, narrow=local, titled=titled)
    for other in paragraphs[1:3]:
        if len(points) >= 3:
            break
        more = other.node.paragraph
        if more is not None and more.doc_id == p.doc_id and other.match >= 0.7 * best.match:
            points += paragraph_points(more, terms, weights)
    points = lead_first(kind, focus.question, take(points))
    return _evidence("paragraph", points, "", best.match, terms, weights, whole)


def around(
    kind: ProseKind,
    p: Paragraph,
    span: tuple[int, int] | None,
    outlines: Outlines,
    focus: Focus,
    weights: TermWeights,
    allows: Allows,
) -> Evidence | None:
    """The evidence around one sentence found some other way (the figure answerer's, for a
    question worded unlike the report): the part its paragraph is. A lead paragraph heads the
    paragraphs that carry it out; another paragraph is read whole, from its opening when the
    sentence still fits in the answer, else from the sentence. None for why / what (the
    sentence is the answer) or when fewer than two points are found."""
    node = outlines.node(p.paragraph_id)
    if kind in _LOCAL or node is None or not allows(p):
        return None
    terms = topic_terms(focus, weights)
    if node.kind == "lead" and node.children:
        points = take(section_points(node, terms, weights, allows))
        how: How = "section"
    else:
        points = take(paragraph_points(p, terms, weights, titled=True))
        if span is not None and not any(_overlaps(x.span, span) for x in points):
            points = take(paragraph_points(p, terms, weights, start=span[0], titled=True))
        how = "paragraph"
    if len(points) < 2:
        return None
    return _evidence(how, points, node.title if how == "section" else "", 0.0, terms, weights, True)


def _overlaps(a: tuple[int, int] | None, b: tuple[int, int]) -> bool:
    return a is not None and a[0] < b[1] and b[0] < a[1]


def _evidence(
    how: How,
    points: list[Excerpt],
    part: str,
    match: float,
    terms: Sequence[str],
    weights: TermWeights,
    whole: bool,
    listed: int = 0,
) -> Evidence:
    headings = {h for x in points for h in x.paragraph.heading_path}
    text = " ".join([part, *sorted(headings), *(x.text for x in points)])
    if not terms:
        match = covered = 1.0 if whole else 0.0
    else:
        covered = coverage(text, terms, weights)
    return Evidence(how, points, part, match, covered, listed, topicless=not terms and not whole)


# ---- lists: an outline, or the items a part enumerates --------------------------------------


def _numbered(node: Node) -> bool:
    """A heading or lead that carries a number ("一、", "（三）", "第二，"); a dash is none."""
    style = node.enum if node.kind == "lead" else (enumerator(node.title) or ("", 0))[0]
    return style not in ("", "dash")


def outline_titles(node: Node, allows: Allows) -> list[Excerpt]:
    """The titles of a part's parts: its headings and leads when it has any (the paragraphs
    under them are detail), else its paragraphs' topic sentences; numbered parts only when it
    has numbered ones (an unnumbered heading beside "一、…" is a title-page line). An exam
    section shows its question ("民生卷：如何办好民生实事?"). Parts with nothing the answer
    may quote are left out."""
    out = []
    structured = any(c.kind in ("heading", "lead") for c in node.children)
    numbered = sum(1 for c in node.children if c.kind in ("heading", "lead") and _numbered(c)) >= 2
    for child in node.children:
        paras = visible(child, allows)
        if not paras or (structured and child.kind == "para"):
            continue
        if numbered and child.kind in ("heading", "lead") and not _numbered(child):
            continue
        if child.kind == "heading":
            asks = [
                c.paragraph for c in child.children[:2] if c.paragraph is not None and allows(c.paragraph)
            ]
            exam = next((p for p in asks if st.QUESTION.search(p.text)), None)
            shown = excerpt(exam, (0, len(exam.text))) if exam is not None else None
            if exam is not None and shown is not None:
                # The section's name before the question; the highlight is the question itself.
                out.append(Excerpt(f"{child.title}：{shown.text}", exam, shown.span))
            else:
                out.append(Excerpt(child.title, paras[0], None))
        elif child.title and child.paragraph is not None and allows(child.paragraph):
            span = title_span(child)
            if span is not None:
                out.append(Excerpt(child.paragraph.text[span[0] : span[1]], child.paragraph, span))
    return out


def _with_detail(
    title: Excerpt, child: Node | None, terms: Sequence[str], weights: TermWeights
) -> list[Excerpt]:
    """A listed part: its title, then (a lead or a paragraph, not a heading) its statements
    after the title, so that a short list still says what each part holds."""
    if child is None or child.paragraph is None or child.span is None or child.kind == "heading":
        return [title]
    return [title, *paragraph_points(child.paragraph, terms, weights, start=child.span[1], titled=True)]


def _runs(node: Node, allows: Allows) -> list[list[Node]]:
    """Runs of consecutive paragraphs opening with one enumerator ("第一个阶段，……" "第二个阶段，
    ……"; "——……"): lists written as paragraphs."""
    runs: list[list[Node]] = []
    previous: Node | None = None
    for child in node.children:
        listed = (
            child.kind == "para"
            and bool(child.enum)
            and child.paragraph is not None
            and allows(child.paragraph)
        )
        if listed and runs and previous is runs[-1][-1] and previous.enum == child.enum:
            runs[-1].append(child)
        elif listed:
            runs.append([child])
        previous = child
    return [r for r in runs if len(r) >= 2]


def _lists(
    node: Node, terms: Sequence[str], weights: TermWeights, allows: Allows
) -> list[list[list[Excerpt]]]:
    """The lists a part holds, each as columns (one per item, its title first): the items its
    paragraph enumerates, its headings and leads, runs of enumerated paragraphs. A list longer
    than an outline can show is none (a document of a thousand untitled passages)."""
    found: list[list[list[Excerpt]]] = []
    if node.kind in ("para", "lead") and node.paragraph is not None and allows(node.paragraph):
        p = node.paragraph
        items = st.inline_items(p.text)
        if len(items) >= 2:
            found.append([[x for g in st.clause_groups(p.text, i) if (x := excerpt(p, g))] for i in items])
    titles = outline_titles(node, allows)
    if 2 <= len(titles) <= MAX_PARTS:
        by_paragraph = {id(c.paragraph): c for c in node.children if c.paragraph is not None}
        if len(titles) <= MAX_POINTS:  # room for what each part holds
            found.append([_with_detail(t, by_paragraph.get(id(t.paragraph)), terms, weights) for t in titles])
        else:
            found.append([[t] for t in titles])
    for run in _runs(node, allows):
        if len(run) <= MAX_PARTS:
            found.append(
                [paragraph_points(c.paragraph, terms, weights, titled=True) for c in run if c.paragraph]
            )
    return [[c for c in columns if c] for columns in found if sum(1 for c in columns if c) >= 2]


def _unwrapped(node: Node, allows: Allows) -> Node:
    """A part with a single heading or lead under it ("请阅 某县工作答卷") stands for that."""
    while True:
        heads = [c for c in node.children if c.kind in ("heading", "lead")]
        if len(heads) != 1 or len(outline_titles(node, allows)) > 1:
            return node
        node = heads[0]


def aspects(
    question: str,
    hits: Sequence[Hit],
    outlines: Outlines,
    terms: Sequence[str],
    weights: TermWeights,
    allows: Allows,
) -> Evidence | None:
    """The list a "哪几个方面 / 分为哪几部分 / 哪三项" question asks for: the outline of the
    report (when the topic is the report itself) or of the section its topic names, or the
    items a part enumerates; one with as many items as asked ("哪六个方面") and items named as
    asked ("哪几个原则") is preferred. None when no list fits well enough."""
    count, noun = asked_parts(question)
    seen: dict[int, tuple[Node, float]] = {}
    total = 0.0
    for rank, hit in enumerate(hits[:10]):
        node = outlines.node(hit.paragraph.paragraph_id)
        if node is None:
            continue
        weight = 1.0 / (rank + 2)
        total += weight
        for part in node.path():
            seen[id(part)] = (part, seen.get(id(part), (part, 0.0))[1] + weight)
    tops: dict[str, Node] = {}  # doc id -> its report's own outline node
    best: tuple[float, float, Node | None, list[list[Excerpt]], bool] = (0.0, 0.0, None, [], False)
    for part, evidence in seen.values():
        node = _unwrapped(part, allows)
        first = node.paragraphs()[:1]
        doc = first[0].doc_id if first else ""
        if doc and doc not in tops:
            tops[doc] = _unwrapped(outlines.roots[doc], allows)
        whole = node is tops.get(doc)  # the report itself, whatever wraps its parts
        title = section_title(node) if node.kind != "para" else node.title
        match = coverage(title, terms, weights)
        base = match + 0.3 * evidence / max(total, 1e-9) + (0.5 if whole and not terms else 0.0)
        for columns in _lists(node, terms, weights, allows):
            score = base
            if count is not None:
                # As many items as asked counts when the part is about the topic at all.
                score += (1.0 if len(columns) == count else -0.3) * (1.0 if match > 0 or not terms else 0.5)
            if noun:
                score += 0.5 * sum(any(noun in x.text for x in c[:1]) for c in columns) / len(columns)
            if score > best[0]:
                best = (score, match, node, columns, whole)
    score, match, node, columns, whole = best
    if node is None or score < 0.5:
        return None
    # An outline of titles alone is the answer whole; a list of items keeps to MAX_POINTS.
    titles_only = all(len(c) == 1 for c in columns)
    points = take(round_robin(columns), most=MAX_PARTS if titles_only else MAX_POINTS)
    # The number of items is said only when every item's title is in the answer.
    shown = all(
        any(x.paragraph is c[0].paragraph and x.text.startswith(c[0].text) for x in points) for c in columns
    )
    listed = len(columns) if shown else 0
    name = "" if whole else node.title
    return _evidence("outline", points, name, max(match, min(score, 1.0)), terms, weights, True, listed)
