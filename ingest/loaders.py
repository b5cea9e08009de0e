"""Turn a file on disk into a `LoadedDocument`: decoded text (or pre-cut passages) plus metadata.

One small loader per format, dispatched on the (case-insensitive) file suffix. Loaders never
guess silently: anything they cannot read raises `LoadError`, whose message names the file and
says in Chinese what is wrong, because that message is shown to the person managing the corpus.
"""

from __future__ import annotations

import codecs
import io
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import charset_normalizer
from bs4 import BeautifulSoup, Comment, NavigableString, PageElement, Tag

from ingest.records import LoadedDocument, Passage

__all__ = [
    "SUPPORTED_SUFFIXES",
    "LoadError",
    "decode_bytes",
    "detect_encoding",
    "load_document",
    "load_docx",
    "load_html",
    "load_jsonl",
    "load_markdown",
    "load_pdf",
    "load_text",
]


class LoadError(Exception):
    """A file could not be turned into text. `reason` is in Chinese and meant for users."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")

    def __reduce__(self) -> tuple[Any, ...]:
        # Default exception pickling would call LoadError(message) and fail; keep it picklable
        # so errors survive a process pool.
        return (type(self), (self.path, self.reason))


# --------------------------------------------------------------------------------------------
# Encoding detection
# --------------------------------------------------------------------------------------------

NOT_TEXT_REASON = "不是文本文件（无法识别编码）"

# Checked longest first: the UTF-32 LE BOM starts with the UTF-16 LE BOM.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

# Legacy Chinese codecs a detector may name; gb18030 is a superset of all of them, so decoding
# with it never loses characters the narrower guess would have produced.
_CHINESE_LEGACY = frozenset({"gb2312", "gbk", "gb18030", "cp936", "hz", "iso2022_cn", "euc_cn"})

# Punctuation that appears in ordinary simplified-Chinese prose.
_CHINESE_PUNCT = frozenset("，。、；：？！“”‘’（）《》〈〉【】〔〕—…·「」『』％　～")

# Control characters that do occur in real text files (tab, newlines, form feed, DOS EOF).
_ALLOWED_CONTROLS = frozenset("\t\n\r\x0b\x0c\x1a")


def _codec_name(name: str) -> str:
    """Canonical Python codec name ("UTF_16_LE" -> "utf-16-le")."""
    return codecs.lookup(name).name


def _try_decode(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _looks_binary(text: str) -> bool:
    # A stray control character can occur in a real text file; many of them mean we decoded
    # something that is not text.
    bad = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in _ALLOWED_CONTROLS)
    return bad > max(1, len(text) // 200)


def _is_common_chinese(ch: str) -> bool:
    """True for GB2312 hanzi and ordinary Chinese punctuation: what real GB-encoded prose is made of."""
    if ch in _CHINESE_PUNCT or "\uff01" <= ch <= "\uff5e":
        return True
    try:
        encoded = ch.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return len(encoded) == 2 and encoded[0] >= 0xB0  # rows 16-87 are the hanzi


def _is_cjk_script(ch: str) -> bool:
    """Script-level test, not biased to simplified Chinese (Big5 text passes too)."""
    return (
        "\u4e00" <= ch <= "\u9fff"
        or "\u3400" <= ch <= "\u4dbf"
        or "\u3000" <= ch <= "\u303f"
        or "\uff00" <= ch <= "\uffef"
        or "\u2010" <= ch <= "\u2027"
    )


def _ratio(text: str, predicate: Callable[[str], bool]) -> float:
    """Share of the non-ASCII characters of `text` satisfying `predicate` (0.0 if none)."""
    non_ascii = [ch for ch in text if ord(ch) > 0x7F]
    if not non_ascii:
        return 0.0
    verdicts = {ch: predicate(ch) for ch in set(non_ascii)}
    return sum(verdicts[ch] for ch in non_ascii) / len(non_ascii)


def _bom_encoding(data: bytes) -> str | None:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding
    return None


def _bomless_utf16(data: bytes) -> str | None:
    """UTF-16 without BOM: ASCII characters put their NUL byte always on the same side."""
    if len(data) % 2:
        return None
    nul_even = data[0::2].count(0)
    nul_odd = data[1::2].count(0)
    if nul_odd and not nul_even:
        candidate = "utf-16-le"
    elif nul_even and not nul_odd:
        candidate = "utf-16-be"
    else:
        return None
    text = _try_decode(data, candidate)
    return candidate if text is not None and not _looks_binary(text) else None


def _confident_gb18030(data: bytes) -> bool:
    # Detectors misjudge short GBK text (often as Big5 or a Windows code page). If gb18030 decodes
    # the bytes strictly and the result is overwhelmingly ordinary Chinese, that is conclusive:
    # text in another encoding almost never decodes into common hanzi by accident.
    text = _try_decode(data, "gb18030")
    return text is not None and _ratio(text, _is_common_chinese) >= 0.9


def _from_detector(data: bytes) -> str | None:
    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        return None
    guess = _codec_name(best.encoding)
    if guess.replace("-", "_") in _CHINESE_LEGACY:
        return "gb18030"
    if guess.startswith("utf"):
        return guess
    return _prefer_gb18030_over(guess, data)


def _prefer_gb18030_over(guess: str, data: bytes) -> str | None:
    """Keep a Big5/cp* guess only if it decodes the bytes better than gb18030 does."""
    guessed_text = _try_decode(data, guess)
    gb_text = _try_decode(data, "gb18030")
    gb_is_chinese = gb_text is not None and _ratio(gb_text, _is_common_chinese) >= 0.5
    if gb_is_chinese and (
        guessed_text is None or _ratio(gb_text or "", _is_cjk_script) >= _ratio(guessed_text, _is_cjk_script)
    ):
        return "gb18030"
    return guess if guessed_text is not None else None


def _sniff(data: bytes) -> str | None:
    """Codec name for `data`, or None if it does not look like text at all."""
    if not data:
        return "utf-8"
    bom = _bom_encoding(data)
    if bom:
        return bom
    if b"\x00" in data:
        # NUL never occurs in UTF-8/GB text; only UTF-16 without BOM explains it.
        return _bomless_utf16(data) or _utf16_from_detector(data)
    if _try_decode(data, "utf-8") is not None:
        return "utf-8"
    if _confident_gb18030(data):
        return "gb18030"
    return _from_detector(data)


def _utf16_from_detector(data: bytes) -> str | None:
    best = charset_normalizer.from_bytes(data).best()
    if best is not None and _codec_name(best.encoding).startswith(("utf-16", "utf-32")):
        return _codec_name(best.encoding)
    return None


def detect_encoding(data: bytes) -> str:
    """Return the Python codec name that decodes `data`.

    Order: byte-order mark; strict UTF-8; strict gb18030 when the result is plainly Chinese;
    then charset-normalizer, with GB2312/GBK guesses widened to gb18030 and Big5/cp* guesses
    kept only when they decode better than gb18030. Raises ValueError (Chinese message) when
    the bytes are not text.
    """
    encoding = _sniff(data)
    if encoding is None:
        raise ValueError(NOT_TEXT_REASON)
    return encoding


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _decode_with(data: bytes, encoding: str, path: str) -> str:
    text = _try_decode(data, encoding)
    if text is None or _looks_binary(text):
        raise LoadError(path, NOT_TEXT_REASON)
    # A BOM can survive when a detector (not our BOM check) chose a BOM-less codec.
    text = _normalise_newlines(text).removeprefix("\ufeff")
    if not text.strip():
        raise LoadError(path, "文件为空")
    return text


def decode_bytes(data: bytes, path: str = "") -> tuple[str, str]:
    """Decode file bytes to text with detected encoding; newlines become "\\n", BOM removed.

    Returns (text, encoding). Raises LoadError for empty (or blank) and non-text data.
    """
    if not data:
        raise LoadError(path, "文件为空")
    encoding = _sniff(data)
    if encoding is None:
        mixed = _decode_lines(data)
        if mixed is None:
            raise LoadError(path, NOT_TEXT_REASON)
        return mixed, MIXED_ENCODING
    return _decode_with(data, encoding, path), encoding


MIXED_ENCODING = "utf-8+gb18030"


def _decode_lines(data: bytes) -> str | None:
    """Text pasted together from files in two encodings (UTF-8 and GBK lines in one file): each
    line in whichever of the two decodes it, if every line is plainly text that way."""
    lines = []
    for raw in data.split(b"\n"):
        line = _try_decode(raw, "utf-8")
        if line is None:
            line = _try_decode(raw, "gb18030")
            if line is None or _ratio(line, _is_common_chinese) < 0.9:
                return None
        lines.append(line)
    text = _normalise_newlines("\n".join(lines)).removeprefix("\ufeff")
    return text if text.strip() and not _looks_binary(text) else None


# --------------------------------------------------------------------------------------------
# Shared helpers
# --------------------------------------------------------------------------------------------


def _read_bytes(path: str | Path) -> bytes:
    # Errors name the path as the caller spelled it, so messages match the caller's own list.
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise LoadError(path, "文件不存在") from None
    except IsADirectoryError:
        raise LoadError(path, "这是一个文件夹，不是文件") from None
    except OSError as exc:
        raise LoadError(path, f"无法读取文件（{exc.strerror or exc}）") from None
    if not data:
        raise LoadError(path, "文件为空")
    return data


def _join_fragments(left: str, right: str) -> str:
    """Glue two pieces of one wrapped paragraph: Chinese takes no space, English words do."""
    if not left or not right:
        return left + right
    last, first = left[-1], right[0]
    left_is_word = last.isascii() and (last.isalnum() or last in ",)%\"'")
    right_is_word = first.isascii() and (first.isalnum() or first in "(\"'")
    return f"{left} {right}" if left_is_word and right_is_word else left + right


def _clean_title(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    title = " ".join(value.split())
    return title or None


# --------------------------------------------------------------------------------------------
# Plain text and Markdown
# --------------------------------------------------------------------------------------------


def _load_plain(path: str | Path, fmt: str, line_breaks_are_paragraphs: bool) -> LoadedDocument:
    text, encoding = decode_bytes(_read_bytes(path), str(path))
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


# --------------------------------------------------------------------------------------------
# Word (.docx)
# --------------------------------------------------------------------------------------------

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
        text = _join_fragments(text, piece)
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

    data = _read_bytes(path)
    try:
        document = docx.Document(io.BytesIO(data))
        lines = list(_docx_lines(document))
        title = _clean_title(document.core_properties.title)
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


# --------------------------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------------------------

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
    lines = [_INNER_SPACES.sub(" ", line.rstrip()) for line in _normalise_newlines(raw).split("\n")]
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
            current = _join_fragments(current, line.strip())
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
    return _clean_title(metadata.title) if metadata is not None else None


def load_pdf(path: str | Path) -> LoadedDocument:
    """PDF text layer, visual lines rejoined into paragraphs (one per line of output)."""
    reader = _pdf_reader(_read_bytes(path), path)
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


# --------------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------------

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
        name = _codec_name(match.group(1).decode("ascii"))
    except (LookupError, UnicodeDecodeError):
        return None
    return "gb18030" if name.replace("-", "_") in _CHINESE_LEGACY else name


def _decode_html(data: bytes, path: str) -> tuple[str, str]:
    # A BOM or valid UTF-8 outranks <meta charset>: pages re-saved as UTF-8 often keep a stale
    # "gb2312" declaration, and gb18030 would happily decode UTF-8 bytes into nonsense.
    declared = _declared_charset(data)
    if declared and not _bom_encoding(data) and _try_decode(data, "utf-8") is None:
        try:
            return _decode_with(data, declared, path), declared
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
    text, encoding = _decode_html(_read_bytes(path), str(path))
    soup = BeautifulSoup(text, "html.parser")
    title_tag = soup.find("title")
    title = _clean_title(title_tag.get_text()) if title_tag else None
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


# --------------------------------------------------------------------------------------------
# JSON Lines passages
# --------------------------------------------------------------------------------------------


def _jsonl_field(record: dict[str, Any], name: str, line_no: int, path: str | Path) -> str:
    if name not in record:
        raise LoadError(path, f'第 {line_no} 行：缺少字段 "{name}"')
    value = record[name]
    if not isinstance(value, str):
        raise LoadError(path, f'第 {line_no} 行：字段 "{name}" 必须是字符串')
    if name != "title" and not value.strip():
        raise LoadError(path, f'第 {line_no} 行：字段 "{name}" 为空')
    return value


def _jsonl_passage(line: str, line_no: int, path: str | Path) -> Passage:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise LoadError(path, f"第 {line_no} 行：不是合法的 JSON（第 {exc.colno} 列：{exc.msg}）") from None
    if not isinstance(record, dict):
        raise LoadError(path, f'第 {line_no} 行：应为 JSON 对象（{{"id", "title", "text"}}）')
    return Passage(
        id=_jsonl_field(record, "id", line_no, path).strip(),
        title=_jsonl_field(record, "title", line_no, path).strip(),
        text=_normalise_newlines(_jsonl_field(record, "text", line_no, path)),
    )


def load_jsonl(path: str | Path) -> LoadedDocument:
    """Pre-cut passages, one JSON object {"id", "title", "text"} per line; ids must be unique."""
    text, encoding = decode_bytes(_read_bytes(path), str(path))
    passages: list[Passage] = []
    first_line_of: dict[str, int] = {}
    for line_no, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        passage = _jsonl_passage(line, line_no, path)
        if passage.id in first_line_of:
            first = first_line_of[passage.id]
            raise LoadError(path, f'第 {line_no} 行：id "{passage.id}" 与第 {first} 行重复')
        first_line_of[passage.id] = line_no
        passages.append(passage)
    return LoadedDocument(
        path=str(path), format="jsonl", text="", encoding=encoding, title=None, passages=tuple(passages)
    )


# --------------------------------------------------------------------------------------------
# Dispatch
# --------------------------------------------------------------------------------------------

_LOADERS: dict[str, Callable[[str | Path], LoadedDocument]] = {
    ".txt": load_text,
    ".md": load_markdown,
    ".markdown": load_markdown,
    ".docx": load_docx,
    ".pdf": load_pdf,
    ".html": load_html,
    ".htm": load_html,
    ".jsonl": load_jsonl,
}

SUPPORTED_SUFFIXES: frozenset[str] = frozenset(_LOADERS)


def load_document(path: str | Path) -> LoadedDocument:
    """Load any supported file, chosen by suffix (case-insensitive). Raises LoadError."""
    suffix = Path(path).suffix.lower()
    loader = _LOADERS.get(suffix)
    if loader is None:
        supported = "、".join(sorted(SUPPORTED_SUFFIXES))
        kind = suffix or "（无扩展名）"
        raise LoadError(path, f"不支持的文件类型 {kind}（支持：{supported}）")
    return loader(path)
