"""The records of a cross-year (or cross-report) answer: one cell per year, each with its figure
and its citation, and the summary and exports computed from the cells alone.

A table is built by rag.figures.series, one single-figure answer per row; this module only holds
the result and says what can be said from it: whether the cells share a unit (then they can be
drawn), how the figure changed from the first cell to the last ("从2010年的8%左右降到2013年的
7.5%左右", every number a cell's), and the rows as CSV for a spreadsheet.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from typing import Any

from rag.figures.numbers import NumberMention, find_numbers

MISSING = "—"


@dataclass(frozen=True)
class Cell:
    """A figure as the report writes it ("8%左右", "5.5%－6%", "120万人以上") read into its
    parts. `low`/`high` are in the figure's own base unit (万 and 亿 multiplied out); a single
    figure has low == high."""

    text: str
    low: float
    high: float
    unit: str  # "%" for a percentage, else the counted unit ("人", "元"), "" for none
    qualifier: str = ""  # 左右 / 以上 / 以内 / 多 / 余 / 超过 … as written around the number

    @property
    def is_range(self) -> bool:
        return self.high != self.low

    @property
    def mid(self) -> float:
        return (self.low + self.high) / 2


def read_cell(lead: str) -> Cell | None:
    """The figure an answer led with, as a cell; None when the lead holds no figure."""
    mentions = find_numbers(lead)
    first = mentions[0] if mentions else None
    if first is None or first.value is None:
        return None
    low = high = first.value
    unit = "%" if first.percent else first.unit
    shown = first.shown
    second = mentions[1] if len(mentions) > 1 and shown != first.text else None
    if second is not None and second.value is not None and second.start < first.lead_start + len(shown):
        high = second.value  # "6.5%－7%": a range, read by both ends
    return Cell(lead, low, high, unit, _qualifier(first, high != low))


def _qualifier(mention: NumberMention, is_range: bool) -> str:
    if is_range or not mention.lead:
        return ""
    before = mention.lead[: max(0, mention.start - mention.lead_start)] if mention.lead_start >= 0 else ""
    at = mention.lead.find(mention.text)
    after = mention.lead[at + len(mention.text) :] if at >= 0 else ""
    return (before + after).strip()


@dataclass(frozen=True)
class Row:
    """One year (or one report) of the table."""

    key: str  # what the row is: "2010年", or a place ("河南")
    year: int | None  # the year the figure is about, when rows are years (or the question's year)
    cell: Cell | None  # None: nothing found, see `missing`
    citation: int = 0  # the answer's citation number of the figure's paragraph
    doc: str = ""  # the report the figure is from (its title)
    region: str = ""  # for rows by place: the place
    missing: str = ""  # why there is no figure ("知识库中没有2020年的政府工作报告")
    aspect: str = ""  # "目标" (a plan's figure) or "实际" (an outcome), when its sentence says

    @property
    def shown(self) -> str:
        return self.cell.text if self.cell is not None else MISSING

    def to_json(self) -> dict[str, Any]:
        cell = self.cell
        return {
            "key": self.key,
            "year": self.year,
            "region": self.region or None,
            "doc": self.doc or None,
            "value": None if cell is None else cell.low,
            "high": None if cell is None or not cell.is_range else cell.high,
            "unit": None if cell is None else cell.unit,
            "qualifier": None if cell is None else cell.qualifier,
            "text": self.shown,
            "citation": self.citation or None,
            "missing": self.missing or None,
            "aspect": {"目标": "target", "实际": "result"}.get(self.aspect),
        }


@dataclass(frozen=True)
class Table:
    """The answer to "2010年到2013年…分别是多少": rows in the order asked."""

    indicator: str  # what each row answers, without the years: "GDP增长目标"
    rows: tuple[Row, ...]
    by: str = "year"  # "year" or "region": what the rows are
    summary: str = field(default="")

    @property
    def filled(self) -> list[Row]:
        return [r for r in self.rows if r.cell is not None]

    @property
    def mixed(self) -> bool:
        """Targets and results side by side: each row then says which it is."""
        return len({r.aspect for r in self.filled if r.aspect}) > 1

    @property
    def unit(self) -> str | None:
        """The unit all figures share, if they do (then they can be drawn on one axis)."""
        units = {r.cell.unit for r in self.filled if r.cell is not None}
        return units.pop() if len(units) == 1 and len(self.filled) >= 2 else None

    def to_json(self) -> list[dict[str, Any]]:
        return [r.to_json() for r in self.rows]

    def to_csv(self) -> str:
        """年份 (or 地区), 数值, 类别, 来源, 说明: what a spreadsheet needs, one row per year or place."""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["年份" if self.by == "year" else "地区", "数值", "类别", "来源", "说明"])
        for r in self.rows:
            writer.writerow([r.key, r.shown, r.aspect, r.doc, r.missing])
        return out.getvalue()


def summarize(rows: tuple[Row, ...] | list[Row], by: str = "year") -> str:
    """One line with only cell values in it: for years, the change from the first figure to the
    last ("从2010年的8%左右降到2013年的7.5%左右"); for places, the highest and the lowest
    ("最高为江苏的120万人以上，最低为湖北的70万人以上"). "" when fewer than two figures compare."""
    filled = [r for r in rows if r.cell is not None]
    if len(filled) < 2 or len({r.cell.unit for r in filled if r.cell is not None}) > 1:
        return ""
    if by != "year":
        return _extremes(filled)
    first, last = filled[0], filled[-1]
    assert first.cell is not None and last.cell is not None
    if first.cell.text == last.cell.text:
        same = all(r.cell is not None and r.cell.text == first.cell.text for r in filled)
        if same:
            return f"{first.key}至{last.key}均为{first.cell.text}"
        return f"{first.key}和{last.key}均为{first.cell.text}"
    if last.cell.mid > first.cell.mid:
        verb = "升到" if first.cell.unit == "%" else "增加到"
    elif last.cell.mid < first.cell.mid:
        verb = "降到" if first.cell.unit == "%" else "减少到"
    else:
        verb = "变为"
    return f"从{first.key}的{first.cell.text}{verb}{last.key}的{last.cell.text}"


# How a difference the product computed is marked: it stands in no paragraph.
COMPUTED = "（据两处原文计算）"


def computed_difference(rows: tuple[Row, ...] | list[Row]) -> str:
    """ "，相差0.2个百分点（据两处原文计算）" for two figures of one unit; "" otherwise."""
    filled = [r for r in rows if r.cell is not None]
    if len(filled) != 2:
        return ""
    a, b = (r.cell for r in filled)
    assert a is not None and b is not None
    if a.unit != b.unit or a.is_range or b.is_range or a.mid == b.mid:
        return ""
    if _approximate(a) != _approximate(b):
        return ""  # "1300多亿" against "1363亿": anything from 0 to 63亿, no difference to state
    return f"，相差{difference(a, b)}{COMPUTED}"


def _approximate(cell: Cell) -> bool:
    """Written as about so much ("约", "左右"), or at least so much ("1300多亿", "超过1亿")."""
    return bool(cell.qualifier) or bool(re.search(r"\d\s*(?:多|余)", cell.text))


_MAGNITUDES = (("万亿", 1e12), ("亿", 1e8), ("万", 1e4))


def difference(a: Cell, b: Cell) -> str:
    """|b − a| in the cells' own terms: 个百分点 between percentages, else the unit with the
    magnitude the first figure is written in ("4576亿元", "4776亿元" -> "200亿元")."""
    gap = abs(b.mid - a.mid)
    approx = "约" if any(_approximate(c) for c in (a, b)) else ""
    if a.unit == "%":
        return f"{approx}{_plain(gap)}个百分点"
    name, size = next(((n, v) for n, v in _MAGNITUDES if n + a.unit in a.text), ("", 1.0))
    if gap < size:
        # Less than one of the figures' magnitude: "3000户", not "0.3万户".
        name, size = next(((n, v) for n, v in _MAGNITUDES if v <= max(gap, 1.0)), ("", 1.0))
    return f"{approx}{_plain(gap / size)}{name}{a.unit}"


def _plain(x: float) -> str:
    """ "0.2", "200", "1.35": no float noise, no trailing zeros."""
    return f"{round(x, 4):.4f}".rstrip("0").rstrip(".")


def _extremes(filled: list[Row]) -> str:
    high = max(filled, key=lambda r: r.cell.mid if r.cell is not None else 0.0)
    low = min(filled, key=lambda r: r.cell.mid if r.cell is not None else 0.0)
    assert high.cell is not None and low.cell is not None
    if high.cell.mid == low.cell.mid:
        return ""
    return f"最高为{high.key}的{high.cell.text}，最低为{low.key}的{low.cell.text}"
