"""Tests for ingest.loaders.encoding: every fixture is generated here, offline."""

from __future__ import annotations

import codecs
import random
from pathlib import Path

import pytest

from ingest.loaders import LoadError, decode_bytes, detect_encoding, load_document
from ingest.records import LoadedDocument
from tests.ingest.loaders.helpers import REPORT, load_error, write

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
