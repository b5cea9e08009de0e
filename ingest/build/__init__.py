"""Incremental ingest: files -> paragraphs -> chunks -> vectors + BM25 term counts, published
atomically.

An unchanged file (same content hash) costs nothing; a changed file is re-indexed; a file that
disappeared from a scanned folder is removed; a file whose content equals another indexed
file is reported as a duplicate and indexed once. A file that cannot be read is reported and,
if an earlier version of it was indexed, that version stays. Text this embedder has embedded
before, in any version, is not embedded again (`ingest.vector_cache`). Progress goes to an
`on_progress(phase, done, total)` callback (`ingest.progress`).

One step per module, in the order an ingest runs them: `run` (entry points: lock, progress,
vector cache), `discover` (which files), `version` (the next version: built, stamped,
published), `plan` (what changed), `read` (load, segment, chunk), `apply` (write the changes,
embedding with `embedding`), `refresh_meta` (metadata and time scopes); `lock`, `report` and
`pace` are what they share; `publication` is where the published version is kept (a folder, or
PostgreSQL), read by the app too. This package re-exports what callers use.
"""

from __future__ import annotations

from ingest.build.discover import IGNORED_NAMES, discover, source_root
from ingest.build.lock import IngestLocked, ingest_lock
from ingest.build.report import IngestReport
from ingest.build.run import ingest, ingest_holding_lock

__all__ = [
    "IGNORED_NAMES",
    "IngestLocked",
    "IngestReport",
    "discover",
    "ingest",
    "ingest_holding_lock",
    "ingest_lock",
    "source_root",
]
