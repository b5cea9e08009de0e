"""JSON Lines passage files: pre-cut passages, one {"id", "title", "text"} object per line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ingest.loaders.common import LoadError, read_bytes
from ingest.loaders.encoding import decode_bytes, normalise_newlines
from ingest.records import LoadedDocument, Passage


def _jsonl_field(record: dict[str, Any], name: str, line_no: int, path: str | Path) -> str:
    if name not in record:
        raise LoadError(path, f'第 {line_no} 行：缺少字段 "{name}"')
    value = record[name]
    if not isinstance(value, str):
        raise LoadError(path, f'第 {line_no} 行：字段 "{name}" 必须是字符串')
    if name != "title" and not value.strip():
        raise LoadError(path, f'第 {line_no} 行：字段 "{name}" 为空')
    return value


def _jsonl_passage(line: str, line_no: int, path: str | Path) -> Passage:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise LoadError(path, f"第 {line_no} 行：不是合法的 JSON（第 {exc.colno} 列：{exc.msg}）") from None
    if not isinstance(record, dict):
        raise LoadError(path, f'第 {line_no} 行：应为 JSON 对象（{{"id", "title", "text"}}）')
    return Passage(
        id=_jsonl_field(record, "id", line_no, path).strip(),
        title=_jsonl_field(record, "title", line_no, path).strip(),
        text=normalise_newlines(_jsonl_field(record, "text", line_no, path)),
    )


def load_jsonl(path: str | Path) -> LoadedDocument:
    """Pre-cut passages, one JSON object {"id", "title", "text"} per line; ids must be unique."""
    text, encoding = decode_bytes(read_bytes(path), str(path))
    passages: list[Passage] = []
    first_line_of: dict[str, int] = {}
    for line_no, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        passage = _jsonl_passage(line, line_no, path)
        if passage.id in first_line_of:
            first = first_line_of[passage.id]
            raise LoadError(path, f'第 {line_no} 行：id "{passage.id}" 与第 {first} 行重复')
        first_line_of[passage.id] = line_no
        passages.append(passage)
    return LoadedDocument(
        path=str(path), format="jsonl", text="", encoding=encoding, title=None, passages=tuple(passages)
    )
