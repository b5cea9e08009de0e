"""Runs an ingest that the crash test kills with SIGKILL (`python -m tests.ingest.crash_driver`).

    crash_driver KB_DIR INDEX_DIR [STAGE]

With STAGE, prints "STAGE <name>" and pauses when the ingest reaches that point, so the test
can kill it exactly there: embed (vectors being computed), save_vectors (FAISS files being
written), bm25 (keyword index being rebuilt), publish (before CURRENT is switched), published
(after the switch, before old versions are removed). Prints "DONE" when the ingest finished.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ingest import build, store
from ingest.config import Settings
from tests.fakes import HashEmbedder


def _pausing(name: str, stage: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if name == stage:
            print(f"STAGE {name}", flush=True)
            time.sleep(30)  # the test kills us here
        return fn(*args, **kwargs)

    return wrapper


def main(argv: list[str]) -> None:
    kb_dir, index_dir = Path(argv[0]), Path(argv[1])
    stage = argv[2] if len(argv) > 2 else ""
    build.embed_in_batches = _pausing("embed", stage, build.embed_in_batches)  # type: ignore[assignment]
    store.save_vector_store = _pausing("save_vectors", stage, store.save_vector_store)  # type: ignore[assignment]
    build.rebuild_bm25 = _pausing("bm25", stage, build.rebuild_bm25)  # type: ignore[assignment]
    store.publish = _pausing("publish", stage, store.publish)  # type: ignore[assignment]
    store.remove_stale_versions = _pausing("published", stage, store.remove_stale_versions)  # type: ignore[assignment]
    print("STARTED", flush=True)
    settings = Settings(kb_dir=kb_dir, index_dir=index_dir, data_dir=index_dir.parent / "data")
    build.ingest(settings, embedder=HashEmbedder(), progress=False)
    print("DONE", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
