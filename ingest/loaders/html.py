"""Web pages (.html, .htm): the declared or detected charset, then the visible text only, one
line per block, headings as Markdown `#` lines and table rows as `a | b`."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from bs4 import BeautifulSoup, Comment, NavigableString, PageElement, Tag

from ingest.loaders.common import LoadError, clean_title, read_bytes
from ingest.loaders.encoding import (
    CHINESE_LEGACY,
    bom_encoding,
    codec_name,
    decode_bytes,
    decode_with,
    try_decode,
)
from ingest.records import LoadedDocument

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.IGNORECASE)
_DROPPED_TAGS = ("script", "style", "noscript", "template", "nav", "svg", "iframe", "object", "head", "title")
_PAGE_CHROME = ("header", "footer")
_SECTIONING = ("article", "main", "section", "aside")
_BLOCK_TAGS = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "caption",
        "dd",
        "details",
        "dialog",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "form",
        "hr",
        "html",
        "li",
        "main",
        "ol",
        "p",
        "section",
        "summary",
        "table",
        "tbody",
        "thead",
        "tfoot",
        "ul",
        "center",
    }
)
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
# Elements turned into lines as a whole rather than walked into.
_SELF_CONTAINED = frozenset({"br", "tr", "pre", *_HEADINGS})


def _declared_charset(data: bytes) -> str | None:
    match = _META_CHARSET.search(data[:4096])
    if not match:
        return None
    try:
        name = codec_name(match.group(1).decode("ascii"))
    except (LookupError, UnicodeDecodeError):
        return None
    return "gb18030" if name.replace("-", "_") in CHINESE_LEGACY else name


def _decode_html(data: bytes, path: str) -> tuple[str, str]:
    # A BOM or valid UTF-8 outranks <meta charset>: pages re-saved as UTF-8 often keep a stale
    # "gb2312" declaration, and gb18030 would happily decode UTF-8 bytes into nonsense.
    declared = _declared_charset(data)
    if declared and not bom_encoding(data) and try_decode(data, "utf-8") is None:
        try:
            return decode_with(data, declared, path), declared
        except LoadError:
            pass  # the declaration is wrong; detect instead
    return decode_bytes(data, path)


class _HtmlText:
    """Collects the visible text of an HTML tree as lines (headings as `#` lines)."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._buffer: list[str] = []

    def flush(self) -> None:
        line = _collapse_space("".join(self._buffer))
        self._buffer.clear()
        if line:
            self.lines.append(line)

    def walk(self, root: Tag) -> None:
        # Iterative, not recursive: html.parser nests every unclosed <p>/<font>, and real
        # pages with hundreds of them would overflow Python's recursion limit.
        stack: list[PageElement | None] = list(reversed(list(root.children)))
        while stack:
            node = stack.pop()
            if node is None:  # end of a block element
                self.flush()
            elif isinstance(node, Tag):
                stack.extend(reversed(self._element(node)))
            elif type(node) is NavigableString:  # skips comments, doctype, CDATA
                self._buffer.append(str(node))

    def _element(self, tag: Tag) -> list[PageElement | None]:
        """Handle one element; return what to visit next (its children, maybe a block end)."""
        name = tag.name.lower()
        if name in _BLOCK_TAGS:
            self.flush()
            return [*tag.children, None]
        if name not in _SELF_CONTAINED:
            return list(tag.children)
        self.flush()
        if name in _HEADINGS:
            text = _inner_text(tag)
            if text:
                self.lines.append(f"{'#' * _HEADINGS[name]} {text}")
        elif name == "tr":
            cells = [_inner_text(cell) for cell in tag.find_all(("td", "th"), recursive=False)]
            if any(cells):
                self.lines.append(" | ".join(cells))
        elif name == "pre":
            self.lines.extend(line.strip() for line in tag.get_text().split("\n") if line.strip())
        return []


def _inner_text(tag: Tag) -> str:
    """Text of a heading or table cell on one line, its inner blocks and <br>s joined by spaces."""
    inner = _HtmlText()
    inner.walk(tag)
    inner.flush()
    return " ".join(inner.lines)


_WHITESPACE_RUN = re.compile(r"\s+")


def _collapse_space(text: str) -> str:
    # HTML source wraps Chinese lines anywhere; a line break between two CJK characters is
    # source formatting, not a space (CSS Text 3 segment-break rule).
    def replace(match: re.Match[str]) -> str:
        before = text[match.start() - 1] if match.start() else ""
        after = text[match.end()] if match.end() < len(text) else ""
        wide = all(ch and unicodedata.east_asian_width(ch) in ("W", "F") for ch in (before, after))
        return "" if wide and "\n" in match.group() else " "

    return _WHITESPACE_RUN.sub(replace, text).strip()


def _drop_invisible(soup: BeautifulSoup) -> None:
    for tag in soup.find_all(_DROPPED_TAGS):
        tag.decompose()
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    # Page-level banners go; a <header>/<footer> inside an article is part of its content
    # (it often holds the article's own <h1>), as in the HTML spec's banner/contentinfo rule.
    for tag in soup.find_all(_PAGE_CHROME):
        if tag.find_parent(_SECTIONING) is None:
            tag.decompose()


def load_html(path: str | Path) -> LoadedDocument:
    """Web page: visible text only, one line per block, headings as Markdown `#` lines."""
    text, encoding = _decode_html(read_bytes(path), str(path))
    soup = BeautifulSoup(text, "html.parser")
    title_tag = soup.find("title")
    title = clean_title(title_tag.get_text()) if title_tag else None
    _drop_invisible(soup)
    collector = _HtmlText()
    collector.walk(soup)
    collector.flush()
    if not collector.lines:
        raise LoadError(path, "网页中没有正文文字")
    return LoadedDocument(
        path=str(path),
        format="html",
        text="\n".join(collector.lines),
        encoding=encoding,
        title=title,
        line_breaks_are_paragraphs=True,
    )
