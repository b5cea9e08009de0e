"""Word (.docx) files: one line per paragraph, headings as Markdown `#` lines, table rows as
`a | b`. python-docx is imported only when a Word file is read."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ingest.loaders.common import LoadError, clean_title, join_fragments, read_bytes
from ingest.records import LoadedDocument

_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*([1-9])$", re.IGNORECASE)
_TITLE_STYLES = frozenset({"title", "标题"})


def _heading_level(style_name: str) -> int | None:
    """1-9 for heading styles (English or Chinese Word names), 1 for Title, else None."""
    name = style_name.strip()
    if name.lower() in _TITLE_STYLES:
        return 1
    match = _HEADING_STYLE.match(name)
    return int(match.group(1)) if match else None


def _docx_paragraph_line(paragraph: Any) -> str | None:
    # A soft line break (Shift+Enter) inside a Word paragraph is layout, not structure: keep
    # the paragraph on one line so the segmenter does not split it.
    pieces = [piece.strip() for piece in paragraph.text.split("\n")]
    text = ""
    for piece in pieces:
        text = join_fragments(text, piece)
    if not text:
        return None
    style_name = paragraph.style.name if paragraph.style is not None else ""
    level = _heading_level(style_name or "")
    return f"{'#' * level} {text}" if level else text


def _docx_cell_text(cell: Any) -> str:
    return " ".join(" ".join(p.text.split()) for p in cell.paragraphs if p.text.strip())


def _docx_table_lines(table: Any) -> Iterator[str]:
    for row in table.rows:
        cells: list[str] = []
        previous = None
        for cell in row.cells:
            # A horizontally merged cell is returned once per grid column it spans.
            if cell._tc is previous:
                continue
            previous = cell._tc
            cells.append(_docx_cell_text(cell))
        if any(cells):
            yield " | ".join(cells)


def _docx_lines(document: Any) -> Iterator[str]:
    from docx.table import Table

    for block in document.iter_inner_content():  # paragraphs and tables in document order
        if isinstance(block, Table):
            yield from _docx_table_lines(block)
        else:
            line = _docx_paragraph_line(block)
            if line:
                yield line


def load_docx(path: str | Path) -> LoadedDocument:
    """Word: one line per paragraph, headings as Markdown `#` lines, table rows as `a | b`."""
    import docx

    data = read_bytes(path)
    try:
        document = docx.Document(io.BytesIO(data))
        lines = list(_docx_lines(document))
        title = clean_title(document.core_properties.title)
    except Exception as exc:  # python-docx raises zipfile, lxml and KeyError failures alike
        reason = f"无法读取 Word 文件：文件已损坏或不是 .docx 格式（{type(exc).__name__}）"
        raise LoadError(path, reason) from exc
    if not lines:
        raise LoadError(path, "Word 文件中没有文字")
    return LoadedDocument(
        path=str(path),
        format="docx",
        text="\n".join(lines),
        encoding=None,
        title=title,
        line_breaks_are_paragraphs=True,
    )
