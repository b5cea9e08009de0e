"""Phases 1 and 2: cold-ingest throughput of our pipeline (and an unchanged re-ingest), and of
llama-index's default pipeline on the same paragraphs."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from benchmarks.corpus import read_paragraphs
from benchmarks.measure import disk_mb
from ingest import store
from ingest.config import Settings
from ingest.embed import Embedder
from ingest.terms import terms
from ingest.vectors import new_index


def warm_up(embedder: Embedder) -> None:
    """Load the model, jieba's dictionary and the vector store's module before any clock starts:
    throughput is about indexing, not loading (llama-index's phase imports its modules before
    its clock too)."""
    embedder.embed_passages(["预热"])
    embedder.embed_query("预热")
    terms("预热")
    new_index(embedder.dim)


# --- phase 1: our ingest -----------------------------------------------------------------


def phase_ingest(embedder: Embedder, kb_dir: Path, index_dir: Path) -> dict[str, Any]:
    """Cold ingest into an empty index, then the unchanged corpus again."""
    from ingest.build import ingest

    settings = Settings.from_env(kb_dir=kb_dir, index_dir=index_dir, embedder=embedder.name)
    warm_up(embedder)
    cpu = time.process_time()  # all threads of this process: what the ingest cost the machine
    cold = ingest(settings, embedder=embedder, progress=False)
    cpu = time.process_time() - cpu
    if cold.failed:
        raise RuntimeError(f"ingest failed: {cold.failed}")
    again = ingest(settings, embedder=embedder, progress=False)
    return {
        "embedder": embedder.name,
        "paragraphs": cold.paragraphs,
        "chunks": cold.chunks,
        "embedded": cold.embedded,
        "cold_seconds": cold.seconds,
        "cold_paragraphs_per_s": cold.paragraphs / cold.seconds,
        "cold_cpu_seconds": cpu,
        "cpu_seconds_per_paragraph": cpu / cold.paragraphs,
        "reingest_seconds": again.seconds,
        "reingest_paragraphs_per_s": again.paragraphs / again.seconds,
        "reingest_embedded": again.embedded,
        "index_mb": disk_mb(store.require_current(index_dir)),
    }


# --- phase 2: llama-index's default pipeline ---------------------------------------------


def llamaindex_embedding(embedder: Embedder) -> Any:
    """Our embedder as a llama-index BaseEmbedding, the same adapter the eval's baseline uses
    (imported here: llama-index is slow to load); llama-index's default batch size (10)."""
    from eval.baseline import EmbedderAdapter

    return EmbedderAdapter(embedder)


def phase_llamaindex(embedder: Embedder, source_index: Path, persist_dir: Path) -> dict[str, Any]:
    """The paragraphs our ingest produced, one Document each, through llama-index's defaults,
    persisted to disk (our ingest persists too, so both clocks include writing the index)."""
    import faiss
    from llama_index.core import Document, StorageContext, VectorStoreIndex
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.vector_stores.faiss import FaissVectorStore

    paragraphs = read_paragraphs(source_index)
    embed_model = llamaindex_embedding(embedder)
    warm_up(embedder)
    started = time.perf_counter()
    cpu = time.process_time()
    # The title rides along as metadata, which llama-index embeds with the text, as our ingest
    # embeds the heading path with each chunk.
    documents = [
        Document(text=p.text, metadata={"title": p.heading or p.doc_title}, id_=p.paragraph_id)
        for p in paragraphs
    ]
    vector_store = FaissVectorStore(faiss_index=faiss.IndexFlatIP(embedder.dim))
    storage = StorageContext.from_defaults(vector_store=vector_store)
    VectorStoreIndex.from_documents(
        documents, storage_context=storage, embed_model=embed_model, transformations=[SentenceSplitter()]
    )
    storage.persist(persist_dir=str(persist_dir))
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    return {
        "embedder": embedder.name,
        "cpu_seconds_per_paragraph": cpu / len(paragraphs),
        "paragraphs": len(paragraphs),
        "nodes": int(vector_store.client.ntotal),
        "seconds": seconds,
        "paragraphs_per_s": len(paragraphs) / seconds,
        "index_mb": disk_mb(persist_dir),
    }
