"""Uploads from the web app: safe names, limits, incremental ingest, nothing stored is lost."""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from pathlib import Path

import pytest

from ingest.build import ingest, ingest_lock
from ingest.config import Settings
from ingest.upload import UploadError, delete_report, safe_name, store_upload
from rag.evidence.retrieve import Snapshot
from tests.conftest import SAMPLE_DOC_ID
from tests.fakes import HashEmbedder

REPORT = "全年新发展党员120名，培训入党积极分子300人次。"


@pytest.fixture
def settings(kb_settings: Settings) -> Settings:
    ingest(kb_settings, embedder=HashEmbedder(), progress=False)
    return kb_settings


def _file(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / "incoming" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("given", "safe"),
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("..\\..\\windows\\报告.TXT", "报告.txt"),
        ("..报告.txt", "报告.txt"),
        ("年度 工作 总结.docx", "年度 工作 总结.docx"),
        ('a<b>:"c"|d?.md', "a_b___c__d_.md"),
        ("\x00\x1f.pdf", "__.pdf"),
        ("\u202egnp.txt", "gnp.txt"),  # a direction mark would show it as "txt.png"
        (".txt", "txt"),
        ("x" * 200 + ".txt", "x" * 80 + ".txt"),
    ],
)
def test_safe_names(given: str, safe: str) -> None:
    assert safe_name(given) == safe


def test_an_upload_is_stored_indexed_and_answerable(settings: Settings, tmp_path: Path) -> None:
    source = _file(tmp_path, "../新报告.txt", REPORT.encode())
    target, report = store_upload(settings, source, "../../新报告.txt", HashEmbedder())
    assert target == settings.kb_dir / "新报告.txt" and target.read_text(encoding="utf-8") == REPORT
    assert report.added == [str(target)] and report.documents == 2
    snap = Snapshot.load(settings.index_dir)
    assert snap.paragraphs["新报告#1"].text == REPORT
    assert sum(p.doc_id == SAMPLE_DOC_ID for p in snap.paragraphs.values()) == 37
    assert not list(settings.kb_dir.glob(".upload-*"))


def test_the_same_name_again_is_stored_beside_not_over(settings: Settings, tmp_path: Path) -> None:
    store_upload(settings, _file(tmp_path, "a.txt", REPORT.encode()), "报告.txt", HashEmbedder())
    other = "另一份报告的内容，全年召开会议12次。"
    target, _ = store_upload(settings, _file(tmp_path, "b.txt", other.encode()), "报告.txt", HashEmbedder())
    assert target.name == "报告 (2).txt"
    assert (settings.kb_dir / "报告.txt").read_text(encoding="utf-8") == REPORT


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("tool.exe", b"MZ\x90\x00", "不支持的文件类型 .exe：tool.exe"),
        ("空.txt", b"", "文件为空：空.txt"),
        ("photo.txt", bytes(range(256)) * 16, "无法导入 photo.txt：不是文本文件（无法识别编码）"),
        ("big.txt", b"a" * (2 * 2**20), "文件过大：big.txt（2.0 MB，上限 1 MB）"),
    ],
)
def test_bad_uploads_are_refused_and_leave_nothing_behind(
    settings: Settings, tmp_path: Path, name: str, data: bytes, message: str
) -> None:
    limited = replace(settings, max_file_mb=1)
    before = sorted(p.name for p in settings.kb_dir.iterdir())
    version = Snapshot.load(settings.index_dir).version
    with pytest.raises(UploadError) as error:
        store_upload(limited, _file(tmp_path, name, data), name, HashEmbedder())
    assert str(error.value).startswith(message)
    assert sorted(p.name for p in settings.kb_dir.iterdir()) == before
    assert Snapshot.load(settings.index_dir).version == version


def test_a_duplicate_upload_is_refused(settings: Settings, tmp_path: Path) -> None:
    sample = next(settings.kb_dir.glob("*.txt"))
    with pytest.raises(UploadError, match=r"内容与已有报告 .* 完全相同"):
        store_upload(settings, _file(tmp_path, "copy.txt", sample.read_bytes()), "副本.txt", HashEmbedder())
    assert not (settings.kb_dir / "副本.txt").exists()


def test_an_upload_waits_for_another_ingest_then_gives_up(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("ingest.upload.LOCK_WAIT_SECONDS", 0.5)
    with ingest_lock(settings.index_dir), pytest.raises(UploadError, match="另一个导入任务正在进行"):
        store_upload(settings, _file(tmp_path, "a.txt", REPORT.encode()), "a.txt", HashEmbedder())
    assert not (settings.kb_dir / "a.txt").exists()  # nothing placed before the lock was had


def test_two_uploads_with_one_name_at_once_are_both_kept(settings: Settings, tmp_path: Path) -> None:
    texts = ["第一份报告：全年召开会议12次。", "第二份报告：全年走访群众300户。"]
    sources = [_file(tmp_path / str(i), "a.txt", t.encode()) for i, t in enumerate(texts)]
    start = threading.Barrier(2)
    results: list[Path] = []

    def send(source: Path) -> None:
        start.wait()
        results.append(store_upload(settings, source, "报告.txt", HashEmbedder())[0])

    threads = [threading.Thread(target=send, args=(s,)) for s in sources]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(p.name for p in results) == ["报告 (2).txt", "报告.txt"]
    assert sorted(p.read_text(encoding="utf-8") for p in results) == sorted(texts)
    snap = Snapshot.load(settings.index_dir)
    assert {snap.paragraphs["报告#1"].text, snap.paragraphs["报告 (2)#1"].text} == set(texts)


def test_a_readme_is_refused_by_name(settings: Settings, tmp_path: Path) -> None:
    with pytest.raises(UploadError, match="说明文件名"):
        store_upload(settings, _file(tmp_path, "README.md", b"# x"), "README.md", HashEmbedder())


def test_a_failed_delete_puts_the_file_back(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target, _ = store_upload(
        settings, _file(tmp_path, "a.txt", REPORT.encode()), "新报告.txt", HashEmbedder()
    )

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("ingest.upload.ingest_holding_lock", broken)
    with pytest.raises(OSError, match="disk full"):
        delete_report(settings, str(target), HashEmbedder())
    assert target.read_text(encoding="utf-8") == REPORT
    assert "新报告#1" in Snapshot.load(settings.index_dir).paragraphs


def test_delete_moves_the_file_to_the_trash_and_drops_it(settings: Settings, tmp_path: Path) -> None:
    target, _ = store_upload(
        settings, _file(tmp_path, "a.txt", REPORT.encode()), "新报告.txt", HashEmbedder()
    )
    report = delete_report(settings, str(target), HashEmbedder())
    assert report.removed == [str(target)] and not target.exists()
    (kept,) = (settings.data_dir / "trash").iterdir()
    assert kept.name.endswith("-新报告.txt") and kept.read_text(encoding="utf-8") == REPORT
    assert "新报告#1" not in Snapshot.load(settings.index_dir).paragraphs
    with pytest.raises(UploadError, match="只能删除知识库文件夹中的报告"):
        delete_report(settings, str(tmp_path / "incoming" / "a.txt"), HashEmbedder())
    with pytest.raises(UploadError, match="只能删除知识库文件夹中的报告"):
        delete_report(settings, str(settings.kb_dir / ".." / "data" / "trash" / kept.name), HashEmbedder())


def test_a_correction_from_the_web_is_saved_beside_the_report_and_indexed(settings: Settings) -> None:
    from ingest.upload import current_correction, save_correction

    report = settings.kb_dir / f"{SAMPLE_DOC_ID}.txt"
    done = save_correction(
        settings, str(report), {"year": "二〇二二年", "kind": "工作要点", "body": " "}, HashEmbedder()
    )
    sidecar = report.with_name(report.name + ".meta.json")
    assert json.loads(sidecar.read_text(encoding="utf-8")) == {"year": 2022, "kind": "工作要点/计划"}
    assert current_correction(str(report)) == {"year": "2022", "kind": "工作要点/计划"}
    meta = Snapshot.load(settings.index_dir).metas[SAMPLE_DOC_ID]
    assert (meta.year, meta.kind.value) == (2022, "工作要点/计划")
    assert dict(done.catalog)[str(report)].year == 2022
    # All blank: back to what is derived, the file removed.
    save_correction(settings, str(report), {}, HashEmbedder())
    assert not sidecar.exists()
    assert Snapshot.load(settings.index_dir).metas[SAMPLE_DOC_ID].year == 2021


def test_a_bad_correction_is_refused_naming_the_field_and_nothing_is_written(settings: Settings) -> None:
    from ingest.upload import save_correction

    report = settings.kb_dir / f"{SAMPLE_DOC_ID}.txt"
    before = Snapshot.load(settings.index_dir).version
    with pytest.raises(UploadError, match='字段 year 的值 "明年" 不是年份'):
        save_correction(settings, str(report), {"year": "明年", "kind": "讲话"}, HashEmbedder())
    with pytest.raises(UploadError, match="字段 kind 的值 “通报” 不是已知的报告类型"):
        save_correction(settings, str(report), {"kind": "通报"}, HashEmbedder())
    assert not report.with_name(report.name + ".meta.json").exists()
    assert Snapshot.load(settings.index_dir).version == before
    with pytest.raises(UploadError, match="只能更正知识库文件夹中的报告"):
        save_correction(settings, "/etc/passwd", {"year": "2020"}, HashEmbedder())


def test_deleting_a_report_takes_its_correction_along(settings: Settings) -> None:
    report = settings.kb_dir / f"{SAMPLE_DOC_ID}.txt"
    sidecar = report.with_name(report.name + ".meta.json")
    sidecar.write_text('{"year": 2022}', encoding="utf-8")
    delete_report(settings, str(report), HashEmbedder())
    assert not sidecar.exists()
    assert [p.name for p in (settings.data_dir / "trash").iterdir() if p.name.endswith(".meta.json")]
