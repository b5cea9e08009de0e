"""KB_STORE=milvus: the chunk index in Milvus Lite (a temporary file), against the same catalog.

Ingest (fake and real embedder), incremental ingest, removed and changed documents, a crash
between the Milvus insert and the publish, filters inside both searches, and the messages for a
Milvus that cannot be used. Skipped, with the reason, only where Milvus Lite cannot start.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from concurrent import futures
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from ingest import store
from ingest.build import ingest
from ingest.config import PROJECT_ROOT, Settings
from ingest.index_backend import FaissChunkIndex
from ingest.milvus import collection, connection, search
from ingest.milvus.connection import Address, Milvus
from ingest.milvus.search import MilvusChunkIndex, MilvusFilter
from ingest.milvus.writer import MilvusWriter
from ingest.search_types import IndexBackendError
from ingest.vector_cache import CACHE_FILE
from rag.pipeline import KnowledgeBase
from rag.retrieve import HybridRetriever, SearchFilter, Snapshot
from tests.conftest import SAMPLE_DOC_ID, sample_kb
from tests.fakes import HashEmbedder
from tests.ingest.test_crash import NEW_REPORT

EXTRA = "2022年总结.md"


def pid(n: int) -> str:
    return f"{SAMPLE_DOC_ID}#{n}"


@pytest.fixture(scope="module", autouse=True)
def milvus_lite_starts(tmp_path_factory: pytest.TempPathFactory) -> None:
    try:
        import milvus_lite  # noqa: F401
        import pymilvus  # noqa: F401
    except ImportError as exc:
        pytest.skip(f"pymilvus / milvus-lite not installed ({exc}); `make install-dev` installs them")
    probe = Settings(index_dir=tmp_path_factory.mktemp("probe"), store="milvus")
    try:
        Milvus(Address.of(probe)).call("list_collections")
    except Exception as exc:
        pytest.skip(f"Milvus Lite cannot start on this machine: {exc}")
    finally:
        connection.release(probe)


@pytest.fixture
def milvus_settings(tmp_path: Path) -> Iterator[Settings]:
    """The sample report's folder and an index kept in Milvus Lite (its file in the index folder)."""
    settings = Settings(
        kb_dir=sample_kb(tmp_path), index_dir=tmp_path / "index", data_dir=tmp_path / "data", store="milvus"
    )
    yield settings
    connection.release(settings)


def _snapshot(settings: Settings) -> Snapshot:
    return Snapshot.load(settings.index_dir, settings)


def _index(snapshot: Snapshot) -> MilvusChunkIndex:
    assert isinstance(snapshot.index, MilvusChunkIndex)
    return snapshot.index


def _stored(settings: Settings, expression: str = 'row_id != ""') -> list[dict[str, Any]]:
    """Every row of the live collection matching `expression`, visible to a version or not."""
    index = _index(_snapshot(settings))
    return list(
        index.milvus.call(
            "query",
            index.rows.collection,
            filter=expression,
            output_fields=["chunk_id", "doc_tag"],
            limit=16384,
        )
    )


def _paragraphs(retriever: HybridRetriever, ranking: list[tuple[int, float]]) -> list[str]:
    return [retriever.snapshot.chunks[row].paragraph_id for row, _score in ranking]


def _both(retriever: HybridRetriever, question: str, k: int = 5) -> tuple[list[str], list[str]]:
    """The paragraphs of the keyword and of the dense top-k."""
    vector = retriever.embedder.embed_query(question)
    return (
        _paragraphs(retriever, retriever.bm25_ranking(question, k)),
        _paragraphs(retriever, retriever.dense_ranking(vector, k)),
    )


# --- ingest and search ---------------------------------------------------------------------------


def test_the_sample_report_in_milvus_ranks_as_faiss_does(milvus_settings: Settings, tmp_path: Path) -> None:
    embedder = HashEmbedder()
    report = ingest(milvus_settings, embedder=embedder, progress=False)
    assert (report.documents, report.paragraphs, report.chunks, report.embedded) == (1, 37, 37, 37)
    snap = _snapshot(milvus_settings)
    assert snap.meta["store"] == "milvus" and snap.meta["milvus_collection"].startswith("kb_")
    assert (milvus_settings.index_dir / connection.LITE_FILE).is_dir()  # Milvus Lite's folder
    assert len(_stored(milvus_settings)) == 37
    assert not (store.require_current(milvus_settings.index_dir) / store.VECTORS).exists()

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
        assert _paragraphs(milvus, milvus.bm25_ranking(question, 1)) == _paragraphs(
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
    retriever = HybridRetriever(_snapshot(milvus_settings), embedder)
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
    assert inserted == [] and len(_stored(milvus_settings)) == 37


def test_a_removed_document_leaves_both_searches(milvus_settings: Settings) -> None:
    embedder = HashEmbedder()
    extra = milvus_settings.kb_dir / EXTRA
    extra.write_text("# 2022年总结\n\n## 人才工作\n\n新建人才驿站3个，引进博士后12名。\n", encoding="utf-8")
    ingest(milvus_settings, embedder=embedder, progress=False)
    retriever = HybridRetriever(_snapshot(milvus_settings), embedder)
    keyword, dense = _both(retriever, "新建人才驿站3个，引进博士后12名")
    assert keyword[0] == dense[0] == "2022年总结#1"

    extra.unlink()
    report = ingest(milvus_settings, embedder=embedder, progress=False)
    assert [Path(p).name for p in report.removed] == [EXTRA]
    retriever = HybridRetriever(_snapshot(milvus_settings), embedder)
    keyword, dense = _both(retriever, "新建人才驿站3个，引进博士后12名", k=50)
    assert "2022年总结#1" not in keyword + dense and len(dense) == 37
    # Its rows stay stored while the replaced version may still be loading; the next ingest
    # that publishes deletes them.
    assert len(_stored(milvus_settings, 'doc_id == "2022年总结"')) == 1
    (milvus_settings.kb_dir / "2023年总结.md").write_text("# 2023年总结\n\n引进人才。\n", encoding="utf-8")
    ingest(milvus_settings, embedder=embedder, progress=False)
    assert _stored(milvus_settings, 'doc_id == "2022年总结"') == []


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
    snap = _snapshot(milvus_settings)
    retriever = HybridRetriever(snap, embedder)
    found = retriever.bm25_ranking("引进高层次人才", 50) + retriever.dense_ranking(
        embedder.embed_query("引进高层次人才120名"), 50
    )
    texts = {snap.chunks[row].text for row, _s in found}
    assert "引进高层次人才150名。" in texts and "引进高层次人才120名。" not in texts
    # Both generations of the document are stored; the new version hides the old one, and the
    # version it replaced (kept for apps still loading it) still sees only the old one.
    assert len(_stored(milvus_settings, 'doc_id == "2022年总结"')) == 3
    old = HybridRetriever(Snapshot.load_version(old_version, milvus_settings), embedder)
    old_found = old.bm25_ranking("引进高层次人才", 50)
    assert "引进高层次人才120名。" in {old.snapshot.chunks[r].text for r, _s in old_found}
    assert "2022年总结#2" not in _paragraphs(old, old.bm25_ranking("人才驿站", 50))

    extra.write_text("# 2022年总结\n\n## 人才工作\n\n引进高层次人才150名。\n", encoding="utf-8")
    ingest(milvus_settings, embedder=embedder, progress=False)  # publishes; the 120 rows go
    assert len(_stored(milvus_settings, 'doc_id == "2022年总结"')) == 3  # 150 + 驿站 (hidden) + 150 again


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
        retriever = HybridRetriever(_snapshot(milvus_settings), embedder)
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
    assert len(_stored(milvus_settings)) == 38 + 3  # the dead ingest's rows are stored...
    assert answers() == expected  # ...and reach no answer

    report = ingest(milvus_settings, embedder=embedder, progress=False)
    assert len(report.added) == 1 and len(report.changed) == 1 and report.embedded == 0  # from the cache
    assert len(_stored(milvus_settings)) == 38 + 3  # the dead rows went, the new ones came
    retriever = HybridRetriever(_snapshot(milvus_settings), embedder)
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
    snap = _snapshot(milvus_settings)
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
    snap = _snapshot(milvus_settings)
    visible = len(snap.chunks)
    assert visible == 37 + 1 + len(NEW_REPORT.splitlines())
    # Stored: the visible rows, plus the old 2022年总结 row while the replaced version is kept.
    assert len(_stored(milvus_settings)) in (visible, visible + 1)


# --- filters -------------------------------------------------------------------------------------


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
    milvus = HybridRetriever(_snapshot(milvus_settings), embedder)
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
        keyword = _paragraphs(milvus, milvus.bm25_ranking(question, 10, allowed))
        assert keyword and all(where.allows(milvus.snapshot.paragraphs[p]) for p in keyword)
        expected = [
            p
            for p in _paragraphs(milvus, milvus.bm25_ranking(question, 50))
            if where.allows(milvus.snapshot.paragraphs[p])
        ]
        assert keyword == expected[:10]  # the best allowed ones, not what is left of a top-10
    if max_ids == 2:
        assert milvus.allowed_rows(filters[2]).keep is not None  # type: ignore[union-attr]
    nothing = milvus.allowed_rows(SearchFilter(docs=frozenset()))
    assert nothing is not None and nothing.empty
    assert milvus.retrieve(question, 5, SearchFilter(paragraphs=frozenset({"none"}))) == []


# --- errors --------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_an_unreachable_server_is_named_and_nothing_is_lost(milvus_settings: Settings) -> None:
    embedder = HashEmbedder()
    ingest(milvus_settings, embedder=embedder, progress=False)
    live = store.require_current(milvus_settings.index_dir)
    uri = f"http://127.0.0.1:{_free_port()}"
    elsewhere = replace(milvus_settings, milvus_uri=uri)
    (milvus_settings.kb_dir / "新报告.txt").write_text("新建人才驿站5个。", encoding="utf-8")
    with pytest.raises(IndexBackendError) as failed:
        ingest(elsewhere, embedder=embedder, progress=False)
    message = str(failed.value)
    assert f"无法连接 Milvus 服务器 {uri}" in message and "KB_MILVUS_URI" in message
    assert "Traceback" not in message
    assert store.require_current(milvus_settings.index_dir) == live
    assert [p.name for p in milvus_settings.index_dir.glob("v-*")] == [live.name]
    with pytest.raises(IndexBackendError, match="无法连接 Milvus 服务器"):
        KnowledgeBase(elsewhere, embedder=embedder)
    assert len(HybridRetriever(_snapshot(milvus_settings), embedder).retrieve("整顿软弱涣散村党组织")) == 5


@pytest.fixture
def refusing_server() -> Iterator[str]:
    """A gRPC server answering every call as a Milvus server with authentication does to a wrong
    token (its interceptor's UNAUTHENTICATED)."""
    import grpc

    class Refuse(grpc.GenericRpcHandler):
        def service(self, details: Any) -> Any:
            def refuse(_request: Any, context: Any) -> None:
                context.abort(
                    grpc.StatusCode.UNAUTHENTICATED,
                    "auth check failure, please check username and password are correct",
                )

            return grpc.unary_unary_rpc_method_handler(refuse)

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    server.add_generic_rpc_handlers((Refuse(),))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop(0)


def test_a_wrong_token_is_named_masked(milvus_settings: Settings, refusing_server: str) -> None:
    settings = replace(milvus_settings, milvus_uri=refusing_server, milvus_token="root:s3cret-pw")
    with pytest.raises(IndexBackendError) as failed:
        ingest(settings, embedder=HashEmbedder(), progress=False)
    message = str(failed.value)
    assert f"Milvus 服务器 {refusing_server} 拒绝了访问令牌 KB_MILVUS_TOKEN=root:***" in message
    assert "s3cret" not in message and store.current_version(settings.index_dir) is None
    url_token = replace(
        settings, milvus_uri=refusing_server.replace("//", "//root:s3cret-pw@"), milvus_token=""
    )
    with pytest.raises(IndexBackendError) as failed:
        ingest(url_token, embedder=HashEmbedder(), progress=False)
    assert "s3cret" not in str(failed.value) and "http://***@127.0.0.1" in str(failed.value)


def test_a_collection_of_another_dimension_is_explained(milvus_settings: Settings) -> None:
    ingest(milvus_settings, embedder=HashEmbedder(), progress=False)
    index = _index(_snapshot(milvus_settings))
    # Someone else's collection under our name: 64 dimensions where the catalog says 512.
    index.milvus.call("drop_collection", index.rows.collection)
    collection.create_collection(index.milvus, index.rows.collection, 64)
    with pytest.raises(IndexBackendError) as failed:
        _snapshot(milvus_settings)
    message = str(failed.value)
    assert "的向量为 64 维，索引记录的向量模型为 512 维" in message and "kb ingest" in message
    # The next ingest builds a new collection (embedding nothing) and answers again.
    report = ingest(milvus_settings, embedder=HashEmbedder(), progress=False)
    assert "64 维" in report.rebuilt and report.embedded == 0
    assert _snapshot(milvus_settings).index.search_keywords("软弱涣散村党组织", 1, None)


def test_a_lite_file_another_process_holds_is_explained(milvus_settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "held.db"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pymilvus import MilvusClient; MilvusClient(uri=sys.argv[1]); "
            "print('open', flush=True); time.sleep(60)",
            str(path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        settings = replace(milvus_settings, milvus_uri=str(path))
        with pytest.raises(IndexBackendError) as failed:
            ingest(settings, embedder=HashEmbedder(), progress=False)
        assert f"Milvus Lite 数据文件 {path} 正被另一个进程使用" in str(failed.value)
    finally:
        holder.kill()
        holder.wait()


def test_settings_that_do_not_fit_the_index_are_explained(milvus_settings: Settings) -> None:
    embedder = HashEmbedder()
    with pytest.raises(IndexBackendError, match=r"应为以 \.db 结尾的文件路径"):
        ingest(replace(milvus_settings, milvus_uri="/tmp/milvus-file"), embedder=embedder, progress=False)
    ingest(replace(milvus_settings, store="faiss"), embedder=embedder, progress=False)
    with pytest.raises(IndexBackendError, match="索引建立在 faiss 上，当前设置 KB_STORE=milvus"):
        KnowledgeBase(milvus_settings, embedder=embedder)
    # The next ingest moves the index to Milvus without embedding anything.
    report = ingest(milvus_settings, embedder=embedder, progress=False)
    assert "store: faiss → milvus" in report.rebuilt and report.embedded == 0
    assert KnowledgeBase(milvus_settings, embedder=embedder).ask("整顿了多少个软弱涣散村党组织?").retrieved


def test_store_settings_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KB_STORE", "milvus")
    monkeypatch.setenv("KB_MILVUS_URI", "http://milvus.example:19530")
    monkeypatch.setenv("KB_MILVUS_TOKEN", "root:Milvus")
    settings = Settings.from_env()
    assert (settings.store, settings.milvus_uri, settings.milvus_token) == (
        "milvus",
        "http://milvus.example:19530",
        "root:Milvus",
    )
    monkeypatch.setenv("KB_STORE", "elastic")
    with pytest.raises(ValueError, match="KB_STORE 应为 faiss / milvus 之一"):
        Settings.from_env()
