"""A version's dense vectors: a FAISS index whose ids are the catalog's chunk rowids (searched
through llama-index's FaissVectorStore), and every vector as stored, row by row, in a file.

Files in the version's `vectors/` folder:

    index.faiss   the index: exact inner product over float32 vectors (IndexIDMap over
                  IndexFlatIP) up to IVF_FROM vectors; beyond, an inverted file over 8-bit
                  scalar-quantised codes (IndexIVFScalarQuantizer), a quarter of the memory
                  and a search that visits a few lists, its candidates re-ranked exactly
    rows.f32      the float32 vectors, rowid r at byte r × dim × 4 (rows of removed chunks stay
                  as they were until the rowid is used again): read with pread for the exact
                  re-ranking and for chunks no search ranked; the app never maps or holds it

Ids are rowids rather than the chunk id strings llama-index's FaissMapVectorStore keeps in two
dictionaries (a JSON file loaded whole: ~0.4 KB of memory per chunk). A version written with
that store (`default__vector_store.json`) still loads, its vectors in memory, and the next
ingest rewrites it in this layout without embedding anything.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

VECTORS = "vectors"
INDEX_FILE = "index.faiss"
ROWS_FILE = "rows.f32"
LEGACY_FILE = "default__vector_store.json"  # llama-index's FaissMapVectorStore (older versions)
IVF_FROM = 200_000  # vectors from which the index is an inverted file over 8-bit codes
_TRAIN_SAMPLE = 100_000  # vectors its lists are trained on
# Lists an IVF search visits. Measured on the synthesised million-paragraph index of
# benchmarks/scale.py (1.25 M vectors, 4,478 lists; 100 dev questions) against exact search
# (`python -m benchmarks.dense_recall --index … --nprobe N`):
# recall@50 0.48 with 32 lists, 0.80 with 64, 0.976 with 128 (recall@10 0.95-0.96 with each);
# 128 lists take ~5 ms a search. Its copies of the same reports make near-ties; real text has fewer.
NPROBE = 128
REFINE = 4  # IVF candidates per wanted result, re-ranked by the stored float32 vectors
EXACT_UP_TO = 20_000  # a filter allowing at most this many rows is searched exactly, row by row

Found = list[tuple[int, float]]  # (rowid, inner product), best first


def index_path(version_dir: Path) -> Path:
    return version_dir / VECTORS / INDEX_FILE


def exists(version_dir: Path) -> bool:
    folder = version_dir / VECTORS
    return (folder / INDEX_FILE).exists() or (folder / LEGACY_FILE).exists()


class RowFile:
    """The stored vectors by rowid, read with pread (no mapping: nothing of it counts in the
    process's memory but the rows asked for)."""

    def __init__(self, path: Path, dim: int) -> None:
        self.path = path
        self.dim = dim
        self._row_bytes = dim * 4

    def read(self, rowids: np.ndarray) -> np.ndarray:
        """The vectors of `rowids` (ascending, distinct), one pread per run of consecutive rows."""
        out = np.empty((len(rowids), self.dim), dtype=np.float32)
        if not len(rowids):
            return out
        breaks = np.flatnonzero(np.diff(rowids) != 1) + 1
        starts = np.concatenate(([0], breaks))
        ends = np.concatenate((breaks, [len(rowids)]))
        fd = os.open(self.path, os.O_RDONLY)
        try:
            for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
                size = (b - a) * self._row_bytes
                data = os.pread(fd, size, int(rowids[a]) * self._row_bytes)
                if len(data) != size:
                    raise ValueError(f"{self.path}: 第 {int(rowids[a])} 行之后的向量缺失")
                out[a:b] = np.frombuffer(data, dtype=np.float32).reshape(b - a, self.dim)
        finally:
            os.close(fd)
        return out

    def write(self, rowids: np.ndarray, vectors: np.ndarray) -> None:
        """Store `vectors` at `rowids` (the file grows as needed)."""
        order = np.argsort(rowids)
        rowids, vectors = rowids[order], np.ascontiguousarray(vectors[order], dtype=np.float32)
        with open(self.path, "r+b" if self.path.exists() else "w+b") as fh:
            for rowid, row in zip(rowids.tolist(), vectors, strict=True):
                fh.seek(rowid * self._row_bytes)
                fh.write(row.tobytes())


class MemoryRows:
    """The stored vectors held in memory (a version in the older layout, until its next ingest)."""

    def __init__(self, rowids: np.ndarray, matrix: np.ndarray) -> None:
        order = np.argsort(rowids)
        self._rowids, self._matrix = rowids[order], matrix[order]

    def read(self, rowids: np.ndarray) -> np.ndarray:
        at = np.searchsorted(self._rowids, rowids)
        if len(rowids) and (at.max() >= len(self._rowids) or (self._rowids[at] != rowids).any()):
            raise KeyError("a rowid without a stored vector")
        return self._matrix[at]


class Vectors:
    """One version's dense search. Thread-safe for searching (FAISS searches are)."""

    def __init__(self, index: Any, rows: RowFile | MemoryRows) -> None:
        from llama_index.vector_stores.faiss import FaissVectorStore

        self.index = index
        self.rows = rows
        self.store = FaissVectorStore(faiss_index=index)  # the unfiltered exact search

    @property
    def ivf(self) -> bool:
        import faiss

        return isinstance(faiss.downcast_index(self.index), faiss.IndexIVF)

    @property
    def count(self) -> int:
        return int(self.index.ntotal)

    def search(self, vector: np.ndarray, k: int, allowed: np.ndarray | None = None) -> Found:
        """The `k` stored rows nearest `vector` (rowid, inner product), best first; with
        `allowed` (ascending rowids) among those alone. Filters act inside the search, so a
        filter never leaves fewer than `k` results where `k` allowed rows exist."""
        query = np.asarray(vector, dtype=np.float32).reshape(1, -1)
        if allowed is not None and not len(allowed):
            return []
        if not self.ivf:
            return self._flat(query, k, allowed)
        if allowed is not None and len(allowed) <= EXACT_UP_TO:
            return _best(allowed, self.rows.read(allowed) @ query[0], k)
        return self._ivf(query, k, allowed)

    def _flat(self, query: np.ndarray, k: int, allowed: np.ndarray | None) -> Found:
        import faiss
        from llama_index.core.vector_stores.types import VectorStoreQuery

        if allowed is None:
            result = self.store.query(VectorStoreQuery(query_embedding=query[0].tolist(), similarity_top_k=k))
            ids, similarities = result.ids or [], result.similarities or []
            return [(int(i), float(s)) for i, s in zip(ids, similarities, strict=True)]
        params = faiss.SearchParameters(sel=_selector(allowed))  # type: ignore[call-arg]
        scores, found = self.index.search(query, min(k, len(allowed)), params=params)
        return [(int(i), float(s)) for i, s in zip(found[0], scores[0], strict=True) if i >= 0]

    def _ivf(self, query: np.ndarray, k: int, allowed: np.ndarray | None) -> Found:
        import faiss

        selector = None if allowed is None else _selector(allowed)
        params = faiss.SearchParametersIVF(sel=selector, nprobe=NPROBE)  # type: ignore[call-arg]
        _scores, found = self.index.search(query, k * REFINE, params=params)
        candidates = np.unique(found[0][found[0] >= 0])
        return _best(candidates, self.rows.read(candidates) @ query[0], k)

    def get(self, rowids: Sequence[int]) -> dict[int, np.ndarray]:
        wanted = np.unique(np.asarray(rowids, dtype=np.int64))
        return dict(zip(wanted.tolist(), self.rows.read(wanted), strict=True))

    def ids(self) -> np.ndarray:
        """Every rowid the index holds."""
        import faiss

        index: Any = faiss.downcast_index(self.index)
        if isinstance(index, faiss.IndexIVF):
            lists: Any = index.invlists
            parts = [
                faiss.rev_swig_ptr(lists.get_ids(i), lists.list_size(i)).copy()
                for i in range(index.nlist)
                if lists.list_size(i)
            ]
            return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, dtype=np.int64)
        return faiss.vector_to_array(index.id_map).astype(np.int64)


def _selector(allowed: np.ndarray) -> Any:
    """The allowed rowids (ascending) as a bitmap: built in a millisecond for a million rows,
    where faiss's IDSelectorBatch hashes each id (tens of ms for a few hundred thousand)."""
    import faiss

    bits = np.zeros(int(allowed[-1]) + 1, dtype=bool)
    bits[allowed] = True
    # faiss's Python wrapper takes the byte array alone (its length and pointer in C++).
    return faiss.IDSelectorBitmap(np.packbits(bits, bitorder="little"))  # type: ignore[call-arg, arg-type]


def _best(rowids: np.ndarray, scores: np.ndarray, k: int) -> Found:
    order = np.lexsort((rowids, -scores))[:k]  # ties: the lower rowid first
    return [(int(rowids[i]), float(scores[i])) for i in order]


def new_index(dim: int) -> Any:
    import faiss

    return faiss.IndexIDMap(faiss.IndexFlatIP(dim))


def open_vectors(version_dir: Path, con: sqlite3.Connection) -> Vectors:
    """The version's vectors (`con`: its catalog, to place an older version's chunk ids)."""
    import faiss

    folder = version_dir / VECTORS
    if (folder / INDEX_FILE).exists():
        index = faiss.read_index(str(folder / INDEX_FILE))
        return Vectors(index, RowFile(folder / ROWS_FILE, index.d))
    return _from_legacy(folder, con)


def _from_legacy(folder: Path, con: sqlite3.Connection) -> Vectors:
    """A version written with llama-index's FaissMapVectorStore, in memory in this layout."""
    from llama_index.vector_stores.faiss import FaissMapVectorStore

    legacy = FaissMapVectorStore.from_persist_dir(str(folder))
    by_chunk = legacy._node_id_to_faiss_id_map
    rowid_of = dict(con.execute("SELECT chunk_id, rowid FROM chunks"))
    held = [(rowid_of[c], f) for c, f in by_chunk.items() if c in rowid_of]
    rowids = np.asarray([r for r, _f in held], dtype=np.int64)
    inner = legacy._faiss_index
    matrix = np.vstack([inner.reconstruct(int(f)) for _r, f in held]) if held else np.zeros((0, inner.d))
    index = new_index(inner.d)
    if len(rowids):
        index.add_with_ids(matrix.astype(np.float32), rowids)
    return Vectors(index, MemoryRows(rowids, matrix.astype(np.float32)))


def save(vectors: Vectors, version_dir: Path) -> None:
    """Write the index (llama-index's FaissVectorStore persists it with faiss.write_index) and
    drop an older layout's files. The row file is written as vectors are added."""
    folder = version_dir / VECTORS
    folder.mkdir(parents=True, exist_ok=True)
    vectors.store.persist(persist_path=str(folder / INDEX_FILE))
    for name in (LEGACY_FILE, "docstore.json", "index_store.json", "graph_store.json"):
        (folder / name).unlink(missing_ok=True)


def update(
    version_dir: Path, con: sqlite3.Connection, dim: int, added: dict[str, np.ndarray] | None = None
) -> Vectors:
    # `dim` is used only when the version has no vectors yet.
    """Bring a version's vectors in line with its catalog: rows whose chunk is gone (or whose
    rowid a new chunk now has) leave the index, `added` (chunk id -> vector, chunks already in
    the catalog) join it, and the index becomes an inverted file once it holds IVF_FROM vectors."""
    folder = version_dir / VECTORS
    folder.mkdir(parents=True, exist_ok=True)
    if exists(version_dir):
        vectors = open_vectors(version_dir, con)
    else:
        vectors = Vectors(new_index(dim), RowFile(folder / ROWS_FILE, dim))
    live = dict(con.execute("SELECT chunk_id, rowid FROM chunks"))
    added = added or {}
    new_rows = np.asarray([live[c] for c in added], dtype=np.int64)
    # Rows whose vector stays: chunks in the catalog, less those the added chunks now have.
    keep = np.setdiff1d(np.fromiter(live.values(), np.int64, len(live)), new_rows)
    held = vectors.ids()
    held_kept = np.isin(held, keep)
    stale = held[~held_kept]
    if len(stale):
        vectors.index.remove_ids(np.sort(stale))
    rows = RowFile(folder / ROWS_FILE, vectors.index.d)
    if isinstance(vectors.rows, MemoryRows) and len(held):  # an older layout: write its rows out
        kept = np.sort(held[held_kept])
        rows.write(kept, vectors.rows.read(kept))
    vectors = Vectors(vectors.index, rows)
    if added:
        matrix = np.vstack(list(added.values())).astype(np.float32)
        rows.write(new_rows, matrix)
        vectors.index.add_with_ids(matrix, new_rows)
    if not vectors.ivf and vectors.count >= IVF_FROM:
        vectors = _as_ivf(vectors)
    return vectors


def _as_ivf(vectors: Vectors) -> Vectors:
    """The same rows in an inverted file over 8-bit codes, its lists trained on a sample."""
    import faiss

    rowids = np.sort(vectors.ids())
    dim = vectors.index.d
    nlist = int(4 * np.sqrt(len(rowids)))
    sample = np.sort(np.random.default_rng(0).choice(rowids, min(len(rowids), _TRAIN_SAMPLE), replace=False))
    quantizer = faiss.IndexFlatIP(dim)
    index = faiss.IndexIVFScalarQuantizer(
        quantizer, dim, nlist, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
    )
    index.train(vectors.rows.read(sample))
    for at in range(0, len(rowids), 100_000):
        part = rowids[at : at + 100_000]
        index.add_with_ids(vectors.rows.read(part), part)
    return Vectors(index, vectors.rows)  # faiss's Python wrapper keeps the quantizer alive
