"""llama-index's documented default pipeline, as a baseline on the same data and embedder.

`Document`s -> `SentenceSplitter()` (1024 tokens, 200 overlap) -> `VectorStoreIndex` over a
`FaissVectorStore` -> `index.as_retriever(similarity_top_k=k)`; the top chunk is the answer.
Only the embedder is ours (the same one the product uses), wrapped as a llama-index
`BaseEmbedding`, since no hub model can be downloaded here.

Chunks are mapped back to paragraphs so the same retrieval metrics apply: a passage file's
chunk belongs to its passage; a report's chunk covers the paragraphs whose spans it overlaps,
in text order. The ranked paragraph list is the paragraphs of chunk 1, then chunk 2, and so on.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.bridge.pydantic import PrivateAttr

from ingest.embed import Embedder
from ingest.records import Paragraph


class EmbedderAdapter(BaseEmbedding):  # type: ignore[misc]
    """Our Embedder behind llama-index's embedding interface."""

    _embedder: Any = PrivateAttr()

    def __init__(self, embedder: Embedder, **kwargs: Any) -> None:
        super().__init__(model_name=embedder.name, **kwargs)
        self._embedder = embedder

    def _get_query_embedding(self, query: str) -> list[float]:
        return [float(x) for x in self._embedder.embed_query(query)]

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._get_text_embeddings([text])[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return [[float(x) for x in row] for row in self._embedder.embed_passages(texts)]


@dataclass(frozen=True)
class SourceDoc:
    """One llama-index Document: a whole report, or one passage of a passage file."""

    doc_id: str
    text: str
    paragraphs: tuple[Paragraph, ...]  # with spans into `text`


class LlamaIndexBaseline:
    name = "llama-index defaults"

    def __init__(self, docs: Sequence[SourceDoc], embedder: Embedder, persist_dir: Path) -> None:
        self._docs = {d.doc_id: d for d in docs}
        self._index = self._load_or_build(docs, embedder, persist_dir)

    @staticmethod
    def _load_or_build(docs: Sequence[SourceDoc], embedder: Embedder, persist_dir: Path) -> Any:
        import faiss
        from llama_index.core import Document, StorageContext, VectorStoreIndex, load_index_from_storage
        from llama_index.vector_stores.faiss import FaissVectorStore

        model = EmbedderAdapter(embedder)
        if (persist_dir / "docstore.json").exists():
            store = FaissVectorStore.from_persist_dir(str(persist_dir))
            context = StorageContext.from_defaults(vector_store=store, persist_dir=str(persist_dir))
            return load_index_from_storage(context, embed_model=model)
        store = FaissVectorStore(faiss_index=faiss.IndexFlatIP(embedder.dim))
        context = StorageContext.from_defaults(vector_store=store)
        documents = [Document(text=d.text, id_=d.doc_id) for d in docs]
        index = VectorStoreIndex.from_documents(
            documents, storage_context=context, embed_model=model, show_progress=True
        )
        persist_dir.mkdir(parents=True, exist_ok=True)
        index.storage_context.persist(persist_dir=str(persist_dir))
        return index

    def _paragraphs_of(self, node: Any) -> list[Paragraph]:
        doc = self._docs.get(node.ref_doc_id or "")
        if doc is None:
            return []
        start, end = node.start_char_idx, node.end_char_idx
        if start is None or end is None or len(doc.paragraphs) == 1:
            return list(doc.paragraphs[:1])
        return [p for p in doc.paragraphs if p.span[0] < end and p.span[1] > start]

    def ask(self, question: str, top_k: int = 10, exclude: frozenset[str] = frozenset()) -> dict[str, Any]:
        """The `kb ask --json` shape: the top chunk is the answer, citing its paragraphs.
        Chunks made only of `exclude`d paragraphs are skipped (the refusal variant)."""
        started = time.perf_counter()
        retriever = self._index.as_retriever(similarity_top_k=top_k + len(exclude))
        nodes = [
            n
            for n in retriever.retrieve(question)
            if not exclude or any(p.paragraph_id not in exclude for p in self._paragraphs_of(n.node))
        ][:top_k]
        ranked: dict[str, float] = {}
        for hit in nodes:
            for p in self._paragraphs_of(hit.node):
                ranked.setdefault(p.paragraph_id, float(hit.score or 0.0))
        top = self._paragraphs_of(nodes[0].node) if nodes else []
        return {
            "question": question,
            "answer": nodes[0].node.get_content() if nodes else "",
            "refused": not nodes,
            "citations": [
                {
                    "n": i,
                    "paragraph_id": p.paragraph_id,
                    "doc": p.doc_title,
                    "heading": p.heading,
                    "text": p.text,
                    "sentence": "",
                }
                for i, p in enumerate(top, start=1)
            ],
            "retrieved": [{"paragraph_id": pid, "score": s} for pid, s in list(ranked.items())[:top_k]],
            "latency_ms": (time.perf_counter() - started) * 1000,
        }
