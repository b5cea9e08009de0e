"""The answer records every answerer returns: an Answer with its numbered Citations (each `[n]`
is one paragraph), the Answerer interface, and the refusal answer (知识库中没有…, with the closest
paragraphs as 可能相关) that any step may return."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from ingest.records import Paragraph
from rag.evidence.retrieve import Hit
from rag.figures.table import Table
from rag.generation.verify import Verification
from rag.question.constraints import Asked
from rag.question.resolution import Resolution
from rag.records import REFUSAL_TEXT


@dataclass(frozen=True)
class Citation:
    n: int
    paragraph_id: str
    doc: str
    heading: str
    text: str
    sentence: str  # the supporting sentence ("" for a 可能相关 paragraph of a refusal)
    number: int = 0  # paragraph number in its document
    doc_id: str = ""
    # Where `sentence` stands in `text` (a sentence can occur twice in a paragraph); None when
    # unknown, e.g. a refusal's 可能相关 paragraph.
    span: tuple[int, int] | None = None
    # Which report it is (ingest.metadata): shown on every citation card.
    year: int | None = None
    body: str = ""
    kind: str = ""
    report: str = ""  # the report's title ("2023年某市政府工作报告"); `doc` is the document's own title

    @property
    def label(self) -> str:
        """ "2023年某市政府工作报告 · 某市人民政府": the report and who issued it."""
        title = self.report or self.doc
        return f"{title} · {self.body}" if self.body and self.body not in title else title

    def to_json(self) -> dict[str, Any]:
        hidden = ("number", "doc_id", "span", "report")
        out = {k: v for k, v in asdict(self).items() if k not in hidden}
        out["report"] = self.label
        return out


@dataclass(frozen=True)
class Point:
    """One point of a prose answer ("……有哪些措施?"): a clause in the report's own words, the
    citation `[n]` it rests on, and where it stands in that paragraph, so clicking the point's
    `[n]` highlights exactly that clause."""

    text: str
    citation: int
    span: tuple[int, int] | None = None

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "citation": self.citation}


@dataclass
class Answer:
    question: str
    text: str
    refused: bool
    citations: list[Citation] = field(default_factory=list)
    retrieved: list[tuple[str, float]] = field(default_factory=list)
    latency_ms: float = 0.0
    confidence: float = 0.0
    answerer: str = "extractive"  # or the model that wrote `text`: "openai:<model>", "llamacpp:<file>"
    searched: str = ""  # the question as searched when a follow-up was rewritten ("" = as asked)
    verification: Verification | None = None
    notice: str = ""  # e.g. why the LLM was not used this time
    lead: str = ""  # the figure or date an extractive answer puts first ("40822人次"), if any
    # A refusal on the evidence (too weak, or about another year), not on how sentences fit.
    conclusive: bool = False
    table: Table | None = None  # a figure per year or report (rag.figures.series), each row cited
    # A prose answer's points, one per line of `text` after its lead line (rag.prose).
    points: list[Point] = field(default_factory=list)
    # What a model wrote that failed the check against its paragraphs (points, or a whole
    # answer): never shown as the answer, only behind a fold marked 未通过核对 (rag.generation).
    # `verification` then holds the model's problems while `text` is the extractive answer.
    dropped: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The `kb ask --json` contract; other tools rely on these keys."""
        out: dict[str, Any] = {
            "question": self.question,
            "answer": self.text,
            "refused": self.refused,
            "citations": [c.to_json() for c in self.citations],
            "retrieved": [{"paragraph_id": pid, "score": round(s, 6)} for pid, s in self.retrieved],
            "latency_ms": round(self.latency_ms, 1),
            "answerer": self.answerer,
            "searched_question": self.searched or self.question,
            "verification": (
                self.verification.to_json() if self.verification else {"ok": True, "problems": []}
            ),
        }
        if self.notice:
            out["notice"] = self.notice
        if self.table is not None:
            out["table"] = self.table.to_json()
        if self.points:
            out["points"] = [p.to_json() for p in self.points]
        if self.dropped:
            out["unverified"] = list(self.dropped)
        return out


class Answerer(Protocol):
    def answer(
        self,
        question: str,
        hits: Sequence[Hit],
        asked: Asked | None = None,
        resolution: Resolution | None = None,
    ) -> Answer: ...


def citation_for(
    n: int, paragraph: Paragraph, sentence: str, span: tuple[int, int] | None = None
) -> Citation:
    return Citation(
        n=n,
        paragraph_id=paragraph.paragraph_id,
        doc=paragraph.doc_title,
        heading=paragraph.heading,
        text=paragraph.text,
        sentence=sentence,
        number=paragraph.number,
        doc_id=paragraph.doc_id,
        span=span,
        year=paragraph.meta.year if paragraph.meta else None,
        body=paragraph.meta.body if paragraph.meta else "",
        kind=paragraph.meta.kind.value if paragraph.meta else "",
        report=paragraph.meta.title if paragraph.meta else "",
    )


def refusal(
    question: str,
    hits: Sequence[Hit],
    retrieved: list[tuple[str, float]] | None = None,
    confidence: float = 0.0,
    reason: str = "",
) -> Answer:
    """ "知识库中没有找到……", with why when it is known (no report of that year or place), and the
    closest paragraphs as 可能相关."""
    related = [h.paragraph for h in hits[:3]]
    citations = [citation_for(i, p, "") for i, p in enumerate(related, start=1)]
    lines = [reason or REFUSAL_TEXT]
    if related:
        lines.append("可能相关：")
        lines += [f"[{c.n}] {c.label} {c.heading} 第{c.number}段".replace("  ", " ") for c in citations]
    if retrieved is None:
        retrieved = [(h.paragraph.paragraph_id, h.score) for h in hits]
    return Answer(
        question, "\n".join(lines), True, citations, retrieved, confidence=confidence, conclusive=bool(reason)
    )
