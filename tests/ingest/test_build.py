"""Incremental ingest against a real FAISS index and SQLite catalog on disk (fake embedder)."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from ingest import store
from ingest.build import IngestLocked, ingest, ingest_lock
from ingest.config import Settings
from rag.evidence.retrieve import Snapshot
from tests.conftest import SAMPLE_DOC_ID
from tests.fakes import HashEmbedder


def _snapshot(settings: Settings) -> Snapshot:
    return Snapshot.load(settings.index_dir)


def test_first_ingest_indexes_the_sample_report(kb_settings: Settings) -> None:
    embedder = HashEmbedder()
    report = ingest(kb_settings, embedder=embedder, progress=False)
    assert (report.documents, report.paragraphs, report.chunks) == (1, 37, 37)
    assert len(report.added) == 1 and report.embedded == 37 and not report.failed
    snap = _snapshot(kb_settings)
    assert snap.paragraphs[f"{SAMPLE_DOC_ID}#9"].heading_path == ("请阅 綦江组工“答卷”", "政治建设卷")
    assert snap.index.vectors.count == 37
    assert snap.meta["embedder"] == "fake-hash"
    assert "索引完成：1 个文档，37 个段落" in report.summary()


def test_unchanged_files_cost_nothing(kb_settings: Settings) -> None:
    embedder = HashEmbedder()
    first = ingest(kb_settings, embedder=embedder, progress=False)
    second = ingest(kb_settings, embedder=embedder, progress=False)
    assert embedder.calls == 37
    assert second.embedded == 0 and len(second.unchanged) == 1
    assert second.version == first.version  # no new version was written


def test_added_changed_and_removed_files(kb_settings: Settings) -> None:
    embedder = HashEmbedder()
    ingest(kb_settings, embedder=embedder, progress=False)
    other = kb_settings.kb_dir / "2022年总结.md"
    other.write_text("# 2022年总结\n\n## 人才工作\n\n引进高层次人才120名。\n", encoding="utf-8")
    report = ingest(kb_settings, embedder=embedder, progress=False)
    assert [Path(p).name for p in report.added] == ["2022年总结.md"]
    assert report.embedded == 1 and embedder.calls == 38
    snap = _snapshot(kb_settings)
    assert snap.paragraphs["2022年总结#1"].text == "引进高层次人才120名。"
    assert snap.paragraphs[f"{SAMPLE_DOC_ID}#9"].number == 9  # other documents' ids unchanged

    other.write_text(
        "# 2022年总结\n\n## 人才工作\n\n引进高层次人才150名。\n\n新建人才驿站3个。\n", encoding="utf-8"
    )
    report = ingest(kb_settings, embedder=embedder, progress=False)
    assert [Path(p).name for p in report.changed] == ["2022年总结.md"] and report.embedded == 2
    snap = _snapshot(kb_settings)
    assert snap.paragraphs["2022年总结#1"].text == "引进高层次人才150名。"
    assert snap.index.vectors.count == 39

    other.unlink()
    report = ingest(kb_settings, embedder=embedder, progress=False)
    assert [Path(p).name for p in report.removed] == ["2022年总结.md"]
    snap = _snapshot(kb_settings)
    assert "2022年总结#1" not in snap.paragraphs
    assert snap.index.vectors.count == 37
    assert len(snap.chunks) == 37


def test_vector_ids_are_the_chunks_rowids_after_deletes(kb_settings: Settings) -> None:
    """A changed report's chunks take the rowids its old chunks had (SQLite gives the largest
    rowid + 1): the index holds each live rowid once, with the new text's vector."""
    embedder = HashEmbedder()
    ingest(kb_settings, embedder=embedder, progress=False)
    extra = kb_settings.kb_dir / "a.txt"
    for text in ("第一版内容。", "第二版内容，更长一些。", "第三版。"):
        extra.write_text(text, encoding="utf-8")
        ingest(kb_settings, embedder=embedder, progress=False)
    snap = _snapshot(kb_settings)
    vectors = snap.index.vectors
    assert vectors is not None and vectors.count == 38
    with store.catalog(store.require_current(kb_settings.index_dir)) as con:
        rows = con.execute("SELECT rowid, embed_text FROM chunks ORDER BY rowid").fetchall()
    assert sorted(vectors.ids().tolist()) == [r for r, _t in rows]
    stored = vectors.get([r for r, _t in rows])
    expected = embedder.embed_passages([t for _r, t in rows])
    np.testing.assert_allclose(np.vstack([stored[r] for r, _t in rows]), expected, atol=1e-6)
    # The latest text is found by its own vector.
    latest = next(c for c in snap.chunks if "第三版" in c.text)
    found = snap.index.search_dense(embedder.embed_passages([latest.embed_text])[0], 1, None)
    assert found[0][0] == latest.chunk_id


def test_duplicate_file_is_reported_and_indexed_once(kb_settings: Settings) -> None:
    sample = next(kb_settings.kb_dir.glob("*.txt"))
    shutil.copy(sample, kb_settings.kb_dir / "副本.txt")
    report = ingest(kb_settings, embedder=HashEmbedder(), progress=False)
    assert report.documents == 1 and report.paragraphs == 37
    assert len(report.duplicates) == 1
    dup, same_as = report.duplicates[0]
    assert {Path(dup).name, Path(same_as).name} == {"副本.txt", sample.name}
    assert "重复文件" in report.summary()


def test_unreadable_file_is_reported_and_the_rest_indexed(kb_settings: Settings) -> None:
    (kb_settings.kb_dir / "坏文件.txt").write_bytes(bytes(range(256)) * 4)
    (kb_settings.kb_dir / "空文件.txt").write_bytes(b"")
    report = ingest(kb_settings, embedder=HashEmbedder(), progress=False)
    assert report.documents == 1
    assert sorted(Path(p).name for p, _ in report.failed) == ["坏文件.txt", "空文件.txt"]
    assert "未能导入" in report.summary()


def test_a_file_that_turns_unreadable_keeps_its_indexed_version(kb_settings: Settings) -> None:
    good = kb_settings.kb_dir / "b.txt"
    good.write_text("人才驿站建成3个。", encoding="utf-8")
    ingest(kb_settings, embedder=HashEmbedder(), progress=False)
    good.write_bytes(bytes(range(256)) * 4)
    report = ingest(kb_settings, embedder=HashEmbedder(), progress=False)
    assert [Path(p).name for p, _ in report.failed] == ["b.txt"]
    assert _snapshot(kb_settings).paragraphs["b#1"].text == "人才驿站建成3个。"


class _Exploding(HashEmbedder):
    def embed_passages(self, texts):  # type: ignore[no-untyped-def]
        raise RuntimeError("simulated crash while embedding")


def test_crash_mid_ingest_leaves_the_previous_index_usable(kb_settings: Settings) -> None:
    ingest(kb_settings, embedder=HashEmbedder(), progress=False)
    before = store.current_version(kb_settings.index_dir)
    (kb_settings.kb_dir / "new.txt").write_text("新的报告内容。", encoding="utf-8")
    with pytest.raises(RuntimeError, match="simulated crash"):
        ingest(kb_settings, embedder=_Exploding(), progress=False)
    assert store.current_version(kb_settings.index_dir) == before
    snap = _snapshot(kb_settings)
    assert len(snap.paragraphs) == 37 and "new#1" not in snap.paragraphs
    assert [p.name for p in kb_settings.index_dir.iterdir() if p.name.startswith("v-")] == [before.name]


def test_second_ingest_at_once_is_refused(kb_settings: Settings) -> None:
    with ingest_lock(kb_settings.index_dir), pytest.raises(IngestLocked, match="另一个导入任务"):
        ingest(kb_settings, embedder=HashEmbedder(), progress=False)


def test_jsonl_passages_keep_their_ids(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.jsonl"
    rows = [
        {"id": "p_a", "title": "南宁", "text": "首趟RCEP班列从南宁出发。"},
        {"id": "p_b", "title": "", "text": "香港2021年GDP增长6.4%。"},
    ]
    corpus.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    settings = Settings(kb_dir=tmp_path / "kb", index_dir=tmp_path / "index")
    report = ingest(settings, [corpus], embedder=HashEmbedder(), progress=False)
    assert report.paragraphs == 2
    snap = _snapshot(settings)
    assert snap.paragraphs["p_a"].heading_path == ("南宁",)
    assert snap.paragraphs["p_b"].text == "香港2021年GDP增长6.4%。"

    # Another passage file reusing an id is refused with the id named; nothing is lost.
    clash = tmp_path / "other.jsonl"
    clash.write_text(
        json.dumps({"id": "p_a", "title": "", "text": "别的内容。"}, ensure_ascii=False), "utf-8"
    )
    report = ingest(settings, [clash], embedder=HashEmbedder(), progress=False)
    assert report.failed == [(str(clash.resolve()), "段落编号 p_a 已被其他文档使用")]
    assert _snapshot(settings).paragraphs["p_a"].text == "首趟RCEP班列从南宁出发。"


def test_changing_the_embedder_rebuilds_everything(kb_settings: Settings) -> None:
    ingest(kb_settings, embedder=HashEmbedder(), progress=False)

    class Other(HashEmbedder):
        name = "fake-other"

    report = ingest(replace(kb_settings), embedder=Other(), progress=False)
    assert "fake-hash → fake-other" in report.rebuilt
    assert report.embedded == 37
    assert _snapshot(kb_settings).meta["embedder"] == "fake-other"


def test_editing_the_original_of_a_backup_copy_keeps_both(kb_settings: Settings) -> None:
    original = kb_settings.kb_dir / "总结.txt"
    original.write_text("人才驿站建成3个。", encoding="utf-8")
    ingest(kb_settings, embedder=HashEmbedder(), progress=False)
    shutil.copy(original, kb_settings.kb_dir / "总结_备份.txt")
    original.write_text("人才驿站建成5个。", encoding="utf-8")
    report = ingest(kb_settings, embedder=HashEmbedder(), progress=False)
    assert report.duplicates == []
    paragraphs = _snapshot(kb_settings).paragraphs
    assert paragraphs["总结#1"].text == "人才驿站建成5个。"
    assert paragraphs["总结_备份#1"].text == "人才驿站建成3个。"


def test_same_name_with_another_suffix_is_refused_not_swapped(kb_settings: Settings) -> None:
    (kb_settings.kb_dir / "report.txt").write_text("文本版本。", encoding="utf-8")
    ingest(kb_settings, embedder=HashEmbedder(), progress=False)
    (kb_settings.kb_dir / "report.md").write_text("Markdown 版本。", encoding="utf-8")
    report = ingest(kb_settings, embedder=HashEmbedder(), progress=False)
    assert [(Path(p).name, "请改名" in why) for p, why in report.failed] == [("report.md", True)]
    assert _snapshot(kb_settings).paragraphs["report#1"].text == "文本版本。"


def test_every_version_gets_a_new_name_and_the_previous_one_is_kept(kb_settings: Settings) -> None:
    names = []
    extra = kb_settings.kb_dir / "c.txt"
    for text in ("一。", "二。", "三。"):
        extra.write_text(text, encoding="utf-8")
        names.append(ingest(kb_settings, embedder=HashEmbedder(), progress=False).version)
    assert len(set(names)) == 3
    folders = sorted(p.name for p in kb_settings.index_dir.iterdir() if p.name.startswith("v-"))
    assert folders == sorted(names[1:])


def test_hidden_files_are_skipped_but_a_hidden_kb_folder_is_read(tmp_path: Path) -> None:
    kb = tmp_path / ".kb"
    (kb / ".git").mkdir(parents=True)
    (kb / "报告.txt").write_text("新建党员活动室12个。", encoding="utf-8")
    (kb / ".~报告.txt").write_text("编辑器临时文件。", encoding="utf-8")
    (kb / ".git" / "notes.txt").write_text("版本库内容。", encoding="utf-8")
    settings = Settings(kb_dir=kb, index_dir=tmp_path / "index")
    report = ingest(settings, embedder=HashEmbedder(), progress=False)
    assert [Path(p).name for p in report.added] == ["报告.txt"]


def test_a_symlinked_report_keeps_its_own_name_and_goes_when_the_link_goes(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "target.txt").write_text("新建党员活动室12个。", encoding="utf-8")
    kb = tmp_path / "kb"
    kb.mkdir()
    link = kb / "2021年报.txt"
    link.symlink_to(elsewhere / "target.txt")
    settings = Settings(kb_dir=kb, index_dir=tmp_path / "index")
    ingest(settings, embedder=HashEmbedder(), progress=False)
    assert "2021年报#1" in _snapshot(settings).paragraphs
    link.unlink()
    report = ingest(settings, embedder=HashEmbedder(), progress=False)
    assert [Path(p).name for p in report.removed] == ["2021年报.txt"]
    assert _snapshot(settings).paragraphs == {}


def test_version_names_sort_in_the_order_they_were_made_across_a_seconds_boundary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An app keeps the newest versions by name: a name made just after a second turns must
    sort after one made just before it (the second and its nanoseconds read at one instant)."""
    import time

    second = 1_800_000_000 * 1_000_000_000
    made = []
    for now in (second - 1, second + 21_861, second + 963_831_005):
        monkeypatch.setattr(time, "time_ns", lambda now=now: now)
        made.append(store.new_version_dir(tmp_path).name)
    assert sorted(made) == made
    assert made[1].split("-")[2] == "000021861" and made[0].split("-")[2] == "999999999"
