"""Index start-up for the commands and the web app: build the index on first use, bring it up
to date when the app starts, and live beside another process that is indexing."""

from __future__ import annotations

import sys
import time

from ingest.build import IngestLocked, ingest, publication
from ingest.config import Settings
from ingest.store import IndexMissing


def ensure_index(settings: Settings, refresh: bool = False) -> None:
    """Build the index on first use, so `kb ask`/`kb serve` work on a fresh checkout.

    With `refresh` (the web app's start), bring it up to date with the knowledge-base folder:
    reports added or changed since the last start are indexed; unchanged ones cost nothing."""
    missing = publication.of(settings).name() is None
    if publication.shared(settings):
        # Versions come from the ingest machine through PostgreSQL; this one only reads them.
        if missing:
            _wait_for_index(settings)
        return
    if not (missing or refresh):
        return
    if missing:
        print(f"首次使用：正在为 {settings.kb_dir} 建立索引……", file=sys.stderr)
    try:
        report = ingest(settings)
    except IngestLocked:
        # Another process (a second `kb serve` on the same index, or `kb ingest`) is indexing:
        # serve what is published; a running app loads the new version when it is published.
        if not missing:
            print("另一个进程正在导入报告，先使用现有索引，导入完成后自动更新。", file=sys.stderr)
            return
        _wait_for_index(settings)
        return
    if missing or report.added or report.changed or report.removed or report.failed or report.duplicates:
        print(report.summary(), file=sys.stderr)


INDEX_WAIT_SECONDS = 3600  # a first index of years of reports takes a while on 2 cores


def _wait_for_index(settings: Settings, timeout: float = INDEX_WAIT_SECONDS, poll: float = 1.0) -> None:
    """Until the process holding the ingest lock publishes the first version of the index."""
    print("另一个进程正在建立索引，等待其完成……", file=sys.stderr)
    deadline = time.monotonic() + timeout
    while publication.of(settings).name() is None:
        if time.monotonic() > deadline:
            raise IndexMissing(f"等待索引 {settings.index_dir} 建立超时（{timeout:.0f} 秒），请检查导入进程")
        time.sleep(poll)
