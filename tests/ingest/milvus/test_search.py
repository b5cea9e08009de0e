"""Milvus against FAISS: the same ingest, the same dense ranking, the same best keyword match,
filters inside both searches, and nothing embedded or inserted twice."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from ingest import store, vectors
from ingest.build import ingest
from ingest.config import Settings
from ingest.index_backend import FaissChunkIndex
from ingest.milvus import connection, search
from ingest.milvus.search import MilvusFilter
from ingest.milvus.writer import MilvusWriter
from ingest.vector_cache import CACHE_FILE
from rag.evidence.retrieve import HybridRetriever, SearchFilter, Snapshot
from rag.pipeline import KnowledgeBase
from tests.conftest import SAMPLE_DOC_ID
from tests.fakes import HashEmbedder
from tests.ingest.milvus.helpers import EXTRA, paragraph_ids, pid, snapshot_of, stored_rows


def test_the_sample_report_in_milvus_ranks_as_faiss_does(milvus_settings: Settings, tmp_path: Path) -> None:
    embedder = HashEmbedder()
    report = ingest(milvus_settings, embedder=embedder, progress=False)
    assert (report.documents, report.paragraphs, report.chunks, report.embedded) == (1, 37, 37, 37)
    snap = snapshot_of(milvus_settings)
    assert snap.meta["store"] == "milvus" and snap.meta["milvus_collection"].startswith("kb_")
    assert (milvus_settings.index_dir / connection.LITE_FILE).is_dir()  # Milvus Lite's folder
    assert len(stored_rows(milvus_settings)) == 37
    assert not vectors.exists(store.require_current(milvus_settings.index_dir))

    faiss_settings = replace(milvus_settings, index_dir=tmp_path / "faiss-index", store="faiss")
    ingest(faiss_settings, embedder=embedder, progress=False)
    faiss = HybridRetriever(Snapshot.load(faiss_settings.index_dir), embedder)
    milvus = HybridRetriever(snap, embedder)
    assert isinstance(faiss.snapshot.index, FaissChunkIndex)
    for question in ("培训各级各类党员干部40822人次", "整顿软弱涣散村党组织", "选派驻村第一书记"):
        vector = embedder.embed_query(question)
        # The same vectors, exact search in both: the same dense ranking and cosines.
        dense_f, dense_m = faiss.dense_ranking(vector, 10), milvus.dense_ranking(vector, 10)
        assert [r for r, _s in dense_m] == [r for r, _s in dense_f]
        np.testing.assert_allclose([s for _r, s in dense_m], [s for _r, s in dense_f], atol=1e-5)
        # The opposite vector: every cosine negative or zero, reported as such (not as a distance).
        opposite_f, opposite_m = faiss.dense_ranking(-vector, 50), milvus.dense_ranking(-vector, 50)
        assert min(s for _r, s in opposite_m) < 0 and all(s <= 0 for _r, s in opposite_m)
        assert sorted(s for _r, s in opposite_m) == pytest.approx(sorted(s for _r, s in opposite_f), abs=1e-5)
        # Keyword search is Milvus's own BM25 over jieba words: the same best paragraph.
        assert paragraph_ids(milvus, milvus.bm25_ranking(question, 1)) == paragraph_ids(
            faiss, faiss.bm25_ranking(question, 1)
        )
        assert (
            milvus.retrieve(question, 1)[0].paragraph.paragraph_id
            == faiss.retrieve(question, 1)[0].paragraph.paragraph_id
        )
    top = milvus.retrieve("培训各级各类党员干部40822人次", top_k=3)[0]
    cfg = milvus.config
    assert top.paragraph.paragraph_id == pid(9) and top.bm25_rank == 1 and top.dense_rank is not None
    assert top.score == pytest.approx(
        cfg.bm25_weight / (cfg.rrf_k + 1) + cfg.dense_weight / (cfg.rrf_k + top.dense_rank)
    )
    assert milvus.bm25_ranking("完全无关的词汇zzz", 5) == []


def test_the_real_embedder_in_milvus_embeds_nothing_twice(
    real_settings: Settings, real_kb: KnowledgeBase, tmp_path: Path
) -> None:
    """The sample report with the real default embedder: its vectors come from the vector cache
    the FAISS index filled, so nothing is embedded, and the answers find the same paragraphs."""
    settings = replace(real_settings, index_dir=tmp_path / "index", store="milvus")
    settings.index_dir.mkdir()
    shutil.copy(real_settings.index_dir / CACHE_FILE, settings.index_dir / CACHE_FILE)
    try:
        report = ingest(settings, embedder=real_kb.embedder, progress=False)
        assert report.chunks == 37 and report.embedded == 0 and report.reused == 37
        kb = KnowledgeBase(settings, embedder=real_kb.embedder)
        for question, number in [
            ("2021年培训了多少人次党员干部?", 9),
            ("选派了多少名驻村第一书记?", 19),
            ("整顿了多少个软弱涣散村党组织?", 33),
            ("如何理顺非公领域党建的运行机制?", 37),
        ]:
            answer = kb.ask(question)
            assert answer.retrieved[0][0] == pid(number)
            assert answer.text == real_kb.ask(question).text
    finally:
        connection.release(settings)


def test_another_process_opens_the_index(milvus_settings: Settings) -> None:
    """An app started after `kb ingest` (Milvus Lite opens a file's collections released)."""
    embedder = HashEmbedder()
    ingest(milvus_settings, embedder=embedder, progress=False)
    connection.release(milvus_settings)  # this process lets the file go, as an ended ingest does
    retriever = HybridRetriever(snapshot_of(milvus_settings), embedder)
    assert retriever.retrieve("整顿软弱涣散村党组织", 1)[0].paragraph.paragraph_id == pid(33)
    connection.release(milvus_settings)
    (milvus_settings.kb_dir / EXTRA).write_text("# 2022年总结\n\n新建人才驿站3个。\n", encoding="utf-8")
    assert len(ingest(milvus_settings, embedder=embedder, progress=False).added) == 1


def test_a_lost_vector_cache_is_refilled_from_milvus(milvus_settings: Settings) -> None:
    embedder = HashEmbedder()
    ingest(milvus_settings, embedder=embedder, progress=False)
    (milvus_settings.index_dir / CACHE_FILE).unlink()
    report = ingest(replace(milvus_settings, chunk_chars=60), embedder=embedder, progress=False)
    assert "chunk_chars: 300 → 60" in report.rebuilt
    # Chunks of paragraphs of at most 60 characters are the same texts: their vectors came from
    # the Milvus rows of the live version, which filled the new cache.
    assert 0 < report.reused < report.chunks and report.embedded == report.chunks - report.reused


def test_an_unchanged_file_embeds_and_inserts_nothing(
    milvus_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    embedder = HashEmbedder()
    first = ingest(milvus_settings, embedder=embedder, progress=False)
    inserted: list[str] = []
    real_add = MilvusWriter.add
    monkeypatch.setattr(
        MilvusWriter, "add", lambda self, doc_id, *a: (inserted.append(doc_id), real_add(self, doc_id, *a))
    )
    second = ingest(milvus_settings, embedder=embedder, progress=False)
    assert second.version == first.version and second.embedded == 0 and embedder.calls == 37
    assert inserted == [] and len(stored_rows(milvus_settings)) == 37


@pytest.mark.parametrize("max_ids", [search.MAX_FILTER_IDS, 2])
def test_filters_act_inside_both_searches(
    milvus_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, max_ids: int
) -> None:
    """A restricted search returns the best allowed chunks, as FAISS's does: by a filter listing
    the paragraphs, or (a set too large to list) by fetching more and filtering here."""
    monkeypatch.setattr(search, "MAX_FILTER_IDS", max_ids)
    embedder = HashEmbedder()
    (milvus_settings.kb_dir / EXTRA).write_text(
        "# 2022年总结\n\n## 人才工作\n\n整顿软弱涣散村党组织8个。\n\n新建人才驿站3个。\n", encoding="utf-8"
    )
    ingest(milvus_settings, embedder=embedder, progress=False)
    faiss_settings = replace(milvus_settings, index_dir=tmp_path / "faiss-index", store="faiss")
    ingest(faiss_settings, embedder=embedder, progress=False)
    milvus = HybridRetriever(snapshot_of(milvus_settings), embedder)
    faiss = HybridRetriever(Snapshot.load(faiss_settings.index_dir), embedder)
    question = "整顿软弱涣散村党组织"
    vector = embedder.embed_query(question)
    odd = frozenset(pid(n) for n in range(1, 38, 2))
    filters = [
        SearchFilter(docs=frozenset({"2022年总结"})),
        SearchFilter(exclude=frozenset({pid(33), "2022年总结#1"})),
        SearchFilter(paragraphs=odd),
        SearchFilter(paragraphs=odd, exclude=frozenset({pid(33)})),
        SearchFilter(
            docs=frozenset({SAMPLE_DOC_ID}), paragraphs=frozenset({pid(9), pid(33), "2022年总结#1"})
        ),
    ]
    for where in filters:
        allowed = milvus.allowed_rows(where)
        assert isinstance(allowed, MilvusFilter)
        dense = milvus.dense_ranking(vector, 10, allowed)
        dense_faiss = faiss.dense_ranking(vector, 10, faiss.allowed_rows(where))
        assert [r for r, _s in dense] == [r for r, _s in dense_faiss]
        np.testing.assert_allclose([s for _r, s in dense], [s for _r, s in dense_faiss], atol=1e-5)
        keyword = paragraph_ids(milvus, milvus.bm25_ranking(question, 10, allowed))
        assert keyword and all(where.allows(milvus.snapshot.paragraphs[p]) for p in keyword)
        expected = [
            p
            for p in paragraph_ids(milvus, milvus.bm25_ranking(question, 50))
            if where.allows(milvus.snapshot.paragraphs[p])
        ]
        assert keyword == expected[:10]  # the best allowed ones, not what is left of a top-10
    if max_ids == 2:
        assert milvus.allowed_rows(filters[2]).keep is not None  # type: ignore[union-attr]
    nothing = milvus.allowed_rows(SearchFilter(docs=frozenset()))
    assert nothing is not None and nothing.empty
    assert milvus.retrieve(question, 5, SearchFilter(paragraphs=frozenset({"none"}))) == []
