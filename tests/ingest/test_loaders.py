"""Tests for ingest.loaders: every fixture is generated here, under tmp_path, offline."""

from __future__ import annotations

import codecs
import json
import pickle
import random
import shutil
import subprocess
from pathlib import Path

import docx
import pytest
from docx.enum.style import WD_STYLE_TYPE
from fpdf import FPDF

from ingest.loaders import (
    SUPPORTED_SUFFIXES,
    LoadError,
    _page_lines,
    _pdf_paragraphs,
    decode_bytes,
    detect_encoding,
    load_document,
)
from ingest.records import LoadedDocument, Passage

# A realistic few-line excerpt: short GBK strings are where detectors go wrong.
REPORT = (
    "一年砥砺奋进，一年春华秋实。\n"
    "2021年，区委组织部培训各级各类党员干部40822人次。\n"
    "全区新发展党员1235名，其中35岁以下青年占比达到76.3%。\n"
    "完成区镇村三级换届，选优配强村（社区）“两委”班子成员1096人。\n"
)


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def load_error(path: Path) -> LoadError:
    with pytest.raises(LoadError) as info:
        load_document(path)
    assert str(path) in str(info.value)
    return info.value


# --------------------------------------------------------------------------------------------
# Encodings
# --------------------------------------------------------------------------------------------

ENCODED = [
    ("utf-8", REPORT.encode("utf-8"), "utf-8"),
    ("utf-8-sig", REPORT.encode("utf-8-sig"), "utf-8-sig"),
    ("gb18030", REPORT.encode("gb18030"), "gb18030"),
    ("gbk", REPORT.encode("gbk"), "gb18030"),
    ("utf-16", REPORT.encode("utf-16"), "utf-16"),
    ("utf-16-le+bom", codecs.BOM_UTF16_LE + REPORT.encode("utf-16-le"), "utf-16"),
    ("utf-16-be+bom", codecs.BOM_UTF16_BE + REPORT.encode("utf-16-be"), "utf-16"),
    ("utf-16-le no bom", REPORT.encode("utf-16-le"), "utf-16-le"),
]


@pytest.mark.parametrize(("label", "data", "expected"), ENCODED, ids=[e[0] for e in ENCODED])
def test_text_file_in_each_encoding(tmp_path: Path, label: str, data: bytes, expected: str) -> None:
    path = write(tmp_path, "report.txt", data)
    assert load_document(path) == LoadedDocument(
        path=str(path),
        format="txt",
        text=REPORT,
        encoding=expected,
        title=None,
        line_breaks_are_paragraphs=True,
        passages=None,
    )


@pytest.mark.parametrize(("label", "data", "expected"), ENCODED, ids=[e[0] for e in ENCODED])
def test_detect_encoding(label: str, data: bytes, expected: str) -> None:
    assert detect_encoding(data) == expected


def test_one_line_gbk_is_still_gb18030() -> None:
    line = "2021年，区委组织部培训各级各类党员干部40822人次。"
    assert decode_bytes(line.encode("gbk")) == (line, "gb18030")


def test_gb18030_only_characters_round_trip() -> None:
    # 𠀀 (U+20000) exists in GB18030 but not in GBK/GB2312.
    text = REPORT + "生僻字𠀀也能读出。\n"
    assert decode_bytes(text.encode("gb18030")) == (text, "gb18030")


def test_big5_is_not_forced_into_gb18030() -> None:
    text = "國家統計局發布數據顯示，經濟運行穩中向好，就業形勢總體穩定。\n"
    assert decode_bytes(text.encode("big5")) == (text, "big5")


def test_line_endings_are_normalised() -> None:
    data = "第一行\r\n第二行\r第三行\n".encode()
    assert decode_bytes(data, "a.txt") == ("第一行\n第二行\n第三行\n", "utf-8")


def test_bom_is_stripped() -> None:
    text, encoding = decode_bytes(codecs.BOM_UTF8 + "标题\n".encode())
    assert (text, encoding) == ("标题\n", "utf-8-sig")


@pytest.mark.parametrize("data", [b"", b"   \r\n\t\n", codecs.BOM_UTF8], ids=["zero", "blank", "bom-only"])
def test_empty_file(tmp_path: Path, data: bytes) -> None:
    path = write(tmp_path, "empty.txt", data)
    error = load_error(path)
    assert (error.path, error.reason) == (str(path), "文件为空")
    assert str(error) == f"{path}: 文件为空"


def test_decode_bytes_empty_names_path() -> None:
    with pytest.raises(LoadError) as info:
        decode_bytes(b"", "kb/空.txt")
    assert str(info.value) == "kb/空.txt: 文件为空"


BINARY = {
    "png-with-nul": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + random.Random(1).randbytes(3000),
    "random-no-nul": random.Random(0).randbytes(3000).replace(b"\x00", b"\x01"),
    "all-bytes": bytes(range(256)) * 8,
}


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_file_named_txt(tmp_path: Path, name: str) -> None:
    path = write(tmp_path, "picture.txt", BINARY[name])
    error = load_error(path)
    assert error.reason == "不是文本文件（无法识别编码）"


def test_detect_encoding_rejects_binary() -> None:
    with pytest.raises(ValueError, match="不是文本文件"):
        detect_encoding(BINARY["png-with-nul"])


# --------------------------------------------------------------------------------------------
# Dispatch, errors
# --------------------------------------------------------------------------------------------


def test_supported_suffixes() -> None:
    assert frozenset({".txt", ".md", ".markdown", ".docx", ".pdf", ".html", ".htm", ".jsonl"}) == (
        SUPPORTED_SUFFIXES
    )


def test_unsupported_suffix(tmp_path: Path) -> None:
    path = write(tmp_path, "table.xyz", "内容")
    error = load_error(path)
    assert error.reason == (
        "不支持的文件类型 .xyz（支持：.docx、.htm、.html、.jsonl、.markdown、.md、.pdf、.txt）"
    )


def test_no_suffix(tmp_path: Path) -> None:
    error = load_error(write(tmp_path, "README", "内容"))
    assert error.reason.startswith("不支持的文件类型 （无扩展名）（支持：")


def test_suffix_is_case_insensitive(tmp_path: Path) -> None:
    path = write(tmp_path, "REPORT.TXT", REPORT)
    assert load_document(path).format == "txt"


def test_missing_file(tmp_path: Path) -> None:
    error = load_error(tmp_path / "nope.txt")
    assert error.reason == "文件不存在"


def test_error_names_path_as_given(tmp_path: Path) -> None:
    spelled = f"{tmp_path}/./nope.txt"  # Path() would normalise the "./" away
    with pytest.raises(LoadError) as info:
        load_document(spelled)
    assert str(info.value) == f"{spelled}: 文件不存在"


def test_load_error_survives_pickling() -> None:
    error = pickle.loads(pickle.dumps(LoadError("a/b.txt", "文件为空")))
    assert (error.path, error.reason, str(error)) == ("a/b.txt", "文件为空", "a/b.txt: 文件为空")


def test_accepts_str_path(tmp_path: Path) -> None:
    path = write(tmp_path, "a.txt", "内容\n")
    assert load_document(str(path)).path == str(path)


# --------------------------------------------------------------------------------------------
# Markdown
# --------------------------------------------------------------------------------------------


def test_markdown_is_verbatim(tmp_path: Path) -> None:
    text = "# 2021年组工答卷\n\n## 一、干部培训\n\n全年举办主体班次18期，\n线上培训占比超过一半。\n"
    path = write(tmp_path, "report.markdown", text.replace("\n", "\r\n").encode("gbk"))
    assert load_document(path) == LoadedDocument(
        path=str(path),
        format="md",
        text=text,
        encoding="gb18030",
        title=None,
        line_breaks_are_paragraphs=False,
    )


# --------------------------------------------------------------------------------------------
# Word
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------------------------

_FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)


def _installed_zh_fonts() -> list[str]:
    found = [font for font in _FONT_CANDIDATES if Path(font).is_file()]
    if shutil.which("fc-list"):
        listing = subprocess.run(
            ["fc-list", ":lang=zh", "file"], capture_output=True, text=True, check=False
        ).stdout
        found += [line.strip().rstrip(":") for line in listing.splitlines() if line.strip()]
    return found


@pytest.fixture(scope="module")
def cjk_font() -> str:
    """A font fpdf2 can embed that has Chinese glyphs; the PDF tests need one."""
    for font in _installed_zh_fonts():
        try:
            FPDF().add_font("cjk", "", font)
        except Exception:  # a CFF/OTF collection fpdf2 cannot embed: try the next one
            continue
        return font
    pytest.skip("no Chinese font for fpdf2 on this machine: apt-get install -y fonts-wqy-microhei")


def new_pdf(font: str, title: str | None = None) -> FPDF:
    pdf = FPDF()
    pdf.set_auto_page_break(False)
    if title:
        pdf.set_title(title)
    pdf.add_font("cjk", "", font)
    pdf.set_font("cjk", size=12)
    return pdf


def write_lines(pdf: FPDF, lines: list[str], page_number: str | None = None) -> None:
    """One page whose visual lines are exactly `lines`, with an optional footer."""
    pdf.add_page()
    for line in lines:
        pdf.cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
    if page_number:
        pdf.set_y(-20)
        pdf.cell(0, 8, page_number, align="C")


def test_pdf_wrapped_paragraph_is_one_paragraph(tmp_path: Path, cjk_font: str) -> None:
    body = (
        "2021年，区委组织部坚持以习近平新时代中国特色社会主义思想为指导，培训各级各类党员干部"
        "40822人次，比上年增长12.5%，其中线上培训占比超过一半，学员满意度达到98%。"
    )
    pdf = new_pdf(cjk_font, title="2021年组工答卷")
    pdf.add_page()
    for text in ("一、总体情况", body, "（一）主要做法"):
        pdf.multi_cell(110, 8, text, new_x="LMARGIN", new_y="NEXT")
    path = tmp_path / "wrapped.pdf"
    pdf.output(str(path))

    loaded = load_document(path)
    assert loaded == LoadedDocument(
        path=str(path),
        format="pdf",
        text=f"一、总体情况\n{body}\n（一）主要做法",
        encoding=None,
        title="2021年组工答卷",
        line_breaks_are_paragraphs=True,
    )


def test_pdf_lines_rejoined_across_pages(tmp_path: Path, cjk_font: str) -> None:
    pdf = new_pdf(cjk_font)
    write_lines(
        pdf,
        [
            "一、总体情况",
            "2021年，区委组织部坚持以习近平新时代中国特色社会",
            "主义思想为指导，培训各级各类党员干部40822人次，",
            "比上年增长12.5%。",
            "全区新发展党员1235名，其中35岁以下青年占比达到",
        ],
        page_number="- 1 -",
    )
    write_lines(
        pdf,
        [
            "76.3%，大专以上学历占比达到62.1%，结构持续优化",
            "（一）主要做法",
            "坚持每月调度、每季督查，推动各项任务落地见效，",
            "形成了一批可复制可推广的经验",
            "下一步将继续深化干部教育培训。",
        ],
        page_number="- 2 -",
    )
    write_lines(pdf, ["The committee organised online training", "for cadres across the district."])
    path = tmp_path / "pages.pdf"
    pdf.output(str(path))

    assert load_document(path).text.split("\n") == [
        "一、总体情况",
        "2021年，区委组织部坚持以习近平新时代中国特色社会主义思想为指导，培训各级各类党员干部40822人次，"
        "比上年增长12.5%。",
        "全区新发展党员1235名，其中35岁以下青年占比达到76.3%，大专以上学历占比达到62.1%，结构持续优化",
        "（一）主要做法",
        "坚持每月调度、每季督查，推动各项任务落地见效，形成了一批可复制可推广的经验",
        "下一步将继续深化干部教育培训。",
        "The committee organised online training for cadres across the district.",
    ]


def test_pdf_without_text_layer(tmp_path: Path) -> None:
    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 60, style="F")  # stands in for a scanned image
    path = tmp_path / "scan.pdf"
    pdf.output(str(path))
    error = load_error(path)
    assert error.reason == "PDF 没有文字层（可能是扫描件），请先做文字识别"


def test_pdf_title_absent_is_none(tmp_path: Path) -> None:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(0, 8, "Annual report.")
    path = tmp_path / "plain.pdf"
    pdf.output(str(path))
    loaded = load_document(path)
    assert (loaded.title, loaded.text) == (None, "Annual report.")


@pytest.mark.parametrize(
    "data",
    [b"this is not a pdf at all" * 10, b"%PDF-1.4\n" + bytes(range(256)) * 3],
    ids=["garbage", "header-then-garbage"],
)
def test_corrupt_pdf(tmp_path: Path, data: bytes) -> None:
    error = load_error(write(tmp_path, "broken.pdf", data))
    assert error.reason.startswith("无法读取 PDF 文件：文件已损坏或不是 PDF 格式（")


def test_truncated_pdf(tmp_path: Path) -> None:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(0, 8, "Annual report.")
    good = tmp_path / "good.pdf"
    pdf.output(str(good))
    error = load_error(write(tmp_path, "half.pdf", good.read_bytes()[: good.stat().st_size // 2]))
    assert error.reason.startswith("无法读取 PDF 文件：")


# The joining rules, independent of any font or PDF library.


def test_page_numbers_and_blank_edges_are_dropped() -> None:
    raw = "\n  第 3 页  \n正文第一行\n正文第二行\n— 3 —\n\n"
    assert _page_lines(raw) == ["正文第一行", "正文第二行"]


def test_justified_spaces_collapse() -> None:
    assert _page_lines("The  committee   organised") == ["The committee organised"]


FULL = "区委组织部坚持以习近平新时代中国特色社会主义思想"  # a full visual line: 24 wide characters

PARAGRAPH_RULES = [
    ("sentence end", [[FULL, "为指导，加强队伍建设；", FULL]], [FULL + "为指导，加强队伍建设；", FULL]),
    ("heading next", [[FULL, "二、工作成效", FULL]], [FULL, "二、工作成效", FULL]),
    ("numbered heading", [[FULL, "1.提高政治站位"]], [FULL, "1.提高政治站位"]),
    ("paren heading", [[FULL, "（二）强化监督"]], [FULL, "（二）强化监督"]),
    ("chapter heading", [[FULL, "第三章 组织建设"]], [FULL, "第三章 组织建设"]),
    ("short line", [[FULL, "比上年增长", FULL]], [FULL + "比上年增长", FULL]),
    ("decimal is no heading", [[FULL, "1.5倍以上"]], [FULL + "1.5倍以上"]),
    ("indented start", [[FULL, "\u3000\u3000新的段落从缩进开始"]], [FULL, "新的段落从缩进开始"]),
    (
        "english words",
        [["The committee organised online training", "for cadres."]],
        ["The committee organised online training for cadres."],
    ),
    ("across pages", [[FULL, FULL], [FULL + "。"]], [FULL * 3 + "。"]),
]


@pytest.mark.parametrize(("label", "pages", "expected"), PARAGRAPH_RULES, ids=[r[0] for r in PARAGRAPH_RULES])
def test_paragraph_rules(label: str, pages: list[list[str]], expected: list[str]) -> None:
    assert _pdf_paragraphs(pages) == expected


# --------------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------------

PAGE = """<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>綦江区委组织部
  2021年组工答卷</title>
<style>p { color: red }</style>
<script>var secret = "脚本内容不应出现";</script></head>
<body>
<header><nav><a href="/">首页</a> | <a href="/news">组工动态</a></nav></header>
<article><header><h1>2021年组工答卷</h1></header>
<p>2021年，区委组织部<b>培训</b>各级各类党员干部<span>40822</span>人次。</p>
<h2>一、干部培训</h2>
<div>全年举办主体班次18期，<br>线上培训占比超过一半。</div>
<ul><li>新发展党员1235名</li><li>选优配强“两委”班子成员1096人</li></ul>
<table><tr><th>项目</th><th>2021年</th></tr><tr><td>培训<b>人次</b></td><td><p>40822</p><p>（全年）</p></td></tr></table>
<h3>（一）组织<em>建设</em><br>基层党建</h3>
<p>区委
组织部 &amp; 宣传部供稿</p>
<!-- 注释不应出现 -->
<script>document.write("也不应出现")</script><noscript>请启用脚本</noscript>
</article>
<footer>版权所有 綦江区委组织部</footer>
</body></html>
"""

PAGE_LINES = [
    "# 2021年组工答卷",
    "2021年，区委组织部培训各级各类党员干部40822人次。",
    "## 一、干部培训",
    "全年举办主体班次18期，",
    "线上培训占比超过一半。",
    "新发展党员1235名",
    "选优配强“两委”班子成员1096人",
    "项目 | 2021年",
    "培训人次 | 40822 （全年）",
    "### （一）组织建设 基层党建",
    "区委组织部 & 宣传部供稿",
]


def test_html_gb2312_page(tmp_path: Path) -> None:
    path = write(tmp_path, "page.htm", PAGE.encode("gbk"))
    loaded = load_document(path)
    assert loaded.text.split("\n") == PAGE_LINES
    assert (loaded.format, loaded.encoding) == ("html", "gb18030")
    assert loaded.title == "綦江区委组织部 2021年组工答卷"
    assert loaded.line_breaks_are_paragraphs is True
    assert "<" not in loaded.text and "脚本" not in loaded.text and "首页" not in loaded.text


def test_html_stale_meta_charset_loses_to_valid_utf8(tmp_path: Path) -> None:
    path = write(tmp_path, "page.html", PAGE.encode("utf-8"))
    loaded = load_document(path)
    assert (loaded.text.split("\n"), loaded.encoding) == (PAGE_LINES, "utf-8")


def test_html_meta_charset_is_used(tmp_path: Path) -> None:
    page = (
        '<html><head><meta charset="big5"><title>報告</title></head>'
        "<body><p>經濟運行穩中向好。</p></body></html>"
    )
    path = write(tmp_path, "big5.html", page.encode("big5"))
    loaded = load_document(path)
    assert (loaded.text, loaded.encoding, loaded.title) == ("經濟運行穩中向好。", "big5", "報告")


def test_html_deeply_nested_unclosed_tags(tmp_path: Path) -> None:
    # html.parser nests unclosed tags; thousands of them must not hit the recursion limit.
    page = "<html><body>" + "<font size=3>" * 3000 + "深层文字<p>正文</p></body></html>"
    loaded = load_document(write(tmp_path, "deep.html", page))
    assert loaded.text == "深层文字\n正文"


def test_html_without_text(tmp_path: Path) -> None:
    path = write(tmp_path, "empty.html", "<html><body><script>alert(1)</script></body></html>")
    assert load_error(path).reason == "网页中没有正文文字"


# --------------------------------------------------------------------------------------------
# JSON Lines
# --------------------------------------------------------------------------------------------


def jsonl(*records: object) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in records)


def test_jsonl_passages(tmp_path: Path) -> None:
    data = jsonl(
        {"id": "qj-2021-1", "title": "2021年组工答卷", "text": "2021年，区委组织部培训党员干部40822人次。"},
        "",
        {"id": "qj-2021-2", "title": "", "text": "全区新发展党员1235名。\r\n其中青年占比76.3%。", "extra": 1},
    )
    path = write(tmp_path, "passages.jsonl", data.encode("gbk"))
    assert load_document(path) == LoadedDocument(
        path=str(path),
        format="jsonl",
        text="",
        encoding="gb18030",
        title=None,
        line_breaks_are_paragraphs=True,
        passages=(
            Passage("qj-2021-1", "2021年组工答卷", "2021年，区委组织部培训党员干部40822人次。"),
            Passage("qj-2021-2", "", "全区新发展党员1235名。\n其中青年占比76.3%。"),
        ),
    )


GOOD = {"id": "p1", "title": "标题", "text": "正文。"}


@pytest.mark.parametrize(
    ("bad_line", "reason"),
    [
        ({"title": "标题", "text": "正文。"}, '第 3 行：缺少字段 "id"'),
        ({"id": "p2", "text": "正文。"}, '第 3 行：缺少字段 "title"'),
        ({"id": "p2", "title": "标题"}, '第 3 行：缺少字段 "text"'),
        ({"id": 2, "title": "标题", "text": "正文。"}, '第 3 行：字段 "id" 必须是字符串'),
        ({"id": "p2", "title": None, "text": "正文。"}, '第 3 行：字段 "title" 必须是字符串'),
        ({"id": "p2", "title": "标题", "text": "  "}, '第 3 行：字段 "text" 为空'),
        ({"id": " ", "title": "标题", "text": "正文。"}, '第 3 行：字段 "id" 为空'),
        (["p2", "标题", "正文。"], '第 3 行：应为 JSON 对象（{"id", "title", "text"}）'),
        ('{"id": "p2", "title": "标题", "text": "正文。"', "第 3 行：不是合法的 JSON（第 42 列："),
        ({"id": "p1", "title": "重复", "text": "又一段。"}, '第 3 行：id "p1" 与第 1 行重复'),
    ],
)
def test_jsonl_bad_line(tmp_path: Path, bad_line: object, reason: str) -> None:
    path = write(tmp_path, "bad.jsonl", jsonl(GOOD, "   ", bad_line))
    error = load_error(path)
    assert error.reason.startswith(reason)
    assert str(error).startswith(f"{path}: 第 3 行")
