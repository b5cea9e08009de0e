"""Segmentation and chunking: paragraphs, heading paths, repaired breaks, captions, chunks."""

from __future__ import annotations

from ingest.chunk import chunk_paragraph, split_sentences
from ingest.records import Kind, LoadedDocument, Paragraph
from ingest.segment import doc_id_for, heading_of, segment
from tests.conftest import SAMPLE_DOC_ID

POLITICS = ("请阅 綦江组工“答卷”", "政治建设卷")
GRASSROOTS = ("请阅 綦江组工“答卷”", "基层党建卷")


def _sample(text: str) -> list[Paragraph]:
    return segment(LoadedDocument(path="x.txt", format="txt", text=text), SAMPLE_DOC_ID, "答卷")


def test_sample_report_paragraphs_and_heading_paths(sample_text: str) -> None:
    paras = _sample(sample_text)
    assert len(paras) == 37
    assert [p.number for p in paras] == list(range(1, 38))
    assert paras[0].heading_path == ()
    by_no = {p.number: p for p in paras}
    assert by_no[5].text == "考题内容:如何强化政治引领?"
    assert by_no[5].heading_path == POLITICS
    assert by_no[6].text == "答题要点:以建党精神立根铸魂。"
    assert "40822人次" in by_no[9].text and by_no[9].heading_path == POLITICS
    assert by_no[13].heading_path == ("请阅 綦江组工“答卷”", "干部队伍卷")
    assert by_no[29].heading_path == GRASSROOTS


def test_paragraph_broken_mid_sentence_is_joined(sample_text: str) -> None:
    paras = _sample(sample_text)
    joined = [p for p in paras if "第一书记作用,带领各部门党员干部" in p.text]
    assert len(joined) == 1
    assert joined[0].number == 34
    assert joined[0].text.endswith("冲在前、干在先。")
    assert not any(p.text.startswith("领各部门") for p in paras)


def test_captions_and_bylines_are_kept_but_marked(sample_text: str) -> None:
    kinds = {p.text: p.kind for p in _sample(sample_text)}
    assert kinds["公开遴选组工干部。"] is Kind.CAPTION
    assert kinds["主题党日重温入党誓词。"] is Kind.CAPTION
    assert kinds["文/记者 金玉华"] is Kind.BYLINE
    assert kinds["图/区委组织部提供"] is Kind.BYLINE
    assert kinds["思想引领方向,方向决定道路。"] is Kind.BODY
    assert kinds["考题内容:如何强化政治引领?"] is Kind.BODY


def test_ids_are_stable_and_spans_point_into_the_source(sample_text: str) -> None:
    paras = _sample(sample_text)
    assert paras[8].paragraph_id == f"{SAMPLE_DOC_ID}#9"
    for p in paras:
        start, end = p.span
        if "带领各部门" not in p.text:  # the repaired paragraph spans the break
            assert sample_text[start:end] == p.text
    # Editing a later paragraph changes neither the ids nor the text of earlier ones.
    edited = sample_text.replace("此外,通过设立党统单位", "此外,还通过设立党统单位")
    again = _sample(edited)
    assert [(p.paragraph_id, p.text) for p in again[:36]] == [(p.paragraph_id, p.text) for p in paras[:36]]


def test_chinese_heading_styles_nest() -> None:
    text = "\n".join(
        [
            "第一部分 总体情况",
            "一、政治建设",
            "（一）理论学习",
            "全年开展学习12次。",
            "1.专题培训",
            "培训干部300人次。",
            "（二）作风建设",
            "开展督查5次。",
            "二、组织建设",
            "1.由于工作需要，今年调整了支部设置，新设支部3个。",
        ]
    )
    paras = segment(LoadedDocument(path="a.txt", format="txt", text=text), "a", "A")
    assert [(p.text, p.heading_path) for p in paras] == [
        ("全年开展学习12次。", ("第一部分 总体情况", "一、政治建设", "（一）理论学习")),
        ("培训干部300人次。", ("第一部分 总体情况", "一、政治建设", "（一）理论学习", "1.专题培训")),
        ("开展督查5次。", ("第一部分 总体情况", "一、政治建设", "（二）作风建设")),
        # A numbered sentence of prose is a paragraph, not a heading.
        ("1.由于工作需要，今年调整了支部设置，新设支部3个。", ("第一部分 总体情况", "二、组织建设")),
    ]


def test_markdown_joins_soft_wrapped_lines_and_reads_hash_headings() -> None:
    text = "# 2022年总结\n\n## 人才工作\n\n引进人才\n120名。\n\n### 政治建设卷\n\n考题内容:如何?"
    doc = LoadedDocument(path="a.md", format="md", text=text, line_breaks_are_paragraphs=False)
    paras = segment(doc, "a", "A")
    assert [(p.text, p.heading_path) for p in paras] == [
        ("引进人才120名。", ("2022年总结", "人才工作")),
        ("考题内容:如何?", ("2022年总结", "人才工作", "政治建设卷")),
    ]


def test_heading_detection_rejects_sentences() -> None:
    assert heading_of("### 政治建设卷") == (3, "政治建设卷")
    assert heading_of("一、总体情况") == (2, "一、总体情况")
    assert heading_of("（1）基本情况") == (5, "（1）基本情况")
    assert heading_of("一、今年完成任务。明年继续努力。") is None
    assert heading_of("2021年,区委组织部坚持以习近平新时代中国特色社会主义思想为指导") is None


def test_doc_id_depends_only_on_the_path() -> None:
    assert doc_id_for("2021/总结.txt") == "2021/总结"
    assert doc_id_for("报告.docx") == "报告"
    assert doc_id_for("no_suffix") == "no_suffix"


def test_sentence_split_counts_ascii_and_full_width_punctuation() -> None:
    assert split_sentences("思想引领方向,方向决定道路。全会闭幕!学习?好；完") == [
        "思想引领方向,方向决定道路。",
        "全会闭幕!",
        "学习?",
        "好；",
        "完",
    ]


def test_long_paragraph_is_chunked_at_sentence_ends_with_its_id() -> None:
    sentence = "区委组织部持续推进基层党建工作，取得明显成效。"  # 23 characters
    para = Paragraph("d#3", "d", "D", 3, sentence * 20, heading_path=("一、基层党建",))
    chunks = chunk_paragraph(para, max_chars=100)
    assert len(chunks) == 5
    assert all(c.paragraph_id == "d#3" for c in chunks)
    assert [c.chunk_id for c in chunks] == [f"d#3/{i}" for i in range(5)]
    assert all(c.text.endswith("。") and len(c.text) <= 100 for c in chunks)
    assert "".join(c.text for c in chunks) == para.text
    assert chunks[0].embed_text == "一、基层党建\n" + chunks[0].text
