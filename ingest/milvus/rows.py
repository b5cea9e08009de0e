"""Which rows of the collection a version sees: the generation and document tags its rows carry,
the catalog tables recording them (`milvus_rows`, `milvus_hidden`), and the filter expression that
limits a search to them.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

SCHEMA = """
CREATE TABLE IF NOT EXISTS milvus_rows (doc_id TEXT PRIMARY KEY, generation INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS milvus_hidden (doc_tag TEXT PRIMARY KEY);
"""


def doc_tag(generation: int, doc_id: str) -> str:
    return f"{generation}:{doc_id}"


def row_id(generation: int, chunk_id: str) -> str:
    return f"{generation}:{chunk_id}"


def list_literal(values: Iterable[str]) -> str:
    """A Milvus list literal of strings (JSON's escaping is the expression language's)."""
    return json.dumps(sorted(values), ensure_ascii=False)


@dataclass(frozen=True)
class VersionRows:
    """Which rows of the collection one version sees."""

    collection: str
    generation: int
    generations: dict[str, int]  # doc id -> the generation of its rows in this version
    hidden: frozenset[str]  # stored, older than the version, and not its own

    @classmethod
    def read(cls, con: sqlite3.Connection, meta: dict[str, str]) -> VersionRows:
        con.executescript(SCHEMA)
        return cls(
            meta.get("milvus_collection", ""),
            int(meta.get("milvus_generation", "0")),
            dict(con.execute("SELECT doc_id, generation FROM milvus_rows")),
            frozenset(t for (t,) in con.execute("SELECT doc_tag FROM milvus_hidden")),
        )

    @property
    def tags(self) -> frozenset[str]:
        """Each document's rows: "<generation>:<doc id>"."""
        return frozenset(doc_tag(g, d) for d, g in self.generations.items())

    @property
    def expression(self) -> str:
        visible = f"generation <= {self.generation}"
        return f"{visible} and doc_tag not in {list_literal(self.hidden)}" if self.hidden else visible
