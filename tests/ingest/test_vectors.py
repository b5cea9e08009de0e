"""The dense vectors on disk (`ingest.vectors`): rowid ids, the row file, the inverted file a
large index becomes, and versions written with llama-index's FaissMapVectorStore."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np
import pytest

from ingest import store, vectors
from ingest.build import ingest
from ingest.config import Settings
from rag.evidence.retrieve import HybridRetriever, SearchFilter, Snapshot
from tests.fakes import HashEmbedder

QUESTIONS = ["整顿软弱涣散村党组织", "培训党员干部多少人次", "人才引进", "基层党建"]


def _catalog_rows(settings: Settings) -> list[tuple[int, str, str]]:
    with store.catalog(store.require_current(settings.index_dir)) as con:
        return con.execute("SELECT rowid, chunk_id, embed_text FROM chunks ORDER BY rowid").fetchall()


def _exact(settings: Settings, embedder: HashEmbedder, question: str, k: int) -> list[str]:
    """The `k` chunks nearest the question by exact inner product over their own vectors."""
    rows = _catalog_rows(settings)
    scores = embedder.embed_passages([t for _r, _c, t in rows]) @ embedder.embed_query(question)
    order = np.lexsort(([r for r, _c, _t in rows], -scores))[:k]
    return [rows[i][1] for i in order]


def test_the_row_file_reads_runs_of_rows_and_names_a_missing_one(tmp_path: Path) -> None:
    rows = vectors.RowFile(tmp_path / "rows.f32", 3)
    rows.write(np.asarray([4, 1, 2]), np.asarray([[4, 4, 4], [1, 1, 1], [2, 2, 2]], dtype=np.float32))
    got = rows.read(np.asarray([1, 2, 4]))
    np.testing.assert_array_equal(got[:, 0], [1, 2, 4])
    np.testing.assert_array_equal(rows.read(np.asarray([3]))[0], [0, 0, 0])  # a hole: never written
    with pytest.raises(ValueError, match=r"rows\.f32"):
        rows.read(np.asarray([5]))


def test_a_large_index_is_an_inverted_file_whose_results_are_reranked_exactly(
    kb_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(vectors, "IVF_FROM", 20)  # the sample's 37 chunks make a "large" index
    embedder = HashEmbedder()
    ingest(kb_settings, embedder=embedder, progress=False)
    snapshot = Snapshot.load(kb_settings.index_dir)
    dense = snapshot.index.vectors  # type: ignore[attr-defined]
    assert dense.ivf and dense.count == 37
    assert isinstance(faiss.downcast_index(dense.index), faiss.IndexIVFScalarQuantizer)
    for question in QUESTIONS:
        # Every list visited (nprobe >= nlist here): the exact top 5, by the stored vectors.
        found = snapshot.index.search_dense(embedder.embed_query(question), 5, None)
        assert [c for c, _s in found] == _exact(kb_settings, embedder, question, 5)
    # A filter: exact over the allowed rows when they are few, the inverted file's own selector
    # when they are many; the same chunks either way.
    retriever = HybridRetriever(snapshot, embedder)
    first = [p.paragraph_id for p in snapshot.paragraphs.values()][:10]
    allowed = retriever.allowed_rows(SearchFilter(paragraphs=frozenset(first)))
    vector = embedder.embed_query(QUESTIONS[0])
    exact = snapshot.index.search_dense(vector, 3, allowed)
    monkeypatch.setattr(vectors, "EXACT_UP_TO", 0)
    assert snapshot.index.search_dense(vector, 3, allowed) == exact  # both re-ranked exactly
    assert {c.rpartition("/")[0] for c, _s in exact} <= set(first)

    # Adding and removing reports keeps it an inverted file holding the live rows.
    extra = kb_settings.kb_dir / "2022年总结.md"
    extra.write_text("# 2022年总结\n\n## 人才工作\n\n新建人才驿站3个。\n", encoding="utf-8")
    ingest(kb_settings, embedder=embedder, progress=False)
    added = Snapshot.load(kb_settings.index_dir)
    question = "新建人才驿站"
    best = added.index.search_dense(embedder.embed_query(question), 1, None)
    assert best[0][0] == _exact(kb_settings, embedder, question, 1)[0] and "2022年总结" in best[0][0]
    extra.unlink()
    ingest(kb_settings, embedder=embedder, progress=False)
    removed = Snapshot.load(kb_settings.index_dir).index.vectors  # type: ignore[attr-defined]
    assert removed.ivf and sorted(removed.ids().tolist()) == [r for r, _c, _t in _catalog_rows(kb_settings)]


def _as_legacy(version: Path) -> None:
    """Rewrite a version's vectors as llama-index's FaissMapVectorStore left them before."""
    from llama_index.core.schema import TextNode
    from llama_index.vector_stores.faiss import FaissMapVectorStore

    with store.catalog(version) as con:
        dense = vectors.open_vectors(version, con)
        rows = con.execute("SELECT rowid, chunk_id FROM chunks").fetchall()
    stored = dense.get([r for r, _c in rows])
    legacy = FaissMapVectorStore(faiss_index=faiss.IndexIDMap2(faiss.IndexFlatIP(dense.index.d)))
    legacy.add([TextNode(id_=c, text="", embedding=stored[r].tolist()) for r, c in rows])
    folder = version / vectors.VECTORS
    (folder / vectors.INDEX_FILE).unlink()
    (folder / vectors.ROWS_FILE).unlink()
    legacy.persist(persist_path=str(folder / vectors.LEGACY_FILE))


def test_a_version_written_with_the_map_store_loads_and_is_rewritten_without_embedding(
    kb_settings: Settings,
) -> None:
    embedder = HashEmbedder()
    ingest(kb_settings, embedder=embedder, progress=False)
    before = Snapshot.load(kb_settings.index_dir)
    expected = [before.index.search_dense(embedder.embed_query(q), 5, None) for q in QUESTIONS]
    old = store.require_current(kb_settings.index_dir)
    _as_legacy(old)
    legacy = Snapshot.load(kb_settings.index_dir)
    assert [legacy.index.search_dense(embedder.embed_query(q), 5, None) for q in QUESTIONS] == expected
    # The next ingest that writes a version (here: a new report) rewrites the vectors by rowid.
    (kb_settings.kb_dir / "2022年总结.md").write_text("# 2022年总结\n\n新建人才驿站3个。\n", encoding="utf-8")
    calls = embedder.calls
    ingest(kb_settings, embedder=embedder, progress=False)
    assert embedder.calls == calls + 1  # the new report's one chunk only
    new = store.require_current(kb_settings.index_dir)
    assert not (new / vectors.VECTORS / vectors.LEGACY_FILE).exists()
    assert (new / vectors.VECTORS / vectors.ROWS_FILE).exists()
    rows = _catalog_rows(kb_settings)
    upgraded = Snapshot.load(kb_settings.index_dir).index.vectors  # type: ignore[attr-defined]
    stored = upgraded.get([r for r, _c, _t in rows])
    np.testing.assert_allclose(
        np.vstack([stored[r] for r, _c, _t in rows]),
        embedder.embed_passages([t for _r, _c, t in rows]),
        atol=1e-6,
    )
