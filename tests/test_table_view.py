"""A table answer in the chat: the HTML table with citation links, the chart, the downloads."""

from __future__ import annotations

import re
from pathlib import Path

from openpyxl import load_workbook

from chat.render import render_answer_html
from chat.table_view import chart_svg, export_files, write_csv, write_xlsx
from rag.answer_types import Answer, Citation
from rag.figures.table import Row, Table, read_cell, summarize


def _row(key: str, text: str | None, n: int, missing: str = "") -> Row:
    cell = read_cell(text) if text else None
    return Row(
        key, int(key[:4]) if key[:4].isdigit() else None, cell, n, "某年报告" if cell else "", missing=missing
    )


def _answer(rows: list[Row], by: str = "year") -> Answer:
    table = Table("粮食产量目标", tuple(rows), by, summarize(rows, by))
    cites = [
        Citation(r.citation, f"p{r.citation}", "某年报告", "", f"粮食产量{r.shown}。", f"粮食产量{r.shown}")
        for r in rows
        if r.cell is not None
    ]
    lines = [table.summary + "[1]。"] + [f"{r.key}：{r.shown}[{r.citation}]" for r in rows]
    return Answer("历年粮食产量目标", "\n".join(lines), False, cites, table=table)


ROWS = [
    _row("2010年", "1万亿斤以上", 1),
    _row("2011年", None, 0, "知识库中没有2011年的报告"),
    _row("2012年", "1.1万亿斤－1.2万亿斤", 2),
    _row("2013年", "1.2万亿斤左右", 3),
]


def test_the_table_links_each_row_to_its_source_and_says_a_missing_row() -> None:
    page = render_answer_html(_answer(ROWS), uid="u1")
    table = re.search(r'<table class="kb-table">.*</table>', page)
    assert table is not None
    cells = re.findall(r"<tr[^>]*><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>", table.group(0))
    assert [(k, v) for k, v, _s in cells] == [
        ("2010年", "1万亿斤以上"),
        ("2011年", "—"),
        ("2012年", "1.1万亿斤－1.2万亿斤"),
        ("2013年", "1.2万亿斤左右"),
    ]
    assert '<a href="#cite-u1-2" class="cite"' in cells[2][2]
    assert cells[1][2] == "知识库中没有2011年的报告"
    assert page.startswith('<div class="kb-summary">从2010年的1万亿斤以上')
    assert "<svg" in page


def test_the_chart_draws_ranges_and_leaves_missing_years_out() -> None:
    svg = chart_svg(_answer(ROWS).table)  # type: ignore[arg-type]
    assert "粮食产量目标（亿斤）" in svg  # 万亿斤 drawn in 亿斤
    assert svg.count("<circle") == 3  # three figures, no point for 2011
    assert svg.count("<polyline") == 1  # 2012-2013 joined; 2010 stands alone beside the gap
    assert svg.count('fill-opacity="0.25"') == 1  # the 2012 range as a bar from low to high
    assert "2011年" in svg  # the year is on the axis all the same
    mixed = [_row("2010年", "3%", 1), _row("2011年", "5亿元", 2)]
    assert chart_svg(Table("x", tuple(mixed))) == ""  # no common unit: no chart
    places = [_row("甲省", "5%左右", 1), _row("乙省", "6%以上", 2)]
    bars = chart_svg(Table("增长目标", tuple(places), "region"))
    assert bars.count("<rect") == 2 and "<polyline" not in bars


def test_downloads_open_in_a_spreadsheet(tmp_path: Path) -> None:
    table = _answer(ROWS).table
    assert table is not None
    text = write_csv(table, tmp_path).read_bytes()
    assert text.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the Chinese as UTF-8
    assert "2012年,1.1万亿斤－1.2万亿斤,,某年报告," in text.decode("utf-8-sig")
    sheet = load_workbook(write_xlsx(table, tmp_path)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == ["年份", "数值（原文）", "数值", "上限", "单位", "类别", "来源", "说明"]
    assert values[3] == ["2012年", "1.1万亿斤－1.2万亿斤", 1.1e12, 1.2e12, "斤", None, "某年报告", None]
    assert values[2][1:3] == ["—", None]
    csv_path, xlsx_path = export_files(_answer(ROWS))
    assert csv_path is not None and csv_path.endswith("粮食产量目标.csv") and Path(csv_path).exists()
    assert xlsx_path is not None and Path(xlsx_path).exists()
    assert export_files(Answer("q", "x", False)) == (None, None)


def test_the_axis_has_round_ticks() -> None:
    from chat.table_view import _axis

    assert _axis(5.55, 7.79) == (5.0, 8.0, [5.0, 6.0, 7.0, 8.0])
    assert _axis(0.0, 620.0) == (0.0, 800.0, [0.0, 200.0, 400.0, 600.0, 800.0])
    low, high, ticks = _axis(940.0, 1009.0)
    assert (low, high) == (940.0, 1020.0) and ticks[1] == 960.0
