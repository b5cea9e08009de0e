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
