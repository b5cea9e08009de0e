"""Writing the changes into the version being built: removed and replaced documents taken out,
new ones embedded (or their vectors taken from the cache) and added to the catalog, the chunk
index and the keyword counts."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ingest import bm25_postings, index_backend, mentions, store
from ingest.bm25_counts import count_missing, count_terms
from ingest.build.discover import in_scope
from ingest.build.embedding import embed_in_batches
from ingest.build.pace import Pace
from ingest.build.plan import plan_reads
from ingest.build.read import NewDocument, read_changed
from ingest.build.report import IngestReport
from ingest.config import Settings
from ingest.embed import Embedder
from ingest.progress import KEYWORDS
from ingest.vector_cache import VectorCache


def apply_changes(
    settings: Settings,
    roots: Sequence[Path],
    files: list[Path],
    work: Path,
    embedder: Embedder,
    report: IngestReport,
    pace: Pace,
    cache: VectorCache,
    writer: index_backend.IndexWriter,
    reread: bool = False,
) -> tuple[bool, dict[str, str]]:
    """Update the catalog and the chunk index in `work`; True when anything changed, and what the
    index records in the catalog's meta. With `reread`, unchanged files are read and segmented
    again too (the segmenter changed)."""
    con = store.connect(work)
    indexed = {d.doc_id: d for d in store.documents(con)}
    to_read, seen_ids = plan_reads(files, indexed, settings.kb_dir, report, reread)
    new_docs = read_changed(to_read, settings, report, seen_ids, pace)

    removed = [d for d in indexed.values() if d.doc_id not in seen_ids and in_scope(d.path, roots)]
    replaced = {d.doc_id for d in removed} | {r.doc_id for r, _c, existed in new_docs if existed}
    new_docs = _drop_id_conflicts(con, new_docs, replaced, report)
    for doc in removed:
        report.removed.append(doc.path)
        writer.remove(doc.doc_id, store.delete_document(con, doc.doc_id))
    for record, _chunks, existed in new_docs:
        if existed:
            writer.remove(record.doc_id, store.delete_document(con, record.doc_id))
            report.changed.append(record.path)
        else:
            report.added.append(record.path)

    _add_vectors(new_docs, embedder, cache, writer, report, pace)
    pace(KEYWORDS)
    for record, chunks, _existed in new_docs:
        store.insert_document(con, record, chunks, count_terms([c.embed_text for c in chunks]))
    # Documents of an index written before term counts were kept are counted once, here.
    report.recounted = len(count_missing(con))
    # Every counted document's postings by term; a catalog written before they were kept gets
    # all of them here, once (nothing is embedded or counted again).
    upgraded = bm25_postings.sync(con) > len(new_docs)
    upgraded |= mentions.sync(con) > len(new_docs)  # the same for chunk seams
    con.commit()
    con.close()
    index_meta = writer.finish()
    return bool(new_docs or removed or report.recounted or upgraded), index_meta


def _add_vectors(
    new_docs: list[NewDocument],
    embedder: Embedder,
    cache: VectorCache,
    writer: index_backend.IndexWriter,
    report: IngestReport,
    pace: Pace,
) -> None:
    """Give the chunk index every new chunk's vector, embedding only texts never embedded."""
    fresh = [c for _record, chunks, _existed in new_docs for c in chunks]
    if fresh:
        # Text already embedded by this model, in any version, keeps its vector: re-reading or
        # editing a report, or a new chunk size, embeds only text never seen before.
        texts = list(dict.fromkeys(c.embed_text for c in fresh))
        known = cache.lookup(texts)
        report.reused = sum(c.embed_text in known for c in fresh)
        missing = [t for t in texts if t not in known]
        known.update(embed_in_batches(embedder, missing, cache, pace))
        report.embedded = len(missing)
        for record, chunks, _existed in new_docs:
            if chunks:
                writer.add(record.doc_id, chunks, np.vstack([known[c.embed_text] for c in chunks]))


def _drop_id_conflicts(
    con: sqlite3.Connection,
    new_docs: list[NewDocument],
    replaced: set[str],
    report: IngestReport,
) -> list[NewDocument]:
    """Passage files bring their own paragraph ids; one already used by another document is
    refused (checked before anything is deleted, so a refused update keeps the old version)."""
    taken = {
        pid
        for pid, doc_id in con.execute("SELECT paragraph_id, doc_id FROM paragraphs")
        if doc_id not in replaced
    }
    kept = []
    for record, chunks, existed in new_docs:
        ids = [p.paragraph_id for p in record.paragraphs]
        clash = next((i for i in ids if i in taken), None)
        if clash is not None:
            report.failed.append((record.path, f"段落编号 {clash} 已被其他文档使用"))
            replaced.discard(record.doc_id)
            continue
        taken.update(ids)
        kept.append((record, chunks, existed))
    return kept
