"""The keyword index (`ingest.bm25`, `ingest.bm25_counts`): bm25s's scores from per-document term
counts, kept up to date document by document."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

import bm25s
import numpy as np
import pytest

from ingest import bm25, bm25_counts, bm25_postings, store
from ingest.build import ingest
from ingest.config import Settings
from ingest.index_backend import RowMask
from ingest.terms import terms
from rag.evidence.retrieve import HybridRetriever, SearchFilter, Snapshot
from tests.fakes import HashEmbedder

CORPUS = [
    ["预算", "~预算", "资金", "资金", "资金"],
    ["资金", "绩效", "~绩效", "评价"],
    [],  # a chunk with no terms at all (bm25s indexes it as one empty term)
    ["预算", "绩效", "预算", "项目", "项目", "项目", "项目", "支出"],
    ["人才", "引进", "~人才"],
    ["项目"],
]
QUERIES = [
    ["预算", "资金"],
    ["项目", "项目", "绩效"],  # a repeated term counts twice, as in bm25s
    ["人才", "预算", "~预算", "资金", "评价", "支出"],
    ["引进"],
]


def _bm25s(token_lists: Sequence[Sequence[str]]) -> bm25s.BM25:
    """The index as it was built before (ingest.store.build_bm25, bm25s defaults)."""
    index = bm25s.BM25()
    index.index([list(t) or [""] for t in token_lists], show_progress=False)
    return index


def _reference_scores(reference: bm25s.BM25, query: list[str]) -> np.ndarray:
    tokens = [t for t in query if t in reference.vocab_dict]
    return reference.get_scores(tokens) if tokens else np.zeros(reference.scores["num_docs"], np.float32)


def _assert_same_as_bm25s(index: bm25.BM25Index | None, token_lists: Sequence[Sequence[str]]) -> None:
    assert index is not None
    reference = _bm25s(token_lists)
    queries = [*QUERIES, *(list(t) for t in token_lists if t)]
    for query in queries:
        expected = _reference_scores(reference, query)
        got = index.get_scores(query)  # terms the index lacks add nothing
        assert got.dtype == np.float32
        np.testing.assert_array_equal(got, expected)  # the same float32 steps: identical
        np.testing.assert_array_equal(index.get_scores([t for t in query if t in index]), expected)
    indptr = reference.scores["indptr"]
    for term, tid in reference.vocab_dict.items():
        if term:
            assert index.doc_freq(term) == indptr[tid + 1] - indptr[tid]
    assert index.n_docs == len(token_lists)


def test_scores_equal_those_of_bm25s() -> None:
    index = bm25.BM25Index.from_token_lists(CORPUS)
    _assert_same_as_bm25s(index, CORPUS)
    assert index is not None
    scores = index.get_scores(["项目", "项目", "绩效"])
    assert scores[3] > scores[5] > 0 and scores[1] > 0 and scores[0] == 0
    # The duplicate adds the term's score again.
    once = index.get_scores(["项目", "绩效"])
    assert scores[5] == pytest.approx(2 * once[5])
    assert "项目" in index and "不存在" not in index and index.doc_freq("不存在") == 0


def test_scores_of_a_catalog_equal_bm25s_over_its_chunks(tmp_path: Path) -> None:
    con = sqlite3.connect(tmp_path / "catalog.sqlite")
    con.executescript(bm25_counts.SCHEMA + bm25_postings.SCHEMA)
    con.execute("CREATE TABLE chunks (chunk_id TEXT PRIMARY KEY, doc_id TEXT, embed_text TEXT)")
    texts = {"甲": ["预算 资金 资金", "绩效评价"], "乙": ["", "项目 项目 预算"], "丙": ["人才引进"]}
    for doc_id, chunk_texts in texts.items():
        con.executemany(
            "INSERT INTO chunks VALUES (?, ?, ?)",
            [(f"{doc_id}#{i}", doc_id, t) for i, t in enumerate(chunk_texts)],
        )
        bm25_counts.store_counts(con, doc_id, bm25_counts.count_terms(chunk_texts))
    token_lists = [terms(t) for ts in texts.values() for t in ts]
    # Before the postings by term are written the index is built in memory; after, read from them.
    assert isinstance(bm25.load(con), bm25.BM25Index)
    _assert_same_as_bm25s(bm25.load(con), token_lists)
    assert bm25_postings.sync(con) == 3
    con.commit()
    stored = bm25.load(con)
    assert isinstance(stored, bm25.StoredBM25)
    _assert_same_as_bm25s(stored, token_lists)


def test_terms_whose_hashes_collide_are_told_apart(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bm25_counts, "_hash", lambda _word: 7)  # every term the same hash
    con = sqlite3.connect(":memory:")
    con.executescript(bm25_counts.SCHEMA)
    ids = bm25_counts.term_ids(con, ["甲", "乙", "丙", "乙"])
    ids |= bm25_counts.term_ids(con, ["丁", "甲", ""])  # a second block, ids going on
    assert sorted(ids.values()) == [0, 1, 2, 3, 4]
    vocabulary = bm25_counts.Vocabulary.read(con)
    assert vocabulary.ids(["丙", "丁", "", "甲", "戊"]) == [ids["丙"], ids["丁"], ids[""], ids["甲"], None]
    with pytest.raises(ValueError, match="line break"):
        bm25_counts.term_ids(con, ["两\n行"])


def test_no_chunks_no_index(tmp_path: Path) -> None:
    assert bm25.BM25Index.from_token_lists([]) is None
    con = store.connect(tmp_path)
    assert bm25.load(con) is None


def _all_token_lists(snapshot: Snapshot) -> list[list[str]]:
    return [terms(c.embed_text) for c in snapshot.chunks]


def test_adding_a_report_counts_only_that_report(
    kb_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    embedder = HashEmbedder()
    ingest(kb_settings, embedder=embedder, progress=False)
    counted: list[str] = []

    def counting_terms(text: str) -> list[str]:
        counted.append(text)
        return terms(text)

    monkeypatch.setattr(bm25_counts, "terms", counting_terms)
    (kb_settings.kb_dir / "2022年总结.md").write_text(
        "# 2022年总结\n\n## 人才工作\n\n引进高层次人才120名。\n\n新建人才驿站3个。\n", encoding="utf-8"
    )
    report = ingest(kb_settings, embedder=embedder, progress=False)
    assert len(report.added) == 1 and report.recounted == 0
    monkeypatch.undo()
    snapshot = Snapshot.load(kb_settings.index_dir)
    # Only the new report's two chunks were counted, not the 37 already indexed.
    assert counted == [c.embed_text for c in snapshot.chunks if c.paragraph_id.startswith("2022年总结#")]
    assert len(counted) == 2
    assert snapshot.bm25 is not None and snapshot.bm25.n_docs == 39
    # Statistics of the whole index, as if it had been built from scratch.
    _assert_same_as_bm25s(snapshot.bm25, _all_token_lists(snapshot))
    ranking = HybridRetriever(snapshot, embedder).bm25_ranking("人才驿站", 3)
    assert snapshot.chunks[ranking[0][0]].paragraph_id == "2022年总结#2"


def test_removing_a_report_removes_it_from_the_statistics(kb_settings: Settings) -> None:
    embedder = HashEmbedder()
    extra = kb_settings.kb_dir / "2022年总结.md"
    extra.write_text("# 2022年总结\n\n## 人才工作\n\n新建人才驿站3个。\n", encoding="utf-8")
    ingest(kb_settings, embedder=embedder, progress=False)
    before = Snapshot.load(kb_settings.index_dir).bm25
    assert before is not None and before.doc_freq("驿站") == 1 and before.n_docs == 38
    extra.unlink()
    report = ingest(kb_settings, embedder=embedder, progress=False)
    assert len(report.removed) == 1
    snapshot = Snapshot.load(kb_settings.index_dir)
    index = snapshot.bm25
    assert index is not None and index.n_docs == 37
    assert "驿站" not in index and index.doc_freq("驿站") == 0  # still in the vocabulary table
    _assert_same_as_bm25s(index, _all_token_lists(snapshot))
    with store.catalog(store.require_current(kb_settings.index_dir)) as con:
        assert con.execute("SELECT COUNT(*) FROM bm25_docs").fetchone()[0] == 1


def test_the_allowed_mask_restricts_the_ranking(kb_settings: Settings) -> None:
    ingest(kb_settings, embedder=HashEmbedder(), progress=False)
    retriever = HybridRetriever(Snapshot.load(kb_settings.index_dir), HashEmbedder())
    everything = retriever.bm25_ranking("软弱涣散村党组织", 100)
    best_paragraph = retriever.snapshot.chunks[everything[0][0]].paragraph_id
    restriction = retriever.allowed_rows(SearchFilter(exclude=frozenset({best_paragraph})))
    assert isinstance(restriction, RowMask)
    allowed = restriction.rows
    assert not allowed[everything[0][0]]
    restricted = retriever.bm25_ranking("软弱涣散村党组织", 10, restriction)
    assert restricted and all(allowed[row] for row, _score in restricted)
    # The best ten allowed chunks, with the scores and order they have without the filter.
    assert len(restricted) == 10
    assert restricted == [(row, score) for row, score in everything if allowed[row]][:10]
    nothing = RowMask(np.zeros_like(allowed))
    assert nothing.empty and retriever.bm25_ranking("软弱涣散村党组织", 10, nothing) == []


def test_an_empty_knowledge_base_has_no_keyword_index(tmp_path: Path) -> None:
    (tmp_path / "kb").mkdir()
    settings = Settings(kb_dir=tmp_path / "kb", index_dir=tmp_path / "index", data_dir=tmp_path / "data")
    ingest(settings, embedder=HashEmbedder(), progress=False)
    snapshot = Snapshot.load(settings.index_dir)
    assert snapshot.bm25 is None
    assert HybridRetriever(snapshot, HashEmbedder()).bm25_ranking("人才", 5) == []


def _make_old_layout(version: Path) -> None:
    """The version as an ingest before term counts were kept left it: no counts, a bm25s index."""
    with store.catalog(version) as con:
        for table in ("bm25_docs", "bm25_terms", "bm25_term_parts", "bm25_postings", "bm25_indexed"):
            con.execute(f"DELETE FROM {table}")
        chunks = store.load_chunks(con)
    _bm25s([terms(c.embed_text) for c in chunks]).save(str(version / store.LEGACY_BM25_DIR))


def test_an_index_written_before_term_counts_loads_and_is_upgraded(kb_settings: Settings) -> None:
    embedder = HashEmbedder()
    ingest(kb_settings, embedder=embedder, progress=False)
    question = "整顿软弱涣散村党组织"
    expected = HybridRetriever(Snapshot.load(kb_settings.index_dir), embedder).bm25_ranking(question, 10)
    old = store.require_current(kb_settings.index_dir)
    _make_old_layout(old)

    # The app loads it (its text is counted in memory) and ranks as before.
    snapshot = Snapshot.load(kb_settings.index_dir)
    assert HybridRetriever(snapshot, embedder).bm25_ranking(question, 10) == expected
    _assert_same_as_bm25s(snapshot.bm25, _all_token_lists(snapshot))

    # The next ingest stores the counts, drops the bm25s folder and embeds nothing.
    calls = embedder.calls
    report = ingest(kb_settings, embedder=embedder, progress=False)
    assert report.recounted == 1 and not report.rebuilt and report.embedded == 0
    assert embedder.calls == calls
    assert "关键词索引已升级：为 1 个已有文档统计词频" in report.summary()
    new = store.require_current(kb_settings.index_dir)
    assert new != old and not (new / store.LEGACY_BM25_DIR).exists()
    with store.catalog(new) as con:
        assert bm25_counts.uncounted_documents(con) == []
    upgraded = Snapshot.load(kb_settings.index_dir)
    assert HybridRetriever(upgraded, embedder).bm25_ranking(question, 10) == expected
    # Nothing left to upgrade: the ingest after that writes no new version.
    assert ingest(kb_settings, embedder=embedder, progress=False).version == new.name


def test_a_document_whose_counts_do_not_match_its_chunks_is_counted_again(kb_settings: Settings) -> None:
    ingest(kb_settings, embedder=HashEmbedder(), progress=False)
    version = store.require_current(kb_settings.index_dir)
    snapshot = Snapshot.load(kb_settings.index_dir)
    with store.catalog(version) as con:
        doc_id = snapshot.documents[0].doc_id
        bm25_counts.store_counts(con, doc_id, bm25_counts.count_terms(["只有一个片段"]))
    _assert_same_as_bm25s(Snapshot.load(kb_settings.index_dir).bm25, _all_token_lists(snapshot))


def _same_scores(
    a: bm25.KeywordIndex | None, b: bm25.KeywordIndex | None, queries: Sequence[Sequence[str]]
) -> None:
    assert a is not None and b is not None
    assert (a.n_rows, a.n_docs) == (b.n_rows, b.n_docs)
    for query in queries:
        np.testing.assert_array_equal(a.get_scores(query), b.get_scores(query))
        assert [a.doc_freq(t) for t in query] == [b.doc_freq(t) for t in query]


def test_a_published_version_reads_postings_from_disk_with_the_same_scores(kb_settings: Settings) -> None:
    (kb_settings.kb_dir / "2022年总结.md").write_text(
        "# 2022年总结\n\n## 人才工作\n\n引进高层次人才120名。\n\n新建人才驿站3个。\n", encoding="utf-8"
    )
    ingest(kb_settings, embedder=HashEmbedder(), progress=False)
    snapshot = Snapshot.load(kb_settings.index_dir)
    assert isinstance(snapshot.bm25, bm25.StoredBM25)
    token_lists = _all_token_lists(snapshot)
    queries = [*(t for t in token_lists if t), ["人才", "驿站", "不存在的词"]]
    with store.catalog(store.require_current(kb_settings.index_dir)) as con:
        _same_scores(snapshot.bm25, bm25.load_in_memory(con), queries)
        # A reader of one report: its statistics alone, rows numbered among all chunks.
        only = frozenset({next(d.doc_id for d in snapshot.documents if d.title == "2022年总结")})
        view = bm25.load(con, only=only)
        assert isinstance(view, bm25.StoredBM25) and view.n_docs == 2 and view.n_rows == len(token_lists)
        _same_scores(view, bm25.load_in_memory(con, only=only), queries)
        assert bm25.load(con, only=frozenset({"没有这个报告"})) is None


def test_postings_stay_right_through_many_small_ingests(
    kb_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every ingest appends a block per term; crowded terms are merged into blocks of BLOCK
    entries; a removed report's rows leave every block."""
    monkeypatch.setattr(bm25_postings, "BLOCK", 4)
    monkeypatch.setattr(bm25_postings, "_MERGE_AT", 2)
    embedder = HashEmbedder()
    ingest(kb_settings, embedder=embedder, progress=False)
    for n in range(5):
        (kb_settings.kb_dir / f"{2022 + n}年总结.md").write_text(
            f"# {2022 + n}年总结\n\n## 人才工作\n\n新建人才驿站{n + 1}个，引进人才{n}名。\n", encoding="utf-8"
        )
        ingest(kb_settings, embedder=embedder, progress=False)
    (kb_settings.kb_dir / "2023年总结.md").unlink()
    ingest(kb_settings, embedder=embedder, progress=False)
    snapshot = Snapshot.load(kb_settings.index_dir)
    assert isinstance(snapshot.bm25, bm25.StoredBM25) and snapshot.bm25.doc_freq("驿站") == 4
    _assert_same_as_bm25s(snapshot.bm25, _all_token_lists(snapshot))
    with store.catalog(store.require_current(kb_settings.index_dir)) as con:
        term = con.execute("SELECT term_id FROM bm25_terms WHERE term = '驿站'").fetchone()[0]
        blocks = con.execute(
            "SELECT entries, rows FROM bm25_postings WHERE term_id = ? ORDER BY first_row", (term,)
        ).fetchall()
        assert sum(e for e, _r in blocks) == 4 and all(e <= 4 for e, _r in blocks)
        held = {r for _e, rows in blocks for r in np.frombuffer(rows, dtype="<i4").tolist()}
        live = {r for (r,) in con.execute("SELECT rowid FROM chunks WHERE text LIKE '%驿站%'")}
        assert held == live


def test_a_catalog_without_postings_loads_in_memory_and_the_next_ingest_writes_them(
    kb_settings: Settings,
) -> None:
    embedder = HashEmbedder()
    ingest(kb_settings, embedder=embedder, progress=False)
    question = "整顿软弱涣散村党组织"
    expected = HybridRetriever(Snapshot.load(kb_settings.index_dir), embedder).bm25_ranking(question, 10)
    old = store.require_current(kb_settings.index_dir)
    with store.catalog(old) as con:  # as an ingest before postings were kept left it
        con.execute("DROP TABLE bm25_postings")
        con.execute("DROP TABLE bm25_indexed")
    snapshot = Snapshot.load(kb_settings.index_dir)
    assert isinstance(snapshot.bm25, bm25.BM25Index)
    assert HybridRetriever(snapshot, embedder).bm25_ranking(question, 10) == expected
    calls = embedder.calls
    report = ingest(kb_settings, embedder=embedder, progress=False)
    assert embedder.calls == calls and report.embedded == 0 and not report.rebuilt
    assert report.version != old.name  # a new version, with the postings
    upgraded = Snapshot.load(kb_settings.index_dir)
    assert isinstance(upgraded.bm25, bm25.StoredBM25)
    assert HybridRetriever(upgraded, embedder).bm25_ranking(question, 10) == expected
    assert ingest(kb_settings, embedder=embedder, progress=False).version == report.version
