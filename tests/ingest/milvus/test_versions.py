"""What a version sees as documents change and ingests fail: a removed document leaves both
searches, a changed one shows only its new text, and a crash or SIGKILL before the switch
changes no answer."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ingest import store
from ingest.build import ingest
from ingest.config import PROJECT_ROOT, Settings
from ingest.milvus import connection
from ingest.milvus.writer import MilvusWriter
from rag.evidence.retrieve import HybridRetriever, Snapshot
from tests.fakes import HashEmbedder
from tests.ingest.milvus.helpers import EXTRA, keyword_and_dense, paragraph_ids, snapshot_of, stored_rows
from tests.ingest.test_crash import NEW_REPORT


def test_a_removed_document_leaves_both_searches(milvus_settings: Settings) -> None:
    embedder = HashEmbedder()
    extra = milvus_settings.kb_dir / EXTRA
    extra.write_text("# 2022年总结\n\n## 人才工作\n\n新建人才驿站3个，引进博士后12名。\n", encoding="utf-8")
    ingest(milvus_settings, embedder=embedder, progress=False)
    retriever = HybridRetriever(snapshot_of(milvus_settings), embedder)
    keyword, dense = keyword_and_dense(retriever, "新建人才驿站3个，引进博士后12名")
    assert keyword[0] == dense[0] == "2022年总结#1"

    extra.unlink()
    report = ingest(milvus_settings, embedder=embedder, progress=False)
    assert [Path(p).name for p in report.removed] == [EXTRA]
    retriever = HybridRetriever(snapshot_of(milvus_settings), embedder)
    keyword, dense = keyword_and_dense(retriever, "新建人才驿站3个，引进博士后12名", k=50)
    assert "2022年总结#1" not in keyword + dense and len(dense) == 37
    # Its rows stay stored while the replaced version may still be loading; the next ingest
    # that publishes deletes them.
    assert len(stored_rows(milvus_settings, 'doc_id == "2022年总结"')) == 1
    (milvus_settings.kb_dir / "2023年总结.md").write_text("# 2023年总结\n\n引进人才。\n", encoding="utf-8")
    ingest(milvus_settings, embedder=embedder, progress=False)
    assert stored_rows(milvus_settings, 'doc_id == "2022年总结"') == []


def test_a_changed_document_shows_only_its_new_text(milvus_settings: Settings) -> None:
    embedder = HashEmbedder()
    extra = milvus_settings.kb_dir / EXTRA
    extra.write_text("# 2022年总结\n\n## 人才工作\n\n引进高层次人才120名。\n", encoding="utf-8")
    ingest(milvus_settings, embedder=embedder, progress=False)
    old_version = store.require_current(milvus_settings.index_dir)

    extra.write_text(
        "# 2022年总结\n\n## 人才工作\n\n引进高层次人才150名。\n\n新建人才驿站3个。\n", encoding="utf-8"
    )
    report = ingest(milvus_settings, embedder=embedder, progress=False)
    assert [Path(p).name for p in report.changed] == [EXTRA] and report.embedded == 2
    snap = snapshot_of(milvus_settings)
    retriever = HybridRetriever(snap, embedder)
    found = retriever.bm25_ranking("引进高层次人才", 50) + retriever.dense_ranking(
        embedder.embed_query("引进高层次人才120名"), 50
    )
    texts = {snap.chunks[row].text for row, _s in found}
    assert "引进高层次人才150名。" in texts and "引进高层次人才120名。" not in texts
    # Both generations of the document are stored; the new version hides the old one, and the
    # version it replaced (kept for apps still loading it) still sees only the old one.
    assert len(stored_rows(milvus_settings, 'doc_id == "2022年总结"')) == 3
    old = HybridRetriever(Snapshot.load_version(old_version, milvus_settings), embedder)
    old_found = old.bm25_ranking("引进高层次人才", 50)
    assert "引进高层次人才120名。" in {old.snapshot.chunks[r].text for r, _s in old_found}
    assert "2022年总结#2" not in paragraph_ids(old, old.bm25_ranking("人才驿站", 50))

    extra.write_text("# 2022年总结\n\n## 人才工作\n\n引进高层次人才150名。\n", encoding="utf-8")
    ingest(milvus_settings, embedder=embedder, progress=False)  # publishes; the 120 rows go
    assert len(stored_rows(milvus_settings, 'doc_id == "2022年总结"')) == 3  # 150 + 驿站 (hidden) + 150 again


class _Crash(RuntimeError):
    pass


def test_a_crash_between_insert_and_publish_changes_no_answer(
    milvus_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    embedder = HashEmbedder()
    extra = milvus_settings.kb_dir / EXTRA
    extra.write_text("# 2022年总结\n\n## 人才工作\n\n引进高层次人才120名。\n", encoding="utf-8")
    ingest(milvus_settings, embedder=embedder, progress=False)
    before = store.require_current(milvus_settings.index_dir)
    questions = ("引进高层次人才", "新建人才驿站", "整顿软弱涣散村党组织")

    def answers() -> list[list[tuple[str, float]]]:
        retriever = HybridRetriever(snapshot_of(milvus_settings), embedder)
        return [
            [(h.paragraph.paragraph_id, round(h.score, 9)) for h in retriever.retrieve(q, 5)]
            for q in questions
        ]

    expected = answers()
    extra.write_text(
        "# 2022年总结\n\n## 人才工作\n\n引进高层次人才150名。\n\n新建人才驿站3个。\n", encoding="utf-8"
    )
    (milvus_settings.kb_dir / "新报告.txt").write_text("新建人才驿站5个，人才公寓200套。", encoding="utf-8")
    real_finish = MilvusWriter.finish

    def crash(self: MilvusWriter) -> dict[str, str]:
        real_finish(self)  # every row inserted and flushed, the catalog not yet published
        raise _Crash("killed before publishing")

    monkeypatch.setattr(MilvusWriter, "finish", crash)
    with pytest.raises(_Crash):
        ingest(milvus_settings, embedder=embedder, progress=False)
    monkeypatch.undo()
    assert store.require_current(milvus_settings.index_dir) == before
    assert len(stored_rows(milvus_settings)) == 38 + 3  # the dead ingest's rows are stored...
    assert answers() == expected  # ...and reach no answer

    report = ingest(milvus_settings, embedder=embedder, progress=False)
    assert len(report.added) == 1 and len(report.changed) == 1 and report.embedded == 0  # from the cache
    assert len(stored_rows(milvus_settings)) == 38 + 3  # the dead rows went, the new ones came
    retriever = HybridRetriever(snapshot_of(milvus_settings), embedder)
    assert retriever.retrieve("人才公寓200套", 1)[0].paragraph.paragraph_id == "新报告#1"
    assert "引进高层次人才120名。" not in {h.chunk.text for h in retriever.retrieve("引进高层次人才", 10)}


@pytest.mark.parametrize("stage", ["milvus_insert", "publish", "switching", "milvus_clean"])
def test_sigkill_mid_ingest_leaves_no_half_report(milvus_settings: Settings, stage: str) -> None:
    """A real kill (another process, Milvus Lite's file open in it) at the stages that matter
    for Milvus: rows being inserted, all inserted and the catalog complete, CURRENT being
    switched, switched but the old rows not yet deleted."""
    embedder = HashEmbedder()
    extra = milvus_settings.kb_dir / EXTRA
    extra.write_text("# 2022年总结\n\n## 人才工作\n\n引进高层次人才120名。\n", encoding="utf-8")
    ingest(milvus_settings, embedder=embedder, progress=False)
    extra.write_text("# 2022年总结\n\n## 人才工作\n\n引进高层次人才150名。\n", encoding="utf-8")
    (milvus_settings.kb_dir / "新报告.txt").write_text(NEW_REPORT, encoding="utf-8")
    connection.release(milvus_settings)  # Milvus Lite: one process at a time
    where = [str(milvus_settings.kb_dir), str(milvus_settings.index_dir)]
    driver = subprocess.Popen(
        [sys.executable, "-m", "tests.ingest.crash_driver", *where, stage, "milvus"],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert driver.stdout is not None
        while (line := driver.stdout.readline()) and line.strip() != f"STAGE {stage}":
            pass
        assert line.strip() == f"STAGE {stage}"
    finally:
        driver.kill()
        driver.wait()
    switched = stage == "milvus_clean"
    snap = snapshot_of(milvus_settings)
    retriever = HybridRetriever(snap, embedder)
    new = [p for p in snap.paragraphs if p.startswith("新报告#")]
    assert len(new) == (len(NEW_REPORT.splitlines()) if switched else 0)  # all or nothing
    found = {h.chunk.text for h in retriever.retrieve("引进高层次人才", 10)}
    assert ("引进高层次人才150名。" in found) == switched and ("引进高层次人才120名。" in found) != switched
    # What Milvus itself returns (before the catalog maps chunk ids to rows): no row of the new
    # report unless the version that lists it is live.
    question = "全区新建党群服务中心3个，开展志愿服务30次。"
    raw = snap.index.search_keywords(question, 50, None) + snap.index.search_dense(
        embedder.embed_query(question), 50, None
    )
    assert any(cid.startswith("新报告#") for cid, _s in raw) == switched
    # Nor a second row of a changed document's chunk (its chunk ids stay the same).
    for text in ("引进高层次人才150名", "引进高层次人才120名"):
        ids = [cid for cid, _s in snap.index.search_keywords(text, 50, None)]
        ids += [cid for cid, _s in snap.index.search_dense(embedder.embed_query(text), 50, None)]
        assert ids.count("2022年总结#1/0") == 2  # once by each search

    report = ingest(milvus_settings, embedder=embedder, progress=False)  # finishes the job
    assert report.embedded == 0 and (report.added == []) == switched
    snap = snapshot_of(milvus_settings)
    visible = len(snap.chunks)
    assert visible == 37 + 1 + len(NEW_REPORT.splitlines())
    # Stored: the visible rows, plus the old 2022年总结 row while the replaced version is kept.
    assert len(stored_rows(milvus_settings)) in (visible, visible + 1)
