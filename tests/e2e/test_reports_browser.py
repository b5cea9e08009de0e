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
