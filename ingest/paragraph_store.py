"""A published version's paragraphs, read from its catalog when asked for.

An app process holds, per paragraph, its id, its document and its time scope (scopes are
shared: most paragraphs of a report speak about the same year or two), about 100 bytes, and
reads a paragraph's text, headings and place from the catalog when a hit, a citation or an
outline needs it (the last few thousand are kept). What the question path asks of every
paragraph — which speak about a year, as a result or a target — it answers from what is held
(`scoped`); what it asks of a report's paragraphs is one query (`of_document`).

`ParagraphStore` is a read-only `Mapping[str, Paragraph]`, so code written for a dict of
paragraphs works on it; the module functions below take either.
"""

from __future__ import annotations

import functools
import json
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable, ItemsView, Iterable, Iterator, Mapping, Sequence, ValuesView
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ingest import mentions, store
from ingest.recent import Recent
from ingest.records import Aspect, DocumentMeta, Paragraph, TimeScope
from ingest.search_types import SearchFilter
from ingest.store import CatalogReader

_KEPT = 8192  # paragraphs kept once read (a question reads a few dozen)
_SELECT = (
    "SELECT p.paragraph_id, p.doc_id, d.title, p.number, p.text, p.heading_path, p.kind, "
    "p.span_start, p.span_end, s.years FROM paragraphs p JOIN documents d USING (doc_id) "
    "LEFT JOIN paragraph_scope s ON s.paragraph_id = p.paragraph_id"
)
_ORDER = " ORDER BY d.path, p.number"
_BY_DOCUMENT = (
    "SELECT p.paragraph_id, s.years FROM paragraphs p "
    "LEFT JOIN paragraph_scope s ON s.paragraph_id = p.paragraph_id WHERE p.doc_id = ? ORDER BY p.number"
)
_BATCH = 500
_PLACES_KEPT = 32  # places whose mentions are kept (a million paragraphs: 125 KB each)


class _Shared:
    """What every view of a version's paragraphs learns once and shares: its `mentions.Seams`
    (read when a mention is first looked for, with their paragraphs' rows) and which paragraph
    row each chunk belongs to (told by ingest.chunk_table, which reads the chunks)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.read = False
        self.seams: mentions.Seams | None = None
        self.seam_rows = np.zeros(0, dtype=bool)
        self.chunk_rowids: np.ndarray | None = None  # ascending
        self.chunk_paragraph: np.ndarray | None = None  # per chunk: its paragraph's row
        # The last places looked for (packed rows): users of a knowledge base ask about the
        # same few places, and one answer looks a place up several times.
        self.mentioned: Recent[str, np.ndarray] = Recent(_PLACES_KEPT)


@dataclass(frozen=True)
class Scoped:
    """What the question path asks of every paragraph: its id, document and time scope."""

    paragraph_id: str
    doc_id: str
    scope: TimeScope


class ParagraphIds(AbstractSet[str]):
    """Paragraph ids held as rows in the version's paragraph order (a mask over `layout`, the
    store's id list), so that a filter of a hundred thousand paragraphs becomes a mask over
    chunks without naming each id: the ids themselves are made only when the set is walked,
    hashed or compared with a plain set. Equal to the plain frozenset of its ids (and hashed
    like it); `&` with a mask over the same layout gives a mask again, other set operations
    give plain frozensets."""

    __slots__ = ("_count", "_ids", "layout", "rows")

    def __init__(self, rows: np.ndarray, layout: Sequence[str]) -> None:
        self.rows = rows
        self.layout = layout
        self._count: int | None = None
        self._ids: frozenset[str] | None = None

    @classmethod
    def _from_iterable(cls, it: Iterable[str]) -> frozenset[str]:  # type: ignore[override]
        return frozenset(it)  # what the Set mixins build: a plain set

    def _plain(self) -> frozenset[str]:
        if self._ids is None:
            self._ids = frozenset(self)
        return self._ids

    def __len__(self) -> int:
        if self._count is None:
            self._count = int(np.count_nonzero(self.rows))
        return self._count

    def __iter__(self) -> Iterator[str]:
        layout = self.layout
        return (layout[i] for i in np.flatnonzero(self.rows).tolist())

    def __contains__(self, paragraph_id: object) -> bool:
        if not isinstance(paragraph_id, str):
            return False
        if isinstance(self.layout, IdLayout):
            row = self.layout.row(paragraph_id)
            return row is not None and bool(self.rows[row])
        return paragraph_id in self._plain()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ParagraphIds) and other.layout is self.layout:
            return bool(np.array_equal(self.rows, other.rows))
        if isinstance(other, AbstractSet):
            return len(self) == len(other) and self._plain() == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._plain())

    def __and__(self, other: AbstractSet[object]) -> AbstractSet[str]:  # type: ignore[override]
        """Both sets; with masks over the same layout, a mask again (a year's paragraphs within
        a report's, as filters narrow)."""
        if isinstance(other, ParagraphIds) and other.layout is self.layout:
            return ParagraphIds(self.rows & other.rows, self.layout)
        return frozenset(pid for pid in self if pid in other)

    __rand__ = __and__  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"ParagraphIds({len(self)} of {len(self.rows)})"

    def __reduce__(self) -> tuple[type, tuple[list[str]]]:
        return frozenset, (list(self),)  # a copy or a pickle is the plain set of ids


def rows_of(ids: AbstractSet[str] | None, layout: Sequence[str]) -> np.ndarray | None:
    """The mask over `layout` that `ids` carries, when it carries one for that layout."""
    if isinstance(ids, ParagraphIds) and ids.layout is layout:
        return ids.rows
    return None


@dataclass(frozen=True)
class ScopeTable:
    """Every paragraph's document and time scope as arrays, for questions asked of all of them
    at once: `scope[i]` indexes `scopes`, the distinct scopes (a few hundred per thousand
    paragraphs), so a test of a scope runs once per distinct scope, not per paragraph."""

    ids: Sequence[str]
    doc: np.ndarray  # per paragraph: index into doc_ids
    doc_ids: Sequence[str]
    scope: np.ndarray  # per paragraph: index into scopes
    scopes: Sequence[TimeScope]
    within: np.ndarray  # per paragraph: here (a reader's view leaves others out)

    def per_scope(self, test: Callable[[TimeScope], bool]) -> np.ndarray:
        """Per paragraph: `test` of its scope."""
        return self.of_scopes(test)[self.scope]

    def of_scopes(self, test: Callable[[TimeScope], bool]) -> np.ndarray:
        """Per distinct scope: `test` of it (index with `scope` for paragraphs)."""
        return np.fromiter((test(s) for s in self.scopes), bool, len(self.scopes))

    def counts(self, rows: np.ndarray) -> np.ndarray:
        """Per distinct scope: how many of the paragraphs `rows` marks have it."""
        return np.bincount(self.scope[rows], minlength=len(self.scopes))

    def in_documents(self, docs: Iterable[str]) -> np.ndarray:
        return self.within & of_documents(self.doc, self.doc_ids, docs)

    def allowed(self, where: SearchFilter) -> np.ndarray:
        """Per paragraph: here and allowed by `where`."""
        rows = self.within.copy()
        if where.documents is not None:
            rows &= self.in_documents(where.documents)
        return rows & listed(where, self.ids)

    def ids_where(self, rows: np.ndarray) -> ParagraphIds:
        return ParagraphIds(rows, self.ids)


def of_documents(doc: np.ndarray, doc_ids: Sequence[str], docs: Iterable[str]) -> np.ndarray:
    """Per entry of `doc` (indexes into `doc_ids`): whether its document is one of `docs`."""
    wanted = docs if isinstance(docs, AbstractSet) else set(docs)
    return np.fromiter((d in wanted for d in doc_ids), bool, len(doc_ids))[doc]


class IdLayout(Sequence[str]):
    """A version's paragraph ids in order, and the rows of a few of them found without walking
    all: each id's hash, sorted (16 bytes per paragraph). A filter naming a few hundred
    paragraphs becomes a mask in microseconds rather than a pass over a million ids."""

    # Python's own string hash: stable within the process, which is all this index needs.
    key: Callable[[str], int] = staticmethod(hash)

    def __init__(self, ids: list[str]) -> None:
        self._ids = ids

    @functools.cached_property
    def _index(self) -> tuple[np.ndarray, np.ndarray, bool]:
        """Row order by hash, the hashes in that order, and whether every id has a hash of its
        own (all but certain: a key then matches one row). Built when a filter first needs it,
        not while the version opens."""
        hashes = np.fromiter(map(self.key, self._ids), np.int64, len(self._ids))
        order = np.argsort(hashes, kind="stable")
        ordered = hashes[order]
        return order, ordered, not bool(np.any(ordered[1:] == ordered[:-1]))

    def __len__(self) -> int:
        return len(self._ids)

    def __getitem__(self, index: Any) -> Any:
        return self._ids[index]

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def row(self, paragraph_id: str) -> int | None:
        """The row of one id, or None when it is not here."""
        if not self._ids:
            return None
        order, ordered, _unique = self._index
        key = self.key(paragraph_id)
        at = int(np.searchsorted(ordered, key, side="left"))
        while at < len(ordered) and ordered[at] == key:  # equal hashes: compare ids
            row = int(order[at])
            if self._ids[row] == paragraph_id:
                return row
            at += 1
        return None

    def mask(self, ids: Iterable[str]) -> np.ndarray:
        """Per row: whether its id is one of `ids`."""
        wanted = list(ids)
        out = np.zeros(len(self._ids), dtype=bool)
        if not wanted or not self._ids:
            return out
        order, ordered, unique = self._index
        keys = np.fromiter(map(self.key, wanted), np.int64, len(wanted))
        starts = np.searchsorted(ordered, keys, side="left")
        if unique:
            at = np.minimum(starts, len(ordered) - 1)
            hit = ordered[at] == keys
            rows = order[at[hit]].tolist()
            named = [pid for pid, h in zip(wanted, hit.tolist(), strict=True) if h]
            same = [self._ids[row] == pid for row, pid in zip(rows, named, strict=True)]
            out[np.asarray(rows, dtype=np.int64)[np.asarray(same, dtype=bool)]] = True
            return out
        for pid, key, at in zip(wanted, keys.tolist(), starts.tolist(), strict=True):
            while at < len(ordered) and ordered[at] == key:  # equal hashes: compare ids
                row = int(order[at])
                if self._ids[row] == pid:
                    out[row] = True
                at += 1
        return out


def listed(where: SearchFilter, layout: Sequence[str]) -> np.ndarray:
    """Per paragraph of `layout`: allowed by `where`'s paragraph ids and exclusions."""
    named, exclude = where.paragraphs, where.exclude
    rows = rows_of(named, layout)
    if rows is None and named is None and not exclude:
        return np.ones(len(layout), dtype=bool)
    if rows is None:
        rows = mask_of(named, layout) if named is not None else np.ones(len(layout), dtype=bool)
    return rows & ~mask_of(exclude, layout) if exclude else rows


def mask_of(ids: Iterable[str], layout: Sequence[str]) -> np.ndarray:
    """Per entry of `layout`: whether it is one of `ids` (through the hash index of an
    `IdLayout`, else one pass)."""
    if isinstance(layout, IdLayout):
        return layout.mask(ids)
    wanted = ids if isinstance(ids, AbstractSet) else set(ids)
    return np.fromiter((pid in wanted for pid in layout), bool, len(layout))


def _table_of(ids: Sequence[str], doc_of: Sequence[str], scopes_of: Sequence[TimeScope]) -> ScopeTable:
    doc_ids = sorted(set(doc_of))
    doc_at = {d: i for i, d in enumerate(doc_ids)}
    distinct: dict[TimeScope, int] = {}
    scope = np.fromiter((distinct.setdefault(s, len(distinct)) for s in scopes_of), np.int32, len(ids))
    return ScopeTable(
        ids,
        np.fromiter((doc_at[d] for d in doc_of), np.int32, len(ids)),
        doc_ids,
        scope,
        list(distinct),
        np.ones(len(ids), dtype=bool),
    )


class _Scopes:
    """TimeScope objects by their stored JSON, one object per distinct scope."""

    def __init__(self) -> None:
        self._by_text: dict[str | None, TimeScope] = {None: TimeScope()}

    def get(self, text: str | None) -> TimeScope:
        scope = self._by_text.get(text)
        if scope is None:
            years = tuple((int(y), Aspect(a)) for y, a in json.loads(text or "[]"))
            scope = self._by_text[text] = TimeScope(years)
        return scope


class ParagraphStore(Mapping[str, Paragraph]):
    """The paragraphs of one version (of some documents only, in a reader's view), in catalog
    order (document path, then number). Thread-safe."""

    def __init__(
        self,
        catalog: CatalogReader,
        ids: Sequence[str],
        doc: np.ndarray,
        doc_ids: Sequence[str],
        scope: np.ndarray,
        scopes: Sequence[TimeScope],
        metas: Mapping[str, DocumentMeta],
        only: frozenset[str] | None = None,
        shared: _Shared | None = None,
    ) -> None:
        self._catalog = catalog
        self._ids = ids
        self._doc = doc  # per paragraph: index into doc_ids
        self._doc_ids = list(doc_ids)
        self._scope = scope  # per paragraph: index into _scope_list
        self._scope_list = scopes
        self._metas = metas
        self._only = only
        self._scopes = _Scopes()
        self._kept: OrderedDict[str, Paragraph] = OrderedDict()
        self._lock = threading.Lock()
        self._shared = shared or _Shared()
        if only is None:
            self._within = np.ones(len(ids), dtype=bool)
        else:
            chosen = [i for i, d in enumerate(self._doc_ids) if d in only]
            self._within = np.isin(doc, np.asarray(chosen, dtype=np.int32))
        self._count = int(self._within.sum())

    @classmethod
    def read(cls, con: sqlite3.Connection, path: Path, metas: Mapping[str, DocumentMeta]) -> ParagraphStore:
        """The catalog's paragraphs (`path`: its file, read again per thread): report by report
        in path order, each in number order (the catalog's index on both)."""
        ids: list[str] = []
        scope: list[int] = []
        per_doc: list[tuple[str, int]] = []
        texts: dict[str | None, int] = {}  # each distinct stored scope once
        for (doc_id,) in con.execute("SELECT doc_id FROM documents ORDER BY path").fetchall():
            rows = con.execute(_BY_DOCUMENT, (doc_id,)).fetchall()
            if rows:
                per_doc.append((doc_id, len(rows)))
                ids.extend(r[0] for r in rows)
                scope.extend(texts.setdefault(r[1], len(texts)) for r in rows)
        doc_ids = sorted(d for d, _n in per_doc)
        doc_at = {d: i for i, d in enumerate(doc_ids)}
        doc = np.repeat(
            np.asarray([doc_at[d] for d, _n in per_doc], dtype=np.int32), [n for _d, n in per_doc]
        )
        scopes = _Scopes()
        return cls(
            CatalogReader(path),
            IdLayout(ids),
            doc.astype(np.int32),
            doc_ids,
            np.asarray(scope, dtype=np.int32),
            [scopes.get(text) for text in texts],
            metas,
        )

    def only(self, docs: frozenset[str]) -> ParagraphStore:
        """The same paragraphs as a reader of `docs` sees them: the others are not here."""
        within = docs if self._only is None else docs & self._only
        return ParagraphStore(
            self._catalog,
            self._ids,
            self._doc,
            self._doc_ids,
            self._scope,
            self._scope_list,
            self._metas,
            within,
            self._shared,
        )

    # --- the Mapping ---------------------------------------------------------------------------

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[str]:
        if self._only is None:
            return iter(self._ids)
        return (pid for pid, ok in zip(self._ids, self._within, strict=True) if ok)

    def __getitem__(self, paragraph_id: str) -> Paragraph:
        found = self.many([paragraph_id])
        if paragraph_id not in found:
            raise KeyError(paragraph_id)
        return found[paragraph_id]

    def __contains__(self, paragraph_id: object) -> bool:
        return isinstance(paragraph_id, str) and bool(self.many([paragraph_id]))

    def values(self) -> ValuesView[Paragraph]:
        return _Values(self)

    def items(self) -> ItemsView[str, Paragraph]:
        return _Items(self)

    def many(self, paragraph_ids: Iterable[str]) -> dict[str, Paragraph]:
        """These paragraphs (ids not here left out), read together."""
        wanted = list(dict.fromkeys(paragraph_ids))
        found: dict[str, Paragraph] = {}
        with self._lock:
            for pid in wanted:
                kept = self._kept.get(pid)
                if kept is not None:
                    self._kept.move_to_end(pid)
                    found[pid] = kept
        missing = [pid for pid in wanted if pid not in found]
        for start in range(0, len(missing), _BATCH):
            part = missing[start : start + _BATCH]
            marks = ",".join("?" * len(part))
            rows = self._catalog.get().execute(f"{_SELECT} WHERE p.paragraph_id IN ({marks})", part)
            read = {p.paragraph_id: p for p in map(self._paragraph, rows) if self._allowed(p.doc_id)}
            found.update(read)
            with self._lock:
                self._kept.update(read)
                while len(self._kept) > _KEPT:
                    self._kept.popitem(last=False)
        return found

    def _allowed(self, doc_id: str) -> bool:
        return self._only is None or doc_id in self._only

    def _paragraph(self, r: Sequence[Any]) -> Paragraph:
        """A row of _SELECT (the catalog's columns, then the scope's JSON)."""
        return store.paragraph_of(r, self._metas.get(r[1]), self._scopes.get(r[9]))

    def stream(self) -> Iterator[Paragraph]:
        """Every paragraph here, read in catalog order as it goes (one query, its own connection)."""
        con = store.read_only(self._catalog.path)
        try:
            for row in con.execute(_SELECT + _ORDER):
                if self._allowed(row[1]):
                    yield self._paragraph(row)
        finally:
            con.close()

    # --- what the question path asks of all paragraphs ----------------------------------------

    def scoped(self) -> Iterator[Scoped]:
        """Every paragraph's id, document and time scope, from memory, in catalog order."""
        doc_ids = self._doc_ids
        for i in np.flatnonzero(self._within).tolist():
            yield Scoped(self._ids[i], doc_ids[self._doc[i]], self._scope_list[self._scope[i]])

    def table(self) -> ScopeTable:
        return ScopeTable(self._ids, self._doc, self._doc_ids, self._scope, self._scope_list, self._within)

    def layout(self) -> tuple[Sequence[str], np.ndarray, list[str]]:
        """Every paragraph id of the version (a reader's view too) in catalog order, each one's
        document (an index into the third), and the documents."""
        return self._ids, self._doc, self._doc_ids

    def documents_in_order(self) -> list[str]:
        """The documents here, in catalog order (by path)."""
        _docs, first = np.unique(self._doc[self._within], return_index=True)
        order = self._doc[self._within][np.sort(first)]
        return [self._doc_ids[i] for i in order.tolist()]

    def counts(self) -> dict[str, int]:
        """Paragraphs per document."""
        per_doc = np.bincount(self._doc[self._within], minlength=len(self._doc_ids))
        return {d: int(n) for d, n in zip(self._doc_ids, per_doc.tolist(), strict=True) if n}

    def document_ids(self) -> frozenset[str]:
        """The documents of the paragraphs here."""
        return frozenset(d for d in self._doc_ids if self._allowed(d))

    def ids_of(self, docs: frozenset[str]) -> AbstractSet[str]:
        table = self.table()
        return table.ids_where(table.in_documents(docs))

    def of_document(self, doc_id: str, limit: int | None = None) -> list[Paragraph]:
        """One document's paragraphs in order (its first `limit`), in one query."""
        if not self._allowed(doc_id):
            return []
        sql = f"{_SELECT} WHERE p.doc_id = ? ORDER BY p.number" + (f" LIMIT {int(limit)}" if limit else "")
        return [self._paragraph(r) for r in self._catalog.get().execute(sql, (doc_id,))]

    def bind_chunks(self, rowids: np.ndarray, paragraph: np.ndarray) -> None:
        """The version's chunks: their rowids (ascending) and each one's paragraph row, so that
        the chunks holding a phrase become paragraph rows without naming an id."""
        self._shared.chunk_rowids, self._shared.chunk_paragraph = rowids, paragraph

    def _seams(self, con: sqlite3.Connection) -> mentions.Seams | None:
        """The paragraphs a mention is checked in by their own text, read on first use (once for
        the version: readers' views share them)."""
        held = self._shared
        with held.lock:
            if not held.read:
                held.seams = mentions.Seams.load(con)
                if held.seams is not None:
                    held.seam_rows = mask_of((pid for pid, _d, _t in held.seams.paragraphs), self._ids)
                held.read = True
            return held.seams

    def mentioning(self, docs: frozenset[str], words: str) -> AbstractSet[str]:
        """The ids of these documents' paragraphs whose text holds `words` (as rows)."""
        chosen = frozenset(d for d in docs if self._allowed(d))
        if not chosen:
            return frozenset()
        con = self._catalog.get()
        rows = self._mentioned(con, words)
        if rows is None:  # every paragraph of these documents is read
            ordered = sorted(chosen)
            marks = ",".join("?" * len(ordered))
            query = f"SELECT paragraph_id FROM paragraphs WHERE doc_id IN ({marks}) AND instr(text, ?) > 0"
            rows = mask_of((r[0] for r in con.execute(query, [*ordered, words])), self._ids)
        return ParagraphIds(rows & of_documents(self._doc, self._doc_ids, chosen), self._ids)

    def _mentioned(self, con: sqlite3.Connection, words: str) -> np.ndarray | None:
        """Per paragraph row: whether its text holds `words`, found through the keyword index
        (ingest.mentions); None when that cannot be (an older catalog, a phrase not all CJK)."""
        held = self._shared
        packed = held.mentioned.get(words)
        if packed is not None:
            return np.unpackbits(packed, count=len(self._ids)).astype(bool)
        seams = self._seams(con)
        if seams is None or held.chunk_rowids is None or held.chunk_paragraph is None:
            return None
        found = mentions.find(con, words)
        if found is None:
            return None
        at = np.minimum(np.searchsorted(held.chunk_rowids, found), max(len(held.chunk_rowids) - 1, 0))
        known = held.chunk_rowids[at] == found if len(held.chunk_rowids) else np.zeros(0, dtype=bool)
        rows = np.zeros(len(self._ids), dtype=bool)
        rows[held.chunk_paragraph[at[known]]] = True
        rows[held.seam_rows] = False  # decided by their own text
        rows[mask_of(seams.holding(words), self._ids)] = True
        held.mentioned.put(words, np.packbits(rows))
        return rows


class _Values(ValuesView[Paragraph]):
    """A store's values, streamed in one query instead of one read per paragraph."""

    _mapping: ParagraphStore

    def __iter__(self) -> Iterator[Paragraph]:
        return self._mapping.stream()


class _Items(ItemsView[str, Paragraph]):
    _mapping: ParagraphStore

    def __iter__(self) -> Iterator[tuple[str, Paragraph]]:
        return ((p.paragraph_id, p) for p in self._mapping.stream())


# --- the same questions of a plain dict of paragraphs (tests, a passage corpus in memory) -----


def scope_table(paragraphs: Mapping[str, Paragraph]) -> ScopeTable:
    if isinstance(paragraphs, ParagraphStore):
        return paragraphs.table()
    held = list(paragraphs.values())
    return _table_of([p.paragraph_id for p in held], [p.doc_id for p in held], [p.scope for p in held])


def scoped(paragraphs: Mapping[str, Paragraph]) -> Iterator[Scoped]:
    if isinstance(paragraphs, ParagraphStore):
        return paragraphs.scoped()
    return (Scoped(p.paragraph_id, p.doc_id, p.scope) for p in paragraphs.values())


def ids_of(paragraphs: Mapping[str, Paragraph], docs: frozenset[str]) -> AbstractSet[str]:
    if isinstance(paragraphs, ParagraphStore):
        return paragraphs.ids_of(docs)
    return frozenset(p.paragraph_id for p in paragraphs.values() if p.doc_id in docs)


def of_document(
    paragraphs: Mapping[str, Paragraph], doc_id: str, limit: int | None = None
) -> list[Paragraph]:
    if isinstance(paragraphs, ParagraphStore):
        return paragraphs.of_document(doc_id, limit)
    found = sorted((p for p in paragraphs.values() if p.doc_id == doc_id), key=lambda p: p.number)
    return found[:limit] if limit else found


def mentioning(paragraphs: Mapping[str, Paragraph], docs: frozenset[str], words: str) -> AbstractSet[str]:
    if isinstance(paragraphs, ParagraphStore):
        return paragraphs.mentioning(docs, words)
    return frozenset(p.paragraph_id for p in paragraphs.values() if p.doc_id in docs and words in p.text)


def documents(paragraphs: Mapping[str, Paragraph]) -> frozenset[str]:
    """The documents the paragraphs belong to."""
    if isinstance(paragraphs, ParagraphStore):
        return paragraphs.document_ids()
    return frozenset(p.doc_id for p in paragraphs.values())
