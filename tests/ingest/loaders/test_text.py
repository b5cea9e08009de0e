"""Tests for ingest.loaders.text (plain text is covered encoding by encoding in test_encoding)."""

from __future__ import annotations

from pathlib import Path

from ingest.loaders import load_document
from ingest.records import LoadedDocument
from tests.ingest.loaders.helpers import write


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
