"""Tests for ingest.loaders.jsonl: passage files and the line-numbered errors of bad lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.loaders import load_document
from ingest.records import LoadedDocument, Passage
from tests.ingest.loaders.helpers import load_error, write


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
