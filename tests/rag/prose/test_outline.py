"""A report's outline: headings, enumerated lead paragraphs with what they head, topic sentences."""

from __future__ import annotations

from ingest.records import Kind, LoadedDocument, Paragraph
from ingest.segment import segment
from rag.prose.outline import Outlines, build

REPORT = """某市2031年政府工作报告
一、2030年工作回顾
过去一年，全市经济平稳运行。
二、2031年重点工作
（一）推动产业升级。产业是发展的根基。
培育新兴产业。建设三个产业园，引进龙头企业十家。
改造传统产业。推进企业技术改造二百项。
（二）加强生态保护。
打好蓝天保卫战。淘汰燃煤锅炉一百台。
各位代表！
让我们团结一心，砥砺前行。
第一个阶段，从2031年到2035年，基本建成示范区。
第二个阶段，从2035年到2040年，全面建成示范区。
"""


def paragraphs() -> list[Paragraph]:
    doc = LoadedDocument(path="r.txt", format="txt", text=REPORT)
    return segment(doc, "r", "某市2031年政府工作报告")


def test_leads_head_the_paragraphs_that_carry_them_out() -> None:
    root = build(paragraphs(), "某市2031年政府工作报告")
    work = root.children[-1]
    assert (work.kind, work.title) == ("heading", "二、2031年重点工作")
    first, second = (c for c in work.children if c.kind == "lead" and c.enum == "cn-paren")
    assert first.title == "推动产业升级" and first.enum == "cn-paren"
    assert [c.title for c in first.children] == ["培育新兴产业", "改造传统产业"]  # topic sentences
    # A lead on a line of its own is a lead too; an address to the audience ends its group.
    assert second.title == "加强生态保护"
    assert [c.title for c in second.children] == ["打好蓝天保卫战"]
    assert any(
        c.kind == "para" and c.paragraph and c.paragraph.text.startswith("各位代表") for c in work.children
    )


def test_enumerated_paragraphs_and_the_index_by_paragraph() -> None:
    paras = paragraphs()
    outlines = Outlines(paras)
    stages = [p for p in paras if p.text.startswith("第")]
    nodes = [outlines.node(p.paragraph_id) for p in stages]
    assert all(n is not None and n.enum == "ordinal" for n in nodes)
    assert outlines.roots["r"].kind == "doc"
    node = outlines.node(stages[0].paragraph_id)
    assert node is not None and [n.kind for n in node.path()][-1] == "doc"


def test_captions_are_no_part_of_the_outline() -> None:
    caption = Paragraph("d#1", "d", "d", 1, "党史学习教育走深走实。", ("卷",), Kind.CAPTION)
    body = Paragraph("d#2", "d", "d", 2, "建成规范村211个。", ("卷",))
    outlines = Outlines([caption, body])
    assert outlines.node("d#1") is None and outlines.node("d#2") is not None


NESTED = """某县2031年工作要点
一、重点任务
（一）壮大县域经济。
1.发展特色农业。新建高标准农田二万亩。
建设冷链仓储中心一座。
2.培育工业园区。引进项目十二个。
（二）办好民生实事。
新建幼儿园三所。
"""


def test_a_lead_of_another_style_inside_a_lead_is_one_of_its_parts() -> None:
    doc = LoadedDocument(path="n.txt", format="txt", text=NESTED)
    root = build(segment(doc, "n", "某县2031年工作要点"), "某县2031年工作要点")
    tasks = root.children[-1]
    economy, livelihood = (c for c in tasks.children if c.kind == "lead" and c.enum == "cn-paren")
    farming, industry = economy.children
    assert (farming.title, farming.enum, industry.title) == ("发展特色农业", "num-dot", "培育工业园区")
    # The paragraph after "1." belongs to it; "2." closes it; "（二）" closes both.
    assert [c.paragraph.text for c in farming.children if c.paragraph] == ["建设冷链仓储中心一座。"]
    assert [c.paragraph.text for c in livelihood.children if c.paragraph] == ["新建幼儿园三所。"]
