"""The records that flow through every stage: loaded document -> paragraph -> chunk.

A `Paragraph` is cut once, in `ingest.segment`, and from then on carries its id, heading path,
number and character span all the way to the citation shown to the user, so a citation is never
reconstructed from text later.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    """What a paragraph is. Captions and bylines are kept (they are in the source) but marked,
    so retrieval and answering can rank them below content."""

    BODY = "body"
    CAPTION = "caption"
    BYLINE = "byline"


class DocKind(StrEnum):
    """What kind of report a document is: it decides which year its paragraphs speak about (a
    政府工作报告 of year Y reviews Y-1 and sets Y's targets; an annual summary describes Y)."""

    GOVERNMENT_WORK_REPORT = "政府工作报告"
    ANNUAL_SUMMARY = "年度工作总结"
    PLAN = "工作要点/计划"
    CONGRESS_REPORT = "党代会报告"
    SPEECH = "讲话"
    STATISTICAL_BULLETIN = "统计公报"
    OTHER = "其他"


# The readers of a report whose correction is broken: administrators only (no group has this name,
# since group names cannot hold ":").
ADMINS_ONLY = ":admins"


@dataclass(frozen=True)
class DocumentMeta:
    """Which report a document is: derived at ingest from its title, file name and first lines,
    corrected by a sidecar file (`<file>.meta.json`, see kb/README.md)."""

    title: str  # as shown: 《2023年某市政府工作报告》
    year: int | None = None  # the year it was delivered, or the year it sums up
    body: str = ""  # who issued it: 国务院, 广东省人民政府, 中共中央, 綦江区委组织部
    region: str = ""  # whose figures: 全国, 广东省, 綦江区
    kind: DocKind = DocKind.OTHER
    # Where each field came from (field -> 文件名 / 标题 / 正文开头 / 更正文件), for `kb docs`.
    origin: tuple[tuple[str, str], ...] = ()
    # Who may read it: () for every user; else the groups whose members may (admins always may).
    # ADMINS_ONLY when its correction could not be read: a report is never opened by mistake.
    readers: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """Title and issuing body, as on a citation card: "2023年某市政府工作报告 · 某市人民政府"."""
        return f"{self.title} · {self.body}" if self.body and self.body not in self.title else self.title


class Aspect(StrEnum):
    """How a paragraph speaks about a year."""

    RESULT = "result"  # what happened: 过去一年…增长6.7%
    TARGET = "target"  # what is planned: 今年…预期目标…增长6.5%左右
    PERIOD = "period"  # one year of a multi-year review (过去五年): aggregates, not that year's figure
    MENTION = "mention"  # the year is named, how is not clear


@dataclass(frozen=True)
class TimeScope:
    """The years a paragraph speaks about, each with its aspect; empty when unknown (a document
    without a year, e.g. a passage file)."""

    years: tuple[tuple[int, Aspect], ...] = ()

    def aspects_of(self, year: int) -> set[Aspect]:
        return {aspect for y, aspect in self.years if y == year}

    def states_a_result(self) -> bool:
        """Whether the paragraph states what happened in some year (a review's, not a plan's)."""
        return any(aspect is Aspect.RESULT for _y, aspect in self.years)

    def text(self) -> str:
        """ "2016年（实际）、2017年（目标）" for display and `kb docs`."""
        names = {
            Aspect.RESULT: "实际",
            Aspect.TARGET: "目标",
            Aspect.PERIOD: "多年回顾",
            Aspect.MENTION: "提及",
        }
        return "、".join(f"{y}年（{names[a]}）" for y, a in self.years)


@dataclass(frozen=True)
class Passage:
    """A pre-cut paragraph with its own id, as found in a .jsonl passage file."""

    id: str
    title: str
    text: str


@dataclass(frozen=True)
class LoadedDocument:
    """A file turned into text by a loader, before segmentation.

    `text` is the decoded/extracted text; spans of paragraphs refer to positions in it.
    `line_breaks_are_paragraphs` tells the segmenter whether a single newline ends a paragraph
    (plain text, Word, PDF lines joined by the loader) or only a blank line does (Markdown).
    `passages` is set instead of `text` for .jsonl files, whose lines are paragraphs already.
    """

    path: str
    format: str
    text: str = ""
    encoding: str | None = None
    title: str | None = None
    line_breaks_are_paragraphs: bool = True
    passages: tuple[Passage, ...] | None = None


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of one document: the unit that is cited."""

    paragraph_id: str  # stable: "<doc_id>#<number>", or the passage id for .jsonl
    doc_id: str
    doc_title: str
    number: int  # 1-based position among the document's paragraphs
    text: str
    heading_path: tuple[str, ...] = ()
    kind: Kind = Kind.BODY
    span: tuple[int, int] = (0, 0)  # [start, end) in LoadedDocument.text
    # Set when the paragraph is read back from the index (segmentation knows neither).
    meta: DocumentMeta | None = None
    scope: TimeScope = TimeScope()

    @property
    def heading(self) -> str:
        return " > ".join(self.heading_path)


@dataclass(frozen=True)
class Chunk:
    """A piece of a paragraph small enough to embed; keeps the paragraph id it came from."""

    chunk_id: str  # "<paragraph_id>/<n>"
    paragraph_id: str
    text: str
    embed_text: str  # heading path + text: what the embedder and BM25 see
    kind: Kind = Kind.BODY


@dataclass
class DocumentRecord:
    """What the index knows about one ingested file."""

    doc_id: str
    path: str
    title: str
    content_hash: str
    format: str
    paragraphs: list[Paragraph] = field(default_factory=list)
