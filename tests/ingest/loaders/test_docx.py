"""Tests for ingest.loaders.docx: the Word files are generated here with python-docx."""

from __future__ import annotations

from pathlib import Path

import docx
from docx.enum.style import WD_STYLE_TYPE

from ingest.loaders import load_document
from tests.ingest.loaders.helpers import load_error, write


def make_docx(path: Path) -> None:
    document = docx.Document()
    document.core_properties.title = "2021年组工答卷"
    document.add_heading("綦江区委组织部2021年组工答卷", 0)
    document.add_heading("一、干部培训", 1)
    document.add_paragraph("2021年，区委组织部培训各级各类党员干部40822人次。")
    document.add_paragraph("   ")  # blank paragraphs are dropped
    document.add_heading("（一）线上培训", 2)
    wrapped = document.add_paragraph("全年举办主体班次")
    wrapped.add_run().add_break()  # a soft line break stays inside the paragraph
    wrapped.add_run("18期。")
    document.styles.add_style("标题 3", WD_STYLE_TYPE.PARAGRAPH)  # Chinese Word's style name
    document.add_paragraph("1.学员满意度", style="标题 3")
    table = document.add_table(rows=3, cols=3)
    rows = [["项目", "2020年", "2021年"], ["培训人次", "35210", "40822"], ["", "", ""]]
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    merged = document.add_table(rows=1, cols=3)
    merged.cell(0, 0).merge(merged.cell(0, 1)).text = "合计"
    merged.cell(0, 2).text = "76032"
    document.add_paragraph("以上数据截至2021年12月31日。")
    document.save(str(path))


def test_docx_lines(tmp_path: Path) -> None:
    path = tmp_path / "report.docx"
    make_docx(path)
    loaded = load_document(path)
    assert loaded.text.split("\n") == [
        "# 綦江区委组织部2021年组工答卷",
        "# 一、干部培训",
        "2021年，区委组织部培训各级各类党员干部40822人次。",
        "## （一）线上培训",
        "全年举办主体班次18期。",
        "### 1.学员满意度",
        "项目 | 2020年 | 2021年",
        "培训人次 | 35210 | 40822",
        "合计 | 76032",
        "以上数据截至2021年12月31日。",
    ]
    assert (loaded.format, loaded.title, loaded.encoding) == ("docx", "2021年组工答卷", None)
    assert loaded.line_breaks_are_paragraphs is True
    assert loaded.passages is None


def test_docx_without_title_property(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("正文。")
    path = tmp_path / "untitled.DOCX"
    document.save(str(path))
    loaded = load_document(path)
    assert (loaded.title, loaded.text) == (None, "正文。")


def test_truncated_docx(tmp_path: Path) -> None:
    good = tmp_path / "good.docx"
    make_docx(good)
    path = write(tmp_path, "broken.docx", good.read_bytes()[:2000])
    error = load_error(path)
    assert error.reason == "无法读取 Word 文件：文件已损坏或不是 .docx 格式（BadZipFile）"


def test_docx_that_is_really_text(tmp_path: Path) -> None:
    error = load_error(write(tmp_path, "fake.docx", "这不是 Word 文件"))
    assert error.reason.startswith("无法读取 Word 文件：")
