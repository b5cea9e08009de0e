"""A prose answer written by an LLM: the model gets the evidence the extractive answer gathered
(its paragraphs, labelled with report, year and section) and lists the points; each point is
checked against the paragraph it cites, and one that fails is dropped, never shown as checked.
Too few points left, and the extractive answer is what the user gets."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace

from ingest.records import Paragraph
from rag.answer_types import Answer, Citation, Point, citation_for
from rag.generation.generate import Numbered, cited_numbers, supporting_span
from rag.generation.llm import ChatModel, LLMError
from rag.generation.prompt import as_shown, points_messages
from rag.generation.verify import SentenceCheck, Verification, is_refusal, verify
from rag.records import CITATION_MARKER

_ITEM = re.compile(r"^\s*(?:\d{1,2}\s*[.、．)）]|[-*•·])\s*(?P<text>.+?)\s*$")
_FULL_WIDTH_CITATION = re.compile(r"【(\d+)】")
# A point is backed by its paragraph when this share of its character pairs stands there: the
# model may join or shorten the report's words, not bring its own.
SUPPORT = 0.6
# The fewest points that make a list (one, when the extractive answer itself had one).
MIN_POINTS = 2


def evidence_paragraphs(extractive: Answer, paragraphs: Mapping[str, Paragraph]) -> Numbered:
    """The extractive answer's paragraphs, numbered as its citations: the model sees what the
    points were drawn from, so its [n] and the extract's [n] are the same paragraph."""
    return [(c.n, paragraphs[c.paragraph_id]) for c in extractive.citations if c.paragraph_id in paragraphs]


def parse_points(text: str) -> list[str]:
    """The model's points: its numbered (or bulleted) lines; without any, its lines."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    items = [m.group("text") for ln in lines if (m := _ITEM.match(ln))]
    return items or [ln.strip() for ln in lines]


def _pairs(text: str) -> set[str]:
    plain = re.sub(r"\W", "", CITATION_MARKER.sub("", text))
    return {plain[i : i + 2] for i in range(len(plain) - 1)}


def check_point(point: str, sources: dict[int, Paragraph], question: str) -> tuple[str, ...]:
    """Problems of one point: no or unknown citation, a figure its paragraph lacks (rag.verify),
    or words its cited paragraphs do not hold."""
    problems = list(verify(point, sources, question=question).problems)
    cited = [sources[n] for n in cited_numbers(point) if n in sources]
    if cited and not problems:
        want = _pairs(point)
        have = set().union(*(_pairs(p.text) for p in cited))
        if want and len(want & have) < SUPPORT * len(want):
            problems.append("内容在所引段落中找不到")
    return tuple(problems)


def stream_points(
    model: ChatModel, question: str, extractive: Answer, paragraphs: Mapping[str, Paragraph]
) -> Iterator[str | Answer]:
    """The model's text as it writes it, then the checked Answer. Raises LLMError."""
    numbered = evidence_paragraphs(extractive, paragraphs)
    if not numbered:
        raise LLMError("没有可供大模型参考的段落", unavailable=False)
    pieces: list[str] = []
    for piece in model.stream(points_messages(question, numbered)):
        pieces.append(piece)
        yield piece
    text = _FULL_WIDTH_CITATION.sub(r"[\1]", "".join(pieces)).strip()
    if not re.search(r"\w", CITATION_MARKER.sub("", text)):
        raise LLMError("大模型没有返回内容", unavailable=False)
    yield finish_points(model.name, question, text, numbered, extractive)


def finish_points(name: str, question: str, text: str, numbered: Numbered, extractive: Answer) -> Answer:
    """The verified points under the extractive answer's lead line; the failed ones dropped.
    With fewer than MIN_POINTS left (or a model that says the material does not answer, and
    lists nothing that passes), the extractive answer, the model's points behind the fold."""
    sources = {n: as_shown(p) for n, p in numbered}
    items = parse_points(text)
    checked = [(item, check_point(item, sources, question)) for item in items]
    kept = [item for item, problems in checked if not problems]
    dropped = [f"{item}（{'；'.join(problems)}）" for item, problems in checked if problems]
    enough = MIN_POINTS if len(extractive.points) >= MIN_POINTS else 1
    if len(kept) < enough:
        said = CITATION_MARKER.sub("", text).strip()
        notice = "" if is_refusal(text) else "大模型生成的要点未通过核对，以下为原文摘录答案。"
        failed = Verification(
            tuple(SentenceCheck(item, 0, 0, problems) for item, problems in checked if problems)
        )
        return replace(extractive, dropped=dropped or [said], notice=notice, verification=failed)
    # The model's list may be longer or shorter than the report's: the lead names no count.
    lead = _COUNT.sub("以下几个方面", extractive.text.split("\n", 1)[0])
    text_out, citations, points = _compose(lead, kept, dict(numbered))
    notice = f"大模型生成的要点中有 {len(dropped)} 条未通过核对，已略去。" if dropped else ""
    return replace(
        extractive,
        text=text_out,
        citations=citations,
        points=points,
        answerer=name,
        verification=Verification(tuple(_checked_lines(text_out))),
        dropped=dropped,
        notice=notice,
    )


_COUNT = re.compile(r"以下\d+个方面")


def _checked_lines(text: str) -> list[SentenceCheck]:
    """Each point line of the answer as a passed check, with its place in the text."""
    out, pos = [], 0
    for line in text.split("\n"):
        if pos > 0:  # the lead line is no point
            out.append(SentenceCheck(line, pos, pos + len(line)))
        pos += len(line) + 1
    return out


def _compose(
    lead: str, kept: Sequence[str], sources: dict[int, Paragraph]
) -> tuple[str, list[Citation], list[Point]]:
    """The lead line and the kept points, renumbered 1, 2, … by first citation; each point
    highlights the clauses of its paragraph it rests on."""
    number_of: dict[int, int] = {}
    citations: list[Citation] = []
    points: list[Point] = []
    lines = [lead]
    for i, item in enumerate(kept, start=1):
        claim = CITATION_MARKER.sub("", item).strip()
        marks = ""
        for n in cited_numbers(item):
            if n not in number_of:
                number_of[n] = len(number_of) + 1
                span = supporting_span(sources[n], claim)
                sentence = sources[n].text[span[0] : span[1]] if span else ""
                citations.append(citation_for(number_of[n], sources[n], sentence, span))
            marks += f"[{number_of[n]}]"
        first = cited_numbers(item)[0]
        points.append(Point(claim, number_of[first], supporting_span(sources[first], claim)))
        lines.append(f"{i}. {claim}{marks}")
    return "\n".join(lines), citations, points
