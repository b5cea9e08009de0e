"""Tests for ingest.loaders.pdf: the PDFs are generated here with fpdf2 (Chinese needs a font)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from fpdf import FPDF

from ingest.loaders import load_document
from ingest.loaders.pdf import _page_lines, _pdf_paragraphs
from ingest.records import LoadedDocument
from tests.ingest.loaders.helpers import load_error, write

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


def write_plain_pdf(path: Path) -> Path:
    """A one-page PDF, no title, whose text is "Annual report." (a built-in font: no CJK needed)."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(0, 8, "Annual report.")
    pdf.output(str(path))
    return path


def test_pdf_title_absent_is_none(tmp_path: Path) -> None:
    path = write_plain_pdf(tmp_path / "plain.pdf")
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
    good = write_plain_pdf(tmp_path / "good.pdf")
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
