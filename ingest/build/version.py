"""The next index version: built in a work folder from the live one (or from nothing, when the
index settings changed), stamped with what it was built with, and published atomically; no new
version when nothing changed."""

from __future__ import annotations

import shutil
import time
from collections.abc import Sequence
from pathlib import Path

# The module, not the package: `from ingest.build import …` here would make the package import itself.
import ingest.build.publication as publication
from ingest import index_backend, store
from ingest.build.apply import apply_changes
from ingest.build.discover import discover
from ingest.build.pace import Pace
from ingest.build.refresh_meta import SCOPE_VERSION, refresh_metadata
from ingest.build.report import IngestReport
from ingest.config import Settings
from ingest.embed import Embedder
from ingest.progress import PUBLISHING
from ingest.segment import SEGMENTER_VERSION
from ingest.vector_cache import VectorCache


def build_next_version(
    settings: Settings,
    roots: Sequence[Path],
    files: list[Path],
    live: Path | None,
    embedder: Embedder,
    pace: Pace,
    cache: VectorCache,
    report: IngestReport,
) -> IngestReport:
    """Bring `live` up to date with `files` under `roots` as a new published version; everything
    is re-indexed (into a fresh version) when the embedder, chunk size, schema or index backend
    changed, and every file is read again when the segmenter did."""
    wanted_meta = {
        "embedder": embedder.name,
        "chunk_chars": str(settings.chunk_chars),
        "schema": store.SCHEMA_VERSION,
    }
    reread = False
    old_meta: dict[str, str] = {}
    previous = live  # stays on disk until the next ingest, for apps still loading it
    if live is not None:
        with store.catalog(live) as con:
            old_meta = store.get_meta(con)
        # Segmentation changed: every file is read again; unchanged text is found in the cache.
        reread = old_meta.get("segmenter", "1") != SEGMENTER_VERSION
        changes = [f"{k}: {old_meta.get(k)} → {v}" for k, v in wanted_meta.items() if old_meta.get(k) != v]
        moved = index_backend.rebuild_reason(old_meta, settings)
        if changes or moved:
            report.rebuilt = "索引设置已改变（" + "，".join([*changes, *([moved] if moved else [])]) + "）"
            live = None  # a fresh version; the cache still knows every text this embedder embedded
            roots = sorted({*roots, *_all_indexed_roots(settings)})
            files, _skipped = discover(roots, settings.kb_dir)

    work = store.new_version_dir(settings.index_dir)
    try:
        store.copy_version(live, work)
        writer = index_backend.open_writer(settings, work, lambda: embedder.dim, old_meta, live is None)
        dirty, index_meta = apply_changes(
            settings, roots, files, work, embedder, report, pace, cache, writer, reread
        )
        dirty |= refresh_metadata(work, report, touched=set(report.added + report.changed))
        if not dirty and live is not None:
            shutil.rmtree(work)  # nothing changed: no new version, nothing rebuilt
            report.version = live.name
            _count(live, report)
            return report
        _stamp(work, settings, embedder, wanted_meta, index_meta)
        # A version from before term counts were kept carried a bm25s index; it is stale now.
        shutil.rmtree(work / store.LEGACY_BM25_DIR, ignore_errors=True)
        pace(PUBLISHING)
        publication.of(settings).publish(work)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    # Published: from here on nothing may remove `work`. Older versions go, but the one just
    # replaced stays until the next ingest, for apps still loading it.
    store.remove_stale_versions(settings.index_dir, keep=[work.name, previous.name if previous else ""])
    report.warnings.extend(writer.published(previous))
    report.version = work.name
    _count(work, report)
    cache.prune(work)
    return report


def _stamp(
    work: Path,
    settings: Settings,
    embedder: Embedder,
    wanted_meta: dict[str, str],
    index_meta: dict[str, str],
) -> None:
    """Record in the version's catalog what it was built with; the next ingest compares it."""
    with store.catalog(work) as con:
        extra = {
            "segmenter": SEGMENTER_VERSION,
            "scope": SCOPE_VERSION,
            **index_backend.identity(settings),
        }
        store.set_meta(
            con,
            {
                **wanted_meta,
                **extra,
                **index_meta,
                "dim": str(embedder.dim),
                "built_at": str(time.time()),
            },
        )


def _all_indexed_roots(settings: Settings) -> list[Path]:
    live = publication.of(settings).current()
    if live is None:
        return []
    with store.catalog(live) as con:
        return [Path(d.path) for d in store.documents(con)]


def _count(version: Path, report: IngestReport) -> None:
    with store.catalog(version) as con:
        report.documents = con.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        report.paragraphs = con.execute("SELECT COUNT(*) FROM paragraphs").fetchone()[0]
        report.chunks = con.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
