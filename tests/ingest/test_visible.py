"""Text that cannot disguise itself: direction overrides, zero-width and control characters."""

from __future__ import annotations

from ingest.metadata import derive, parse_correction
from ingest.visible import one_line, visible

RLO, PDF, ZWSP, LRI, PDI = "\u202e", "\u202c", "\u200b", "\u2066", "\u2069"


def test_format_characters_go_and_controls_become_spaces() -> None:
    assert visible(f"2021年{RLO}发展党员多少名{PDF}？") == "2021年发展党员多少名？"
    assert visible(f"张{ZWSP}三\x07\x1b[31m") == "张三  [31m"
    assert visible("第一行\n\t第二行") == "第一行\n\t第二行"  # line breaks and tabs stay
    assert visible("\ufeff报告") == "报告"  # a byte-order mark
    assert one_line(f"  {LRI}綦江区\u3000委组织部{PDI}\n") == "綦江区 委组织部"


def test_titles_and_corrections_read_as_they_are() -> None:
    assert derive(f"年度{RLO}总结.txt", None, []).title == "年度总结"  # from the file name
    assert derive("a.docx", f"{RLO}2021年度总结{PDF}", []).title == "2021年度总结"  # from the text
    correction = parse_correction(
        f'{{"title": "{RLO}2021年度总结", "body": "组织部{ZWSP}"}}', "a.txt.meta.json"
    )
    assert correction.values == {"title": "2021年度总结", "body": "组织部"} and not correction.problems
