"""Tests for ingest.loaders' dispatch by suffix and the errors every loader shares."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from ingest import upload
from ingest.build import discover
from ingest.loaders import SUPPORTED_SUFFIXES, LoadError, load_document
from tests.ingest.loaders.helpers import REPORT, load_error, write


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


def test_the_registry_is_what_ingest_and_upload_accept(tmp_path: Path) -> None:
    # One source of truth: upload checks the registry's suffixes, and ingest finds a file of each
    # one, whose loader it reaches (an empty file: "文件为空", not "不支持的文件类型").
    assert upload.SUPPORTED_SUFFIXES is SUPPORTED_SUFFIXES
    files = [write(tmp_path, f"report{suffix}", b"") for suffix in sorted(SUPPORTED_SUFFIXES)]
    assert discover([tmp_path], tmp_path) == (sorted(files), [])
    assert {load_error(path).reason for path in files} == {"文件为空"}
    error = load_error(write(tmp_path, "表格.xlsx", b"PK"))
    assert error.path == str(tmp_path / "表格.xlsx")
    assert error.reason.startswith("不支持的文件类型 .xlsx（支持：")
