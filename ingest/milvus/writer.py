"""An ingest's changes to the Milvus collection (`ingest.index_backend.IndexWriter`): rows
inserted under a new generation before the version is published, the rows no kept version sees
any more deleted after, and the collections of older builds dropped.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from ingest import store
from ingest.config import Settings
from ingest.milvus.collection import INSERT_BATCH, create_collection, keyword_text
from ingest.milvus.connection import Address, Milvus
from ingest.milvus.rows import SCHEMA, VersionRows, doc_tag, list_literal, row_id
from ingest.records import Chunk

PREFIX = "kb_"
ID_FILE = "milvus-index-id"  # in the index folder: the prefix of this index's collections


class MilvusWriter:
    """An ingest's rows: inserted under a new generation before the version is published."""

    def __init__(
        self,
        milvus: Milvus,
        work: Path,
        collection: str,
        index_id: str,
        live: VersionRows | None = None,
        hidden_before: frozenset[str] = frozenset(),
    ) -> None:
        self.milvus = milvus
        self.work = work
        self.collection = collection
        self.index_id = index_id
        self.live = live  # the live version's rows in this collection (None: a new collection)
        self.hidden_before = hidden_before  # rows the live version hides that a kept version lists
        self.hidden: frozenset[str] = frozenset()  # what the new version hides (after `finish`)
        self.generation = max(time.time_ns(), (live.generation if live else 0) + 1)
        self._removed: list[str] = []
        self._added: list[str] = []

    @classmethod
    def open(
        cls, settings: Settings, work: Path, dim: Callable[[], int], old_meta: dict[str, str], fresh: bool
    ) -> MilvusWriter:
        milvus = Milvus(Address.of(settings))
        index_id = old_meta.get("milvus_index") or _index_id(work.parent)
        if fresh or old_meta.get("store") != "milvus":
            name = f"{PREFIX}{index_id}_{time.time_ns()}"
            create_collection(milvus, name, dim())
            return cls(milvus, work, name, index_id)
        with store.catalog(work) as con:  # the copy of the live version
            live = VersionRows.read(con, old_meta)
        milvus.call("load_collection", live.collection)  # released when Milvus Lite reopens a file
        kept = _tags_of_other_versions(work.parent, work.name, live.collection)
        # Rows of an ingest that died before publishing: no published version reaches them.
        milvus.call("delete", live.collection, filter=f"generation > {live.generation}")
        # Rows a failed clean-up left behind, that no kept version lists any more.
        gone = live.hidden - kept
        if gone:
            milvus.call("delete", live.collection, filter=f"doc_tag in {list_literal(gone)}")
        return cls(milvus, work, live.collection, index_id, live, live.hidden & kept)

    def remove(self, doc_id: str, chunk_ids: Sequence[str]) -> None:
        self._removed.append(doc_id)

    def add(self, doc_id: str, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        paragraph_of = {c.chunk_id: c.paragraph_id for c in chunks}
        tag = doc_tag(self.generation, doc_id)
        rows = [
            {
                "row_id": row_id(self.generation, c.chunk_id),
                "chunk_id": c.chunk_id,
                "paragraph_id": paragraph_of[c.chunk_id],
                "doc_id": doc_id,
                "doc_tag": tag,
                "generation": self.generation,
                "text": keyword_text(c.embed_text),
                "dense": np.asarray(v, dtype=np.float32).tolist(),
            }
            for c, v in zip(chunks, vectors, strict=True)
        ]
        for start in range(0, len(rows), INSERT_BATCH):
            self.milvus.call("insert", self.collection, rows[start : start + INSERT_BATCH])
        self._added.append(doc_id)

    def finish(self) -> dict[str, str]:
        self.milvus.call("flush", self.collection)
        with store.catalog(self.work) as con:
            con.executescript(SCHEMA)
            con.executemany("DELETE FROM milvus_rows WHERE doc_id = ?", [(d,) for d in self._removed])
            con.executemany(
                "INSERT OR REPLACE INTO milvus_rows VALUES (?, ?)",
                [(d, self.generation) for d in self._added],
            )
            mine = {doc_tag(g, d) for d, g in con.execute("SELECT doc_id, generation FROM milvus_rows")}
            before = self.live.tags if self.live is not None else frozenset()
            hidden = (before | self.hidden_before) - mine
            con.execute("DELETE FROM milvus_hidden")
            con.executemany("INSERT INTO milvus_hidden VALUES (?)", [(t,) for t in sorted(hidden)])
        self.hidden = frozenset(hidden)
        return {
            "milvus_index": self.index_id,
            "milvus_collection": self.collection,
            "milvus_generation": str(self.generation),
        }

    def published(self, replaced: Path | None) -> list[str]:
        warnings: list[str] = []
        still_seen = self.live.tags if self.live is not None else frozenset()
        gone = self.hidden - still_seen
        steps: list[tuple[str, Callable[[], object]]] = []
        if gone:
            rows = f"doc_tag in {list_literal(gone)}"
            steps.append(("删除旧数据", lambda: self.milvus.call("delete", self.collection, filter=rows)))
        keep = {self.collection, _collection_of(replaced)}
        steps.append(("删除旧集合", lambda: self._drop_other_collections(keep)))
        for what, step in steps:
            try:
                step()
            except Exception as exc:  # published: a failed clean-up is retried by the next ingest
                warnings.append(f"Milvus {what}未完成（{exc}），下次导入时会再清理。")
        return warnings

    def _drop_other_collections(self, keep: set[str]) -> None:
        mine = f"{PREFIX}{self.index_id}_"
        for name in self.milvus.call("list_collections"):
            if name.startswith(mine) and name not in keep:
                self.milvus.call("drop_collection", name)


def _index_id(index_dir: Path) -> str:
    """This index folder's name for its collections, kept beside the versions: collections a
    failed first ingest created carry it too, so the first published ingest drops them."""
    path = index_dir / ID_FILE
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    value = uuid.uuid4().hex[:12]
    tmp = index_dir / f"{ID_FILE}.tmp"
    tmp.write_text(value, encoding="utf-8")
    os.replace(tmp, path)
    return value


def _collection_of(version: Path | None) -> str:
    if version is None or not (version / store.CATALOG).exists():
        return ""
    with store.catalog(version) as con:
        return store.get_meta(con).get("milvus_collection", "")


def _tags_of_other_versions(index_dir: Path, work: str, collection: str) -> frozenset[str]:
    """The row tags every other version folder on disk lists in `collection` (the live one, the
    one it replaced, and any left by a crash): what an app may still be searching."""
    tags: set[str] = set()
    for folder in sorted(index_dir.glob("v-*")):
        if folder.name == work or not (folder / store.CATALOG).exists():
            continue
        with contextlib.suppress(sqlite3.Error), store.catalog(folder) as con:
            meta = store.get_meta(con)
            if meta.get("milvus_collection") == collection:
                tags |= VersionRows.read(con, meta).tags
    return frozenset(tags)
