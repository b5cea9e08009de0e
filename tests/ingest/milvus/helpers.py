"""What the Milvus tests share: the extra report's name, paragraph ids, the live snapshot and its
Milvus index, the rows stored in the collection, the paragraphs of a ranking."""

from __future__ import annotations

from typing import Any

from ingest.config import Settings
from ingest.milvus.search import MilvusChunkIndex
from rag.evidence.retrieve import HybridRetriever, Snapshot
from tests.conftest import SAMPLE_DOC_ID

EXTRA = "2022年总结.md"


def pid(n: int) -> str:
    return f"{SAMPLE_DOC_ID}#{n}"


def snapshot_of(settings: Settings) -> Snapshot:
    return Snapshot.load(settings.index_dir, settings)


def milvus_index_of(snapshot: Snapshot) -> MilvusChunkIndex:
    assert isinstance(snapshot.index, MilvusChunkIndex)
    return snapshot.index


def stored_rows(settings: Settings, expression: str = 'row_id != ""') -> list[dict[str, Any]]:
    """Every row of the live collection matching `expression`, visible to a version or not."""
    index = milvus_index_of(snapshot_of(settings))
    return list(
        index.milvus.call(
            "query",
            index.rows.collection,
            filter=expression,
            output_fields=["chunk_id", "doc_tag"],
            limit=16384,
        )
    )


def paragraph_ids(retriever: HybridRetriever, ranking: list[tuple[int, float]]) -> list[str]:
    return [retriever.snapshot.chunks[row].paragraph_id for row, _score in ranking]


def keyword_and_dense(retriever: HybridRetriever, question: str, k: int = 5) -> tuple[list[str], list[str]]:
    """The paragraphs of the keyword and of the dense top-k."""
    vector = retriever.embedder.embed_query(question)
    return (
        paragraph_ids(retriever, retriever.bm25_ranking(question, k)),
        paragraph_ids(retriever, retriever.dense_ranking(vector, k)),
    )
