"""Several real reports in the browser: the year a figure belongs to, whose report it is, a
question restricted to one report, and a report the knowledge base does not hold."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import Server
from tests.e2e.test_browser import _ask, _open


def test_which_year_whose_report_and_restricting_the_question(reports_app: Server, page: Any) -> None:
    _open(page, reports_app)
    answer = _ask(page, "2016年GDP实际增长多少?")
    assert answer.inner_text().startswith("6.7%。依据：据《2017年政府工作报告》（回顾2016年）")
    answer.locator("a[href^='#cite-']").first.click()
    card = page.locator(".src-card.cite-active")
    card.wait_for()
    assert "2017年政府工作报告 · 国务院" in card.locator(".src-head").inner_text()
    assert "2017年 · 政府工作报告 · 一、2016年工作回顾" in card.locator(".src-meta").inner_text()

    # Only the 2016 report: it holds the 2016 target, not the result.
    page.locator("#kb-reports input").click()
    page.get_by_role("option", name="2016年政府工作报告 · 国务院").click()
    page.keyboard.press("Escape")
    restricted = _ask(page, "2016年GDP实际增长多少?", 2)
    assert restricted.inner_text().startswith("6.5%－7%。依据：据《2016年政府工作报告》（2016年的目标）")


def test_a_report_the_knowledge_base_does_not_hold(reports_app: Server, page: Any) -> None:
    _open(page, reports_app)
    answer = _ask(page, "广东省2016年地区生产总值是多少?")
    assert answer.inner_text().startswith(
        "知识库中没有广东省2016年的政府工作报告（现有：2025年广东省政府工作报告）。"
    )
    # The example questions come from these reports, not from the sample report.
    examples = page.locator("button", has_text="多少").all_inner_texts()
    assert examples and not any("组工" in e or "党员干部" in e for e in examples)


def test_a_figure_per_year_as_a_cited_table_with_a_chart(
    reports_app: Server, page: Any, tmp_path: Any
) -> None:
    _open(page, reports_app)
    answer = _ask(page, "2015年至2017年城镇新增就业目标分别是多少?")
    rows = answer.locator("table.kb-table tbody tr")
    assert [rows.nth(i).locator("td").first.inner_text() for i in range(rows.count())] == [
        "2015年",
        "2016年",
        "2017年",
    ]
    assert rows.nth(0).locator("td").nth(1).inner_text() == "—"  # no 2015 target in these reports
    assert rows.nth(2).locator("td").nth(1).inner_text() == "1100万人以上"
    chart = answer.locator("svg.kb-chart")
    assert chart.count() == 1 and chart.locator("circle").count() == 2
    rows.nth(2).locator("a[href^='#cite-']").click()
    card = page.locator(".src-card.cite-active")
    card.wait_for()
    assert "2017年政府工作报告 · 国务院" in card.locator(".src-head").inner_text()
    assert "1100万人以上" in card.locator("mark").inner_text()
    with page.expect_download() as download:
        page.locator("#kb-xlsx").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    with page.expect_download() as download:
        page.locator("#kb-csv").click()
    saved = tmp_path / "table.csv"
    download.value.save_as(saved)
    lines = saved.read_text(encoding="utf-8-sig").splitlines()
    assert (
        lines[0] == "年份,数值,类别,来源,说明" and lines[3] == "2017年,1100万人以上,目标,2017年政府工作报告,"
    )
