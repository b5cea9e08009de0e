"""A folder of bad files next to good ones: every good file is indexed, every bad one is listed
with its reason, and what was indexed before stays as it was (fake embedder, real index)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import docx
import pytest

from ingest import store
from ingest.build import IngestReport, ingest, plan
from ingest.config import Settings
from ingest.segment import MAX_PARAGRAPH_CHARS
from rag.evidence.retrieve import Snapshot
from tests.conftest import SAMPLE_DOC_ID
from tests.fakes import HashEmbedder

GOOD = "全年新发展党员120名，培训入党积极分子300人次。"
SENTENCE = "全区各级党组织开展学习教育活动，参与党员群众达到一千人次。"


def _docx_bytes(tmp_path: Path) -> bytes:
    document = docx.Document()
    for i in range(30):
        document.add_paragraph(f"第{i}段：{GOOD}")
    path = tmp_path / "source.docx"
    document.save(str(path))
    return path.read_bytes()


def _empty(kb: Path, tmp: Path) -> str:
    (kb / "空白.txt").write_bytes(b"")
    return "空白.txt"


def _binary(kb: Path, tmp: Path) -> str:
    (kb / "photo.txt").write_bytes(bytes(range(256)) * 64)
    return "photo.txt"


def _truncated_docx(kb: Path, tmp: Path) -> str:
    data = _docx_bytes(tmp)
    (kb / "半截.docx").write_bytes(data[: len(data) // 2])
    return "半截.docx"


def _corrupt_pdf(kb: Path, tmp: Path) -> str:
    (kb / "损坏.pdf").write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 8)
    return "损坏.pdf"


def _huge(kb: Path, tmp: Path) -> str:
    line = (SENTENCE + "\n").encode("utf-8")
    with open(kb / "huge.txt", "wb") as fh:
        fh.write(line * (50 * 2**20 // len(line) + 1))
    return "huge.txt"


BAD: dict[str, tuple[Callable[[Path, Path], str], str]] = {
    "empty": (_empty, "文件为空"),
    "binary-named-txt": (_binary, "不是文本文件（无法识别编码）"),
    "truncated-docx": (_truncated_docx, "无法读取 Word 文件：文件已损坏或不是 .docx 格式（BadZipFile）"),
    "corrupt-pdf": (_corrupt_pdf, "无法读取 PDF 文件：文件已损坏或不是 PDF 格式（"),
    "50mb-text": (_huge, "文件过大（50.0 MB，上限 20 MB，可用 KB_MAX_FILE_MB 调整）"),
}


@pytest.fixture
def indexed(kb_settings: Settings) -> tuple[Settings, Path]:
    """The sample report indexed; returns the settings and the version that is live."""
    ingest(kb_settings, embedder=HashEmbedder(), progress=False)
    live = store.current_version(kb_settings.index_dir)
    assert live is not None
    return kb_settings, live


def _ingest(settings: Settings) -> IngestReport:
    return ingest(settings, embedder=HashEmbedder(), progress=False)


def _assert_sample_intact(settings: Settings) -> Snapshot:
    snap = Snapshot.load(settings.index_dir)
    assert f"{SAMPLE_DOC_ID}#9" in snap.paragraphs
    assert "40822人次" in snap.paragraphs[f"{SAMPLE_DOC_ID}#9"].text
    assert sum(p.doc_id == SAMPLE_DOC_ID for p in snap.paragraphs.values()) == 37
    return snap


@pytest.mark.parametrize("case", list(BAD))
def test_a_bad_file_is_listed_and_the_good_ones_indexed(
    indexed: tuple[Settings, Path], tmp_path: Path, case: str
) -> None:
    settings, before = indexed
    make, reason = BAD[case]
    bad = make(settings.kb_dir, tmp_path)
    (settings.kb_dir / "新报告.txt").write_text(GOOD, encoding="utf-8")
    report = _ingest(settings)
    assert [Path(p).name for p in report.added] == ["新报告.txt"]
    assert [(Path(p).name, r[: len(reason)]) for p, r in report.failed] == [(bad, reason)]
    assert f"未能导入：{settings.kb_dir / bad}：{reason}" in report.summary()
    snap = _assert_sample_intact(settings)
    assert snap.paragraphs["新报告#1"].text == GOOD
    assert not any(p.doc_id == Path(bad).stem for p in snap.paragraphs.values())
    # The version that was live before is kept whole beside the new one.
    assert Snapshot.load_version(before).paragraphs.keys() == {f"{SAMPLE_DOC_ID}#{i}" for i in range(1, 38)}


@pytest.mark.parametrize("case", ["empty", "binary-named-txt", "truncated-docx"])
def test_a_good_report_turned_bad_keeps_its_indexed_version(
    indexed: tuple[Settings, Path], case: str
) -> None:
    settings, before = indexed
    sample = next(settings.kb_dir.glob("*.txt"))
    broken = {"empty": b"", "binary-named-txt": bytes(range(256)) * 64, "truncated-docx": b"PK\x03\x04broken"}
    sample.write_bytes(broken[case])
    report = _ingest(settings)
    assert [Path(p).name for p, _ in report.failed] == [sample.name]
    assert report.removed == [] and report.version == before.name  # nothing changed, nothing lost
    _assert_sample_intact(settings)


def test_a_single_one_megabyte_line_is_indexed_in_readable_pieces(indexed: tuple[Settings, Path]) -> None:
    settings, _ = indexed
    count = 2**20 // len(SENTENCE.encode("utf-8")) + 1
    (settings.kb_dir / "one-line.txt").write_text(SENTENCE * count, encoding="utf-8")
    report = _ingest(settings)
    assert report.failed == [] and [Path(p).name for p in report.added] == ["one-line.txt"]
    snap = _assert_sample_intact(settings)
    pieces = sorted((p for p in snap.paragraphs.values() if p.doc_id == "one-line"), key=lambda p: p.number)
    assert "".join(p.text for p in pieces) == SENTENCE * count  # nothing lost or doubled
    assert max(len(p.text) for p in pieces) <= MAX_PARAGRAPH_CHARS
    assert all(p.text.endswith("。") for p in pieces)  # cut at sentence ends


def test_files_in_different_encodings_and_one_file_mixing_two(indexed: tuple[Settings, Path]) -> None:
    settings, _ = indexed
    kb = settings.kb_dir
    (kb / "gbk.txt").write_bytes("这份报告用GBK编码保存，全年召开会议12次。".encode("gbk"))
    (kb / "utf16.txt").write_bytes("这份报告用UTF-16编码保存，全年走访群众300户。".encode("utf-16"))
    (kb / "big5.txt").write_bytes("這份報告用繁體中文保存，全年舉辦活動八場。".encode("big5"))
    mixed = "第一段是UTF-8编码的文字，内容完整。\n".encode() + "第二段是GBK编码的文字，内容也完整。\n".encode(
        "gbk"
    )
    (kb / "mixed.txt").write_bytes(mixed)
    report = _ingest(settings)
    assert report.failed == []
    assert sorted(Path(p).name for p in report.added) == ["big5.txt", "gbk.txt", "mixed.txt", "utf16.txt"]
    snap = _assert_sample_intact(settings)
    texts = {p.paragraph_id: p.text for p in snap.paragraphs.values()}
    assert texts["gbk#1"] == "这份报告用GBK编码保存，全年召开会议12次。"
    assert texts["utf16#1"] == "这份报告用UTF-16编码保存，全年走访群众300户。"
    assert texts["big5#1"] == "這份報告用繁體中文保存，全年舉辦活動八場。"
    assert (texts["mixed#1"], texts["mixed#2"]) == (
        "第一段是UTF-8编码的文字，内容完整。",
        "第二段是GBK编码的文字，内容也完整。",
    )


@pytest.mark.parametrize(
    "name", ["年度 工作 总结.txt", "a..b 报告.txt", "二〇二一（终稿）.md", "dir with space/报告..txt"]
)
def test_odd_file_names_are_indexed_under_their_own_names(indexed: tuple[Settings, Path], name: str) -> None:
    settings, _ = indexed
    path = settings.kb_dir / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(GOOD, encoding="utf-8")
    report = _ingest(settings)
    assert report.failed == [] and report.added == [str(path)]
    snap = _assert_sample_intact(settings)
    (doc,) = [d for d in snap.documents if d.path == str(path)]
    assert snap.paragraphs[f"{doc.doc_id}#1"].text == GOOD
    assert doc.doc_id == Path(name).with_suffix("").as_posix()
    # The next ingest sees it unchanged: the odd name round-trips through the catalog.
    assert str(path) in _ingest(settings).unchanged


def test_a_raised_size_limit_lets_a_big_file_in(indexed: tuple[Settings, Path]) -> None:
    settings, _ = indexed
    line = (SENTENCE + "\n").encode("utf-8")
    (settings.kb_dir / "big.txt").write_bytes(line * (2 * 2**20 // len(line)))  # 2 MB
    small = replace(settings, max_file_mb=1)
    assert _ingest(small).failed[0][1].startswith("文件过大（2.0 MB，上限 1 MB")
    assert [Path(p).name for p in _ingest(settings).added] == ["big.txt"]


def test_pipes_folders_named_like_files_and_broken_links_are_listed(indexed: tuple[Settings, Path]) -> None:
    settings, _ = indexed
    kb = settings.kb_dir
    os.mkfifo(kb / "pipe.txt")  # reading it would hang the ingest
    (kb / "folder.txt").mkdir()
    (kb / "folder.txt" / "inside.txt").write_text(GOOD, encoding="utf-8")
    (kb / "gone.txt").symlink_to(kb / "missing.txt")
    report = _ingest(settings)
    assert sorted((Path(p).name, r) for p, r in report.failed) == [
        ("folder.txt", "这是一个文件夹，不是文件"),
        ("gone.txt", "链接指向的文件不存在"),
        ("pipe.txt", "不是普通文件（可能是管道、设备或套接字），已跳过"),
    ]
    assert [Path(p).name for p in report.added] == ["inside.txt"]  # what the folder holds is read
    _assert_sample_intact(settings)


def test_a_file_that_vanishes_during_the_ingest_is_listed(
    indexed: tuple[Settings, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, _ = indexed
    (settings.kb_dir / "新报告.txt").write_text(GOOD, encoding="utf-8")
    (settings.kb_dir / "临时.txt").write_text("马上会被删除的文件。", encoding="utf-8")
    real = plan.hash_file

    def deleted_first(path: Path) -> str:
        if path.name == "临时.txt":
            path.unlink()  # removed between listing and reading, as by a colleague
        return real(path)

    monkeypatch.setattr(plan, "hash_file", deleted_first)
    report = _ingest(settings)
    assert [(Path(p).name, r) for p, r in report.failed] == [("临时.txt", "文件在导入过程中被删除或移走")]
    assert [Path(p).name for p in report.added] == ["新报告.txt"]
    _assert_sample_intact(settings)


def test_an_over_long_passage_in_a_jsonl_file_is_cut_too(indexed: tuple[Settings, Path]) -> None:
    settings, _ = indexed
    long_text = SENTENCE * 200  # ~6,000 characters
    rows = [
        {"id": "p-1", "title": "长段落", "text": long_text},
        {"id": "p-2", "title": "短段落", "text": GOOD},
    ]
    (settings.kb_dir / "passages.jsonl").write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8"
    )
    report = _ingest(settings)
    assert report.failed == []
    snap = _assert_sample_intact(settings)
    pieces = [snap.paragraphs[pid] for pid in ("p-1", "p-1~2", "p-1~3")]
    assert "p-1~4" not in snap.paragraphs
    assert "".join(p.text for p in pieces) == long_text
    assert all(len(p.text) <= MAX_PARAGRAPH_CHARS for p in pieces)
    assert snap.paragraphs["p-2"].text == GOOD  # short passages keep their ids
