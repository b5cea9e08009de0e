"""The ingest's entry points: take the lock, show progress, open the vector cache, and bring the
index up to date (`ingest`, or `ingest_holding_lock` for a caller already holding the lock)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from contextlib import nullcontext
from pathlib import Path

# The module, not the package: `from ingest.build import …` here would make the package import itself.
import ingest.build.publication as publication
from ingest.build.discover import discover
from ingest.build.pace import Pace
from ingest.build.report import IngestReport
from ingest.build.version import build_next_version
from ingest.config import Settings
from ingest.embed import Embedder, make_embedder
from ingest.progress import ProgressFn, TerminalProgress
from ingest.vector_cache import VectorCache


def ingest(
    settings: Settings,
    paths: Sequence[Path] | None = None,
    embedder: Embedder | None = None,
    progress: bool = True,
    on_progress: ProgressFn | None = None,
) -> IngestReport:
    """Bring the index up to date with `paths` (default: the knowledge-base folder). Progress
    goes to `on_progress`, else (with `progress`) to the terminal."""
    embedder = embedder or make_embedder(settings.embedder)
    shown = TerminalProgress() if progress and on_progress is None else nullcontext(on_progress)
    with publication.of(settings).lock(), shown as report_progress:
        return ingest_holding_lock(settings, paths, embedder, on_progress=report_progress)


def ingest_holding_lock(
    settings: Settings,
    paths: Sequence[Path] | None,
    embedder: Embedder,
    on_progress: ProgressFn | None = None,
    batch_seconds: float | None = None,
) -> IngestReport:
    """`ingest` for a caller that already holds the ingest lock (`publication.of(settings).lock`:
    an upload places its file and indexes it under one lock, so no other ingest can see the file
    half-way)."""
    started = time.perf_counter()
    roots = [Path(p) for p in paths] if paths else [settings.kb_dir]
    report = _ingest_locked(settings, roots, embedder, Pace(on_progress, batch_seconds))
    report.seconds = time.perf_counter() - started
    return report


def _ingest_locked(settings: Settings, roots: Sequence[Path], embedder: Embedder, pace: Pace) -> IngestReport:
    report = IngestReport()
    files, skipped = discover(roots, settings.kb_dir)
    report.failed.extend(skipped)
    published = publication.of(settings)
    published.fetch_kept()  # what apps may still read, for the clean-up after publishing
    live = published.current()
    # Opened only if something is to be embedded; a new cache starts from the live vectors.
    cache = VectorCache(settings.index_dir, embedder, seed=live, settings=settings)
    try:
        return build_next_version(settings, roots, files, live, embedder, pace, cache, report)
    finally:
        cache.close()
        report.warnings.extend(cache.notes)
