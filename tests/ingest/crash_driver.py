"""Runs an ingest that the crash test kills with SIGKILL (`python -m tests.ingest.crash_driver`).

    crash_driver KB_DIR INDEX_DIR [STAGE] [STORE]

Prints "STAGE <name>" as the ingest reaches each point, and with STAGE pauses there, so the test
can kill it exactly at that point: copying (half of the live version copied into the new one),
embed (vectors about to be computed), bm25 (a new document's term counts about to be computed
and written to the catalog), save_vectors (FAISS files about to be written), publish (the new
version complete, CURRENT not switched), switching (CURRENT.tmp written, not yet renamed over
CURRENT), published (switched; old versions not yet removed). With STORE "milvus" (Milvus Lite
in the index folder) also: milvus_insert (one document's rows inserted, the next ones not), milvus_clean
(switched; Milvus's old rows not yet deleted). With KB_DATABASE_URL in the environment (and STORE
"milvus", KB_MILVUS_URI naming a server), the version is published in PostgreSQL: publish is then
the upload about to start and uploading its transaction open with the first blocks sent. Prints
"DONE" when the ingest finished.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ingest import build, store, vectors
from ingest.build import apply, blocks
from ingest.build.publication import PostgresPublication
from ingest.config import Settings
from tests.fakes import HashEmbedder

STAGE = ""


def reached(name: str) -> None:
    print(f"STAGE {name}", flush=True)
    if name == STAGE:
        time.sleep(60)  # the test kills us here


def _before(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        reached(name)
        return fn(*args, **kwargs)

    return wrapper


def _after_first(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    calls: list[int] = []

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if calls:
            reached(name)
        calls.append(1)
        return fn(*args, **kwargs)

    return wrapper


def _copy_version(source: Path | None, target: Path) -> None:
    """The real copy, pausing once half of the files are in."""
    if source is None:
        target.mkdir(parents=True)
        return
    files = [p for p in source.rglob("*") if p.is_file()]
    copied: list[str] = []

    def copy(src: str, dst: str) -> str:
        copied.append(src)
        if len(copied) == max(1, len(files) // 2):
            reached("copying")
        return str(shutil.copy2(src, dst))

    shutil.copytree(source, target, copy_function=copy)


def _then(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        result = fn(*args, **kwargs)
        reached(name)
        return result

    return wrapper


def main(argv: list[str]) -> None:
    global STAGE
    kb_dir, index_dir = Path(argv[0]), Path(argv[1])
    STAGE = argv[2] if len(argv) > 2 else ""
    backend = argv[3] if len(argv) > 3 else "faiss"
    real_replace = os.replace

    def replace(src: Any, dst: Any) -> None:
        if Path(dst).name == store.CURRENT:
            reached("switching")
        real_replace(src, dst)

    store.copy_version = _copy_version  # type: ignore[assignment]
    store.os.replace = replace  # type: ignore[assignment]
    apply.embed_in_batches = _before("embed", apply.embed_in_batches)  # type: ignore[assignment]
    vectors.save = _before("save_vectors", vectors.save)  # type: ignore[assignment]
    apply.count_terms = _before("bm25", apply.count_terms)  # type: ignore[assignment]
    store.publish = _before("publish", store.publish)  # type: ignore[assignment]
    PostgresPublication.publish = _before("publish", PostgresPublication.publish)  # type: ignore[method-assign]
    blocks._send = _then("uploading", blocks._send)  # type: ignore[assignment]
    store.remove_stale_versions = _before("published", store.remove_stale_versions)  # type: ignore[assignment]
    if backend == "milvus":
        from ingest.milvus.writer import MilvusWriter

        MilvusWriter.add = _after_first("milvus_insert", MilvusWriter.add)  # type: ignore[method-assign]
        MilvusWriter.published = _before("milvus_clean", MilvusWriter.published)  # type: ignore[method-assign]
    print("STARTED", flush=True)
    settings = Settings(
        kb_dir=kb_dir,
        index_dir=index_dir,
        data_dir=index_dir.parent / "data",
        store=backend,
        milvus_uri=os.environ.get("KB_MILVUS_URI", ""),
        database_url=os.environ.get("KB_DATABASE_URL", ""),
    )
    build.ingest(settings, embedder=HashEmbedder(), progress=False)
    print("DONE", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
