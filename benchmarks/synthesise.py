"""For phase 4: large indexes synthesised from the real one (perturbed copies of its paragraphs, their
vectors plus small Gaussian noise), written with `ingest.store` like a real ingest, nothing
embedded."""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.measure import disk_mb
from ingest import bm25_postings, mentions, store
from ingest.bm25_counts import count_terms
from ingest.chunk import chunk_paragraph
from ingest.embed import Embedder
from ingest.index_backend import FaissWriter
from ingest.records import Chunk, DocumentRecord, Paragraph
from rag.evidence.retrieve import Snapshot

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
    dim = int(source.meta["dim"])
    writer = FaissWriter(work, lambda: dim)
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
        writer.add(copied.record.doc_id, copied.chunks, copied.vectors)
        copies = number + 1
    bm25_postings.sync(con)  # as an ingest does at its end
    mentions.sync(con)
    # Same embedder and chunk size as the source, so the real embedder embeds the questions.
    store.set_meta(con, {**source.meta, "built_at": str(time.time()), "synthetic": f"{copies} copies"})
    con.commit()
    con.close()
    writer.finish()  # the vectors under the chunks' rowids, as an ingest writes them
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
