"""The prose answerer: a one-line lead that says whose report and which part, then the points,
one per line in the report's order (for "why" the reason first, for "what" the definition),
each a clause of the report with its citation `[n]`; or a refusal when the evidence does not
name the question's topic (rag.prose.refusal)."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from ingest.records import Aspect, Paragraph
from ingest.scope import sentence_scope
from rag.answer_types import Answer, Citation, Point, citation_for, refusal
from rag.evidence.ground import constrain, ground
from rag.evidence.retrieve import EVERYTHING, Hit, HybridRetriever, SearchFilter
from rag.figures.extractive import sources, without_markup
from rag.generation.verify import verify
from rag.prose.gather import Evidence, around, gather
from rag.prose.outline import Outlines
from rag.prose.points import Allows, Excerpt
from rag.prose.refusal import ProseRefusal, prose_features
from rag.question.constraints import Asked
from rag.question.focus import Focus, TermWeights
from rag.question.kind import ProseKind, prose_kind
from rag.question.resolution import Resolution
from rag.records import CITATION_MARKER

_INTRO = {
    ProseKind.ASPECTS: "包括以下几个方面：",
    ProseKind.GOALS: "主要目标和任务如下：",
    ProseKind.LIST: "主要有以下几点：",
    ProseKind.HOW: "主要有以下几点：",
    ProseKind.WHY: "原因主要有：",
    ProseKind.WHAT: "相关内容如下：",
}


@dataclass
class ProseAnswerer:
    """Answers prose questions from the retrieved paragraphs and the outline of their reports."""

    weights: TermWeights
    paragraphs: Mapping[str, Paragraph]
    refusal: ProseRefusal = field(default_factory=ProseRefusal)

    def __post_init__(self) -> None:
        self._outlines: Outlines | None = None
        self._lock = threading.Lock()

    @property
    def outlines(self) -> Outlines:
        """Made on the first prose question of this index version; a report's outline is built
        when a question first needs it."""
        with self._lock:
            if self._outlines is None:
                self._outlines = Outlines(self.paragraphs)
            return self._outlines

    def answer(
        self,
        question: str,
        hits: Sequence[Hit],
        asked: Asked | None = None,
        resolution: Resolution | None = None,
    ) -> Answer:
        kind, focus, evidence, features = self.assess(question, hits, asked, resolution)
        retrieved = [(h.paragraph.paragraph_id, h.score) for h in hits]
        confidence = self.refusal.probability(features)
        if evidence is not None and evidence.topicless:
            # Any part of any report would do as well as another: ask which area is meant.
            return refusal(question, [], retrieved, 0.0, reason=NO_TOPIC)
        if evidence is None or not evidence.excerpts or confidence < self.refusal.threshold:
            # No part of a report names the topic. Not conclusive: a sentence may still answer
            # a question worded unlike the report (the pipeline asks the figure answerer next).
            return refusal(question, hits, retrieved, confidence)
        text, citations, points = compose(kind, focus, evidence)
        return Answer(question, text, False, citations, retrieved, confidence=confidence, points=points)

    def assess(
        self,
        question: str,
        hits: Sequence[Hit],
        asked: Asked | None = None,
        resolution: Resolution | None = None,
    ) -> tuple[ProseKind, Focus, Evidence | None, dict[str, float]]:
        """The question's kind and focus, the evidence gathered for it and the features the
        refusal decides on (the calibration, eval.calibrate --prose, reads them here too)."""
        kind = prose_kind(question) or ProseKind.LIST
        focus = Focus.of(question, asked, resolution)
        allows = quotable(resolution.where if resolution is not None else EVERYTHING, resolution)
        evidence = gather(kind, hits, self.outlines, focus, self.weights, allows)
        return kind, focus, evidence, prose_features(evidence)


def quotable(where: SearchFilter, resolution: Resolution | None) -> Allows:
    """Which paragraphs a prose answer may quote. The search filter, but for the paragraphs of
    the years asked: a section's other paragraphs are part of what it says about the year (the
    year's own paragraphs are what retrieval looked among). A place without a report of its own
    keeps its filter whole: only what is said about it, in so many words."""
    if resolution is not None and resolution.mentions:
        return where.allows
    return SearchFilter(docs=where.docs, exclude=where.exclude, readable=where.readable).allows


NO_TOPIC = "这个问题没有说明是哪方面的工作。请补充要了解的方面，例如“在××方面有哪些做法？”"

# A prose answer draws on a whole part of a report: more paragraphs are looked at than for a figure.
PROSE_HITS = 10


def answer_prose(
    retriever: HybridRetriever,
    prose: ProseAnswerer,
    question: str,
    top_k: int,
    where: SearchFilter,
    earlier: Asked | None = None,
) -> Answer:
    """A prose question under its constraints, as one question (not split on 和: "在修路和架桥
    方面" is one topic); its points checked against their paragraphs."""
    question = without_markup(question)
    grounded = ground(retriever, question, max(top_k, PROSE_HITS), where, earlier)
    resolution = grounded.resolution
    if resolution.missing:
        return refusal(question, grounded.hits, reason=resolution.missing)
    answer = None
    if resolution.preferred is not None:
        # A year's plan is looked for first in that year's own report, what happened in the
        # reports that review it (rag.question.resolution); the rest only when they say nothing.
        first = replace(resolution, where=resolution.preferred)
        hits = retriever.retrieve(grounded.search, top_k=max(top_k, PROSE_HITS), where=first.where)
        answer = prose.answer(question, hits, grounded.asked, first)
    if answer is None or answer.refused:
        answer = prose.answer(question, grounded.hits, grounded.asked, resolution)
    answer.retrieved = answer.retrieved[:top_k]
    return answer if answer.refused else checked(retriever, answer, question)


def checked(retriever: HybridRetriever, answer: Answer, question: str) -> Answer:
    """The answer with its points checked against their paragraphs: the lead line says whose
    report and which part, the numbered points carry the citations."""
    points = answer.text.split("\n", 1)[1] if "\n" in answer.text else ""
    answer.verification = verify(points, sources(retriever, answer), question=question, by_citation=True)
    return answer


def answer_around(
    retriever: HybridRetriever,
    prose: ProseAnswerer,
    question: str,
    sentence: Answer,
    where: SearchFilter,
    earlier: Asked | None = None,
) -> Answer | None:
    """A list question no part of a report names in its words, whose sentence the figure
    answerer found on clear evidence ("怎么帮农村穷人脱贫?" for a report's "精准脱贫"): the
    points of the part that sentence stands in, as a prose answer with the sentence answer's
    confidence. None when the sentence is the answer (why / what, a paragraph of one point)."""
    kind = prose_kind(question)
    if kind is None or sentence.refused or not sentence.citations:
        return None
    cited = sentence.citations[0]
    p = prose.paragraphs.get(cited.paragraph_id)
    if p is None:
        return None
    question = without_markup(question)
    # The constraints as the figure answerer read them; its retrieval is not repeated.
    asked, resolution = constrain(retriever.snapshot, question, where, earlier)
    focus = Focus.of(question, asked, resolution)
    allows = quotable(resolution.where, resolution)
    evidence = around(kind, p, cited.span, prose.outlines, focus, prose.weights, allows)
    if evidence is None:
        return None
    text, citations, points = compose(kind, focus, evidence)
    answer = Answer(
        question, text, False, citations, sentence.retrieved, confidence=sentence.confidence, points=points
    )
    return checked(retriever, answer, question)


def compose(kind: ProseKind, focus: Focus, evidence: Evidence) -> tuple[str, list[Citation], list[Point]]:
    """The answer's text (the lead line, then "n. point[k]" lines), its citations (one per
    paragraph, in order of first use) and its points."""
    numbering: dict[str, int] = {}
    citations: list[Citation] = []
    points: list[Point] = []
    lines = [lead_line(kind, focus, evidence)]
    for i, x in enumerate(evidence.excerpts, start=1):
        pid = x.paragraph.paragraph_id
        if pid not in numbering:
            numbering[pid] = len(numbering) + 1
            quoted = x.paragraph.text[x.span[0] : x.span[1]] if x.span is not None else ""
            citations.append(citation_for(numbering[pid], x.paragraph, quoted, x.span))
        # "[2]" quoted from a report would read as a citation marker: shown full-width.
        shown = CITATION_MARKER.sub(lambda m: f"［{m.group(1)}］", x.text)
        points.append(Point(shown, numbering[pid], x.span))
        lines.append(f"{i}. {shown}[{numbering[pid]}]")
    return "\n".join(lines), citations, points


def lead_line(kind: ProseKind, focus: Focus, evidence: Evidence) -> str:
    """ "据《2031年某市政府工作报告》“（三）……”部分，主要有以下几点：" — whose report, which part
    (a section's title, or the heading over the paragraph), and what follows."""
    first = evidence.excerpts[0]
    meta = first.paragraph.meta
    title = meta.title if meta is not None else first.paragraph.doc_title
    note = _year_note(focus, first)
    part = evidence.part
    if evidence.how == "paragraph" and first.paragraph.heading_path:
        part = first.paragraph.heading_path[-1]  # the heading over the paragraph quoted
    where = f"“{part}”部分" if part and part not in title else ""
    # A count is said only when the answer shows every item of the report's list, one a point.
    intro = f"分为以下{evidence.listed}个方面：" if evidence.listed else _INTRO[kind]
    return f"据《{title}》{note}{where}，{intro}"


def _year_note(focus: Focus, first: Excerpt) -> str:
    """ "（回顾2030年）" when the report reviews the year asked, "（2031年的目标）" when it sets
    that year's targets; "" otherwise."""
    meta = first.paragraph.meta
    if meta is None or meta.year is None or not focus.asked.years:
        return ""
    year = focus.asked.years[0]
    if first.span is None:
        return ""
    aspects = sentence_scope(first.paragraph, *first.span).aspects_of(year)
    if Aspect.TARGET in aspects and Aspect.RESULT not in aspects and year == meta.year:
        return ""
    if Aspect.TARGET in aspects and Aspect.RESULT not in aspects:
        return f"（{year}年的目标）"
    return f"（回顾{year}年）" if year != meta.year and aspects else ""
