"""Plain text and Markdown files: decoded text, kept as written."""

from __future__ import annotations

from pathlib import Path

from ingest.loaders.common import read_bytes
from ingest.loaders.encoding import decode_bytes
from ingest.records import LoadedDocument


def _load_plain(path: str | Path, fmt: str, line_breaks_are_paragraphs: bool) -> LoadedDocument:
    text, encoding = decode_bytes(read_bytes(path), str(path))
    return LoadedDocument(
        path=str(path),
        format=fmt,
        text=text,
        encoding=encoding,
        line_breaks_are_paragraphs=line_breaks_are_paragraphs,
    )


def load_text(path: str | Path) -> LoadedDocument:
    """Plain text: every line break is a paragraph break."""
    return _load_plain(path, "txt", line_breaks_are_paragraphs=True)


def load_markdown(path: str | Path) -> LoadedDocument:
    """Markdown, verbatim: only blank lines separate paragraphs; the segmenter reads headings."""
    return _load_plain(path, "md", line_breaks_are_paragraphs=False)
