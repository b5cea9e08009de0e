"""A point is a clean clause of its paragraph: no enumerator, label or end mark, never empty."""

from __future__ import annotations

from ingest.records import Paragraph
from rag.prose.outline import Node
from rag.prose.points import excerpt, section_points
from rag.question.focus import TermWeights


def para(n: int, text: str, doc: str = "d") -> Paragraph:
    return Paragraph(f"{doc}#{n}", doc, doc, n, text, ("二、重点任务",))


def test_a_point_without_its_enumerator_and_end_marks_keeps_its_offsets() -> None:
    p = para(1, "二是，加强组织领导。")
    x = excerpt(p, (0, len(p.text)))
    assert x is not None and x.text == "加强组织领导"
    assert x.span is not None and p.text[x.span[0] : x.span[1]] == x.text
    assert excerpt(para(2, "（一）"), (0, 3)) is None  # nothing left to say


def test_a_section_leaves_out_the_parts_a_reader_may_not_quote() -> None:
    section = Node("heading", "二、重点任务")
    shown, hidden = para(1, "新建幼儿园三所，改造老旧小区十个。"), para(2, "秘密事项不得外传。", doc="secret")
    for p in (shown, hidden):
        section.children.append(Node("para", "", p, None, "", parent=section))
    points = section_points(section, ["幼儿园"], TermWeights.uniform(), lambda p: p.doc_id != "secret")
    assert points and all(x.paragraph is shown for x in points)
    assert section_points(section, ["幼儿园"], TermWeights.uniform(), lambda p: False) == []


def test_an_enumerated_lead_loses_its_number_and_a_measure_word_is_no_marker() -> None:
    p = para(3, "（三）加强组织领导。")
    x = excerpt(p, (0, len(p.text)))
    assert x is not None and (x.text, x.span) == ("加强组织领导", (3, 9))
    p = para(4, "一则通知下发到各村。")
    y = excerpt(p, (0, len(p.text)))
    assert y is not None and y.text == "一则通知下发到各村"
    p = para(5, "最后一公里问题得到解决。")
    z = excerpt(p, (0, len(p.text)))
    assert z is not None and z.text == "最后一公里问题得到解决"
