"""The refusal variant of a set: the same index with every question's gold paragraphs removed.

Built from the set's own index without embedding anything again: the live version is copied,
the gold paragraphs' rows and vectors are deleted, BM25 is rebuilt, and the copy is published
as a separate index. Asked there, every question should be refused.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from ingest import store
from ingest.build import rebuild_bm25


def _fingerprint(source_version: str, removed: Iterable[str]) -> str:
    digest = hashlib.sha256(source_version.encode())
    for pid in sorted(removed):
        digest.update(pid.encode() + b"\0")
    return digest.hexdigest()[:16]


def build_without(source_index: Path, target_index: Path, removed: set[str]) -> Path:
    """Publish `source_index` minus `removed` paragraphs at `target_index` (reused when it is
    already that); returns the target."""
    live = store.require_current(source_index)
    stamp = _fingerprint(live.name, removed)
    existing = store.current_version(target_index)
    if existing is not None:
        with store.catalog(existing) as con:
            if store.get_meta(con).get("derived") == stamp:
                return target_index
    work = store.new_version_dir(target_index)
    store.copy_version(live, work)
    con = store.connect(work)
    ids = sorted(removed)
    chunk_ids = [
        row[0]
        for pid in ids
        for row in con.execute("SELECT chunk_id FROM chunks WHERE paragraph_id = ?", (pid,))
    ]
    con.executemany("DELETE FROM chunks WHERE paragraph_id = ?", [(pid,) for pid in ids])
    con.executemany("DELETE FROM paragraphs WHERE paragraph_id = ?", [(pid,) for pid in ids])
    store.set_meta(con, {"derived": stamp, "removed_paragraphs": str(len(ids))})
    con.commit()
    con.close()
    vectors = store.load_vector_store(work)
    vectors.delete_nodes(chunk_ids)
    store.save_vector_store(vectors, work)
    rebuild_bm25(work)
    store.publish(target_index, work)
    store.remove_stale_versions(target_index, keep=[work.name])
    return target_index
