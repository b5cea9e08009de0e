"""A table answer (rag.figures.table) as the chat shows it: an HTML table whose citations link
to the source cards, a chart of the figures drawn as inline SVG (no plotting library, no fonts to
install: the browser draws the Chinese labels), and the table as CSV or Excel for download."""

from __future__ import annotations

import html
import math
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

from rag.answer_types import Answer
from rag.figures.table import Row, Table

WIDTH, HEIGHT = 460, 230
_LEFT, _RIGHT, _TOP, _BOTTOM = 56, 16, 28, 42


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def table_html(table: Table, link: Callable[[int], str]) -> str:
    """年份 · 数值 · 来源 [n], a missing row said as missing; `link(n)` is a citation's link."""
    head = "年份" if table.by == "year" else "地区"
    body = []
    for row in table.rows:
        if row.cell is None:
            body.append(
                f'<tr class="kb-missing"><td>{_esc(row.key)}</td><td>—</td><td>{_esc(row.missing)}</td></tr>'
            )
        else:
            source = f"《{_esc(row.doc)}》" if row.doc else ""
            # Targets and outcomes side by side: each figure says which it is.
            kind = (
                f'<span class="kb-kind">（{_esc(row.aspect)}）</span>' if table.mixed and row.aspect else ""
            )
            body.append(
                f"<tr><td>{_esc(row.key)}</td><td>{_esc(row.cell.text)}{kind}</td>"
                f"<td>{source} {link(row.citation)}</td></tr>"
            )
    return (
        f'<table class="kb-table"><thead><tr><th>{head}</th><th>数值</th><th>来源</th></tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def _scale(table: Table) -> tuple[float, str]:
    """Divisor and axis unit: "%" as is; counts and money in 万 or 亿 when large."""
    unit = table.unit or ""
    if unit == "%":
        return 1.0, "%"
    top = max((r.cell.high for r in table.filled if r.cell is not None), default=0.0)
    if top >= 1e8:
        return 1e8, f"亿{unit}"
    if top >= 1e4:
        return 1e4, f"万{unit}"
    return 1.0, unit


def _axis(low: float, high: float) -> tuple[float, float, list[float]]:
    """Round axis ends and 4-6 ticks between them (steps of 1, 2, 2.5 or 5 times a power of
    ten), so the grid reads 5.5, 6, 6.5 … rather than 5.55, 6.11 …"""
    raw = (high - low) / 4 or 1.0
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    start = math.floor(low / step) * step
    end = math.ceil(high / step) * step
    count = round((end - start) / step)
    return start, end, [start + i * step for i in range(count + 1)]


def _tick(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def chart_svg(table: Table) -> str:
    """A line chart for years (a range drawn as a bar from its low to its high end, a missing
    year left as a gap), bars for places; "" when the figures do not share a unit."""
    if table.unit is None:
        return ""
    divisor, unit = _scale(table)
    rows = list(table.rows)
    values = [(r.cell.low / divisor, r.cell.high / divisor) for r in rows if r.cell is not None]
    low = min(v[0] for v in values)
    high = max(v[1] for v in values)
    if table.by != "year":
        bottom = min(0.0, low)  # bars stand on zero
    else:
        spread = high - low or abs(high) * 0.2 or 1.0
        bottom = low - spread * 0.3
        bottom = max(bottom, 0.0) if low >= 0 else bottom
    top = high + (high - bottom or 1.0) * 0.15
    bottom, top, ticks = _axis(bottom, top)
    plot_w, plot_h = WIDTH - _LEFT - _RIGHT, HEIGHT - _TOP - _BOTTOM
    step = plot_w / max(len(rows), 1)

    def x(i: int) -> float:
        return _LEFT + step * (i + 0.5)

    def y(v: float) -> float:
        return _TOP + plot_h * (1 - (v - bottom) / (top - bottom or 1))

    parts = [
        f'<svg class="kb-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{_esc(table.indicator)}">',
        f'<text x="{_LEFT}" y="16" font-size="12" fill="#333">{_esc(table.indicator)}（{_esc(unit)}）</text>',
    ]
    for v in ticks:
        parts.append(
            f'<line x1="{_LEFT}" x2="{WIDTH - _RIGHT}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#e5e5e5"/>'
            f'<text x="{_LEFT - 6}" y="{y(v) + 4:.1f}" font-size="10" text-anchor="end" fill="#666">'
            f"{_tick(v)}</text>"
        )
    for i, row in enumerate(rows):
        parts.append(
            f'<text x="{x(i):.1f}" y="{HEIGHT - _BOTTOM + 16}" font-size="10" text-anchor="middle" '
            f'fill="#333">{_esc(row.key)}</text>'
        )
    parts += _bars(rows, x, y, divisor, step, bottom) if table.by != "year" else _line(rows, x, y, divisor)
    parts.append("</svg>")
    return "".join(parts)


def _line(
    rows: list[Row], x: Callable[[int], float], y: Callable[[float], float], divisor: float
) -> list[str]:
    parts: list[str] = []
    run: list[str] = []
    for i, row in enumerate(rows):
        if row.cell is None:  # a gap: the line does not pretend to know the missing year
            if len(run) > 1:
                parts.append(
                    f'<polyline points="{" ".join(run)}" fill="none" stroke="#c0392b" stroke-width="2"/>'
                )
            run = []
            continue
        lo, hi = row.cell.low / divisor, row.cell.high / divisor
        run.append(f"{x(i):.1f},{y((lo + hi) / 2):.1f}")
        if row.cell.is_range:
            parts.append(
                f'<rect x="{x(i) - 5:.1f}" y="{y(hi):.1f}" width="10" height="{max(y(lo) - y(hi), 1):.1f}" '
                'fill="#c0392b" fill-opacity="0.25" stroke="#c0392b"/>'
            )
        parts.append(
            f'<circle cx="{x(i):.1f}" cy="{y((lo + hi) / 2):.1f}" r="3.5" fill="#c0392b"/>'
            f'<text x="{x(i):.1f}" y="{y(hi) - 8:.1f}" font-size="10" text-anchor="middle" fill="#333">'
            f"{_esc(row.cell.text)}</text>"
        )
    if len(run) > 1:
        parts.append(f'<polyline points="{" ".join(run)}" fill="none" stroke="#c0392b" stroke-width="2"/>')
    return parts


def _bars(
    rows: list[Row],
    x: Callable[[int], float],
    y: Callable[[float], float],
    divisor: float,
    step: float,
    bottom: float,
) -> list[str]:
    parts: list[str] = []
    width = min(step * 0.6, 48)
    for i, row in enumerate(rows):
        if row.cell is None:
            continue
        lo, hi = row.cell.low / divisor, row.cell.high / divisor
        parts.append(
            f'<rect x="{x(i) - width / 2:.1f}" y="{y(lo):.1f}" width="{width:.1f}" '
            f'height="{max(y(bottom) - y(lo), 1):.1f}" fill="#c0392b" fill-opacity="0.8"/>'
        )
        if row.cell.is_range:
            parts.append(
                f'<rect x="{x(i) - width / 2:.1f}" y="{y(hi):.1f}" width="{width:.1f}" '
                f'height="{max(y(lo) - y(hi), 1):.1f}" fill="#c0392b" fill-opacity="0.3"/>'
            )
        parts.append(
            f'<text x="{x(i):.1f}" y="{y(hi) - 6:.1f}" font-size="10" text-anchor="middle" fill="#333">'
            f"{_esc(row.cell.text)}</text>"
        )
    return parts


def _file_stem(table: Table) -> str:
    return re.sub(r"[\\/:*?\"<>|\s]+", "", table.indicator)[:40] or "表格"


def write_csv(table: Table, folder: Path) -> Path:
    """The table as CSV with a byte-order mark, so Excel opens the Chinese text correctly."""
    path = folder / f"{_file_stem(table)}.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        fh.write(table.to_csv())
    return path


def write_xlsx(table: Table, folder: Path) -> Path:
    """The table as an Excel workbook: one sheet, a header row, numbers as numbers beside the
    figure as the report writes it."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "表格"
    sheet.append(
        [
            "年份" if table.by == "year" else "地区",
            "数值（原文）",
            "数值",
            "上限",
            "单位",
            "类别",
            "来源",
            "说明",
        ]
    )
    for row in table.rows:
        cell = row.cell
        sheet.append(
            [
                row.key,
                row.shown,
                None if cell is None else cell.low,
                cell.high if cell is not None and cell.is_range else None,
                None if cell is None else cell.unit,
                row.aspect or None,
                row.doc,
                row.missing,
            ]
        )
    path = folder / f"{_file_stem(table)}.xlsx"
    book.save(path)
    return path


def export_files(answer: Answer | None) -> tuple[str | None, str | None]:
    """CSV and Excel files of a table answer, for the download buttons (None: no table)."""
    if answer is None or answer.table is None or answer.refused:
        return None, None
    folder = Path(tempfile.mkdtemp(prefix="kb-table-"))
    return str(write_csv(answer.table, folder)), str(write_xlsx(answer.table, folder))
