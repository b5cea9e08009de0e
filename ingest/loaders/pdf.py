"""PDF files: the text layer, running page numbers dropped and visual lines rejoined into
paragraphs. pypdf is imported only when a PDF is read."""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ingest.loaders.common import LoadError, clean_title, join_fragments, read_bytes
from ingest.loaders.encoding import normalise_newlines
from ingest.records import LoadedDocument

_SENTENCE_END = frozenset("。！？!?；;：:”」』….")
# Lines that start a new section in Chinese reports: 一、 （一） (一) 第X章 1. 1、 （1）
_HEADING_START = re.compile(
    r"^(?:[一二三四五六七八九十百]+、"
    r"|[（(][一二三四五六七八九十百]+[)）]"
    r"|第[一二三四五六七八九十百零〇\d]+[章节篇部条]"
    r"|\d{1,2}[.．、](?!\d)"
    r"|[（(]\d{1,2}[)）])"
)
# Running page numbers: "3", "- 3 -", "— 3 —", "第3页", "第 3 页 共 10 页", "3/10", "Page 3 of 10"
_PAGE_NUMBER = re.compile(
    r"^[\s\-—–－·•]*(?:第\s*)?\d{1,3}(?:\s*页)?(?:\s*[/／]\s*\d{1,3}|\s*共\s*\d{1,3}\s*页)?[\s\-—–－·•]*$"
    r"|^page\s*\d{1,3}(?:\s*(?:of|/)\s*\d{1,3})?$",
    re.IGNORECASE,
)
_SHORT_LINE_RATIO = 0.7
_INNER_SPACES = re.compile(r"(?<=\S)[ \t]{2,}(?=\S)")


def _display_width(line: str) -> int:
    """Approximate printed width: CJK/full-width characters are twice as wide as ASCII."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in line)


def _typical_width(lines: list[str]) -> int:
    # Upper quartile rather than max: one overlong line (a URL, a table) must not make every
    # normal line look "short".
    widths = sorted(_display_width(line) for line in lines if line.strip())
    return widths[int((len(widths) - 1) * 0.75 + 0.5)] if widths else 0


def _page_lines(raw: str) -> list[str]:
    """Visual lines of one page, running page numbers at top/bottom removed.

    Leading indentation is kept (it marks a paragraph start); inner runs of spaces, which
    text extraction produces for justified lines, become one space.
    """
    lines = [_INNER_SPACES.sub(" ", line.rstrip()) for line in normalise_newlines(raw).split("\n")]
    while lines and not lines[-1].strip():
        lines.pop()
    while lines and not lines[0].strip():
        lines.pop(0)
    if lines and _PAGE_NUMBER.match(lines[-1].strip()):
        lines.pop()
    if lines and _PAGE_NUMBER.match(lines[0].strip()):
        lines.pop(0)
    return lines


def _starts_paragraph(line: str) -> bool:
    # Chinese paragraphs are indented with two ideographic spaces; a heading number also starts one.
    return line.startswith(("\u3000", "  ")) or bool(_HEADING_START.match(line.strip()))


def _ends_paragraph(line: str, typical: int) -> bool:
    stripped = line.strip()
    return (
        not stripped
        or stripped[-1] in _SENTENCE_END
        or _display_width(stripped) < _SHORT_LINE_RATIO * typical
    )


def _pdf_paragraphs(pages: Iterable[list[str]]) -> list[str]:
    """Rejoin visual lines into paragraphs, across page breaks too."""
    paragraphs: list[str] = []
    current = ""
    previous_ends = True
    for lines in pages:
        typical = _typical_width(lines)
        for line in lines:
            if current and (previous_ends or _starts_paragraph(line)):
                paragraphs.append(current)
                current = ""
            current = join_fragments(current, line.strip())
            previous_ends = _ends_paragraph(line, typical)
    if current:
        paragraphs.append(current)
    return paragraphs


def _opens_without_password(reader: Any) -> bool:
    # Many "encrypted" PDFs only restrict printing and open with an empty user password.
    try:
        return bool(reader.decrypt(""))
    except Exception:  # e.g. AES without the optional crypto dependency
        return False


def _pdf_reader(data: bytes, path: str | Path) -> Any:
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not _opens_without_password(reader):
            raise LoadError(path, "PDF 已加密，无法读取")
        len(reader.pages)  # a broken page tree only shows when the pages are counted
        return reader
    except LoadError:
        raise
    except Exception as exc:  # pypdf raises many types for damaged files
        reason = f"无法读取 PDF 文件：文件已损坏或不是 PDF 格式（{type(exc).__name__}）"
        raise LoadError(path, reason) from exc


def _pdf_page_texts(reader: Any, path: str | Path) -> list[str]:
    texts: list[str] = []
    for number, page in enumerate(reader.pages, start=1):
        try:
            texts.append(page.extract_text() or "")
        except Exception as exc:  # one damaged page content stream
            raise LoadError(path, f"无法读取 PDF 第 {number} 页（{type(exc).__name__}）") from exc
    return texts


def _pdf_title(reader: Any) -> str | None:
    try:
        metadata = reader.metadata
    except Exception:  # a broken info dictionary must not cost us the text
        return None
    return clean_title(metadata.title) if metadata is not None else None


def load_pdf(path: str | Path) -> LoadedDocument:
    """PDF text layer, visual lines rejoined into paragraphs (one per line of output)."""
    reader = _pdf_reader(read_bytes(path), path)
    texts = _pdf_page_texts(reader, path)
    if not any(text.strip() for text in texts):
        raise LoadError(path, "PDF 没有文字层（可能是扫描件），请先做文字识别")
    paragraphs = _pdf_paragraphs(_page_lines(text) for text in texts)
    return LoadedDocument(
        path=str(path),
        format="pdf",
        text="\n".join(paragraphs),
        encoding=None,
        title=_pdf_title(reader),
        line_breaks_are_paragraphs=True,
    )
