"""Turn a file on disk into a `LoadedDocument`: decoded text (or pre-cut passages) plus metadata.

One small loader per format, dispatched on the (case-insensitive) file suffix through `_LOADERS`,
the one registry of formats: `SUPPORTED_SUFFIXES`, and with it what ingest discovers and what
upload and the admin page accept, is its keys. Loaders never guess silently: anything they cannot
read raises `LoadError`, whose message names the file and says in Chinese what is wrong, because
that message is shown to the person managing the corpus.

Adding a format, say .xlsx: write `ingest/loaders/xlsx.py` with `load_xlsx(path) ->
LoadedDocument` (raising `LoadError` with a Chinese reason for what it cannot read; `common` has
`read_bytes` and `clean_title`, `encoding` has `decode_bytes`), import it here and add its line
`".xlsx": load_xlsx` to `_LOADERS`. Its tests go in tests/ingest/loaders/test_xlsx.py, and
tests/ingest/loaders/test_registry.py lists the supported suffixes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ingest.loaders.common import LoadError
from ingest.loaders.docx import load_docx
from ingest.loaders.encoding import decode_bytes, detect_encoding
from ingest.loaders.html import load_html
from ingest.loaders.jsonl import load_jsonl
from ingest.loaders.pdf import load_pdf
from ingest.loaders.text import load_markdown, load_text
from ingest.records import LoadedDocument

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

# The registry: suffix (lower case) -> loader. One line per suffix a format is written with.
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
