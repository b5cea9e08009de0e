"""The indexed documents and their metadata as an aligned text table (`kb docs`, `kb ingest`),
and the aligning itself: text columns with Chinese characters counted two wide."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from ingest.records import ADMINS_ONLY, DocumentMeta

DOC_COLUMNS = ("文件", "标题", "年份", "发布机关", "地区", "类型", "来源")
# Where a field's value came from, shortest form, for the table.
_ORIGIN = {"文件名": "名", "标题": "题", "正文开头": "文", "更正文件": "改"}


def aligned(lines: Sequence[Sequence[str]]) -> str:
    """Rows of cells as text columns, Chinese characters counted two wide."""
    widths = [max(_width(row[i]) for row in lines) for i in range(len(lines[0]))]
    return "\n".join(
        "  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in lines
    )


def docs_table(rows: Sequence[tuple[str, DocumentMeta]]) -> str:
    """The documents and their metadata as an aligned text table; the last column says where
    each of year/body/region/kind came from (名 file name, 题 title, 文 opening lines, 改 the
    .meta.json correction)."""
    if not rows:
        return "知识库中还没有文档。"
    # Who may read each report, once any report is restricted (admin.access).
    restricted = any(meta.readers for _name, meta in rows)
    lines = [[*DOC_COLUMNS, "阅读范围"] if restricted else list(DOC_COLUMNS)]
    for name, meta in rows:
        origin = dict(meta.origin)
        came = " ".join(f"{label}{_ORIGIN.get(origin.get(key, ''), '-')}" for key, label in _FIELD_LABELS)
        lines.append(
            [
                name,
                meta.title,
                str(meta.year or "—"),
                meta.body or "—",
                meta.region or "—",
                meta.kind.value,
                came,
                *([readers_shown(meta.readers)] if restricted else []),
            ]
        )
    return aligned(lines)


def readers_shown(readers: Sequence[str]) -> str:
    """所有用户, 仅管理员 (a correction that could not be read), or the groups."""
    if not readers:
        return "所有用户"
    return "仅管理员" if ADMINS_ONLY in readers else "、".join(readers)


_FIELD_LABELS = (("year", "年"), ("body", "机"), ("region", "地"), ("kind", "类"))


def _width(text: str) -> int:
    """Display width: CJK characters take two columns in a terminal."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
