"""Text that reads as what it is: no invisible characters that change how it displays.

A bidirectional override (U+202E) makes "报告txt.exe" display as "报告exe.txt" and a question
display backwards in the chat bubble; zero-width characters make two names that look alike differ.
Questions, user and group names, report titles and metadata corrections pass through `visible`
before they are stored, logged or shown, so a log line or a title reads as what it is. Unicode
calls these characters "format" (Cf: direction marks, embeddings, overrides and isolates,
zero-width spaces and joiners, the byte-order mark, the soft hyphen); control characters (Cc)
other than a line break or a tab become a space.
"""

from __future__ import annotations

import unicodedata

_KEPT_CONTROLS = "\n\t"


def visible(text: str) -> str:
    """`text` (NFC) without format characters, other control characters made spaces."""
    text = unicodedata.normalize("NFC", text or "")
    out = []
    for ch in text:
        kind = unicodedata.category(ch)
        if kind == "Cf":
            continue
        out.append(" " if kind == "Cc" and ch not in _KEPT_CONTROLS else ch)
    return "".join(out)


def one_line(text: str) -> str:
    """A name or a title: `visible`, with every run of white space one space, trimmed."""
    return " ".join(visible(text).split())
