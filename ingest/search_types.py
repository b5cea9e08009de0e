"""What the chunk searches of every backend share (ingest.index_backend, ingest.milvus)
and the retrieval code uses: the search filter, the result shape, the backend error. A module
of its own below both backends, so that neither imports the other."""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Protocol, TypeVar, cast

Scored = list[tuple[str, float]]  # (chunk id, the search's own score), best first


class Placed(Protocol):
    """Where a paragraph is: all a filter looks at (a `Paragraph`, or its id and document alone)."""

    @property
    def paragraph_id(self) -> str: ...

    @property
    def doc_id(self) -> str: ...


class IndexBackendError(RuntimeError):
    """The chunk index cannot be used (server unreachable, token refused, a collection that does
    not fit the catalog). The message is for the user, in Chinese, and says how to fix it."""


@dataclass(frozen=True)
class SearchFilter:
    """Which paragraphs a search may return: a user's choice of reports, the documents and time
    scopes a question is about, or (in the eval) a question's own gold paragraphs left out; and
    always the reports the asking user may read (`readable`, admin.access).

    Applied inside each search, before ranking, so a restricted search still returns its best
    `k` allowed paragraphs rather than what survives of a global top-k."""

    docs: frozenset[str] | None = None  # only paragraphs of these documents (None: any)
    # Only these paragraphs (None: any); often a mask over the version's paragraphs
    # (ingest.paragraph_store.ParagraphIds), so a big set costs no ids.
    paragraphs: AbstractSet[str] | None = None
    exclude: frozenset[str] = frozenset()  # never these paragraphs
    # Only these documents, whatever else is chosen: the ones the user may read (None: any). Kept
    # apart from `docs`, which says the user chose reports (and changes how a question is read).
    readable: frozenset[str] | None = None

    def allows(self, paragraph: Placed) -> bool:
        return (
            (self.docs is None or paragraph.doc_id in self.docs)
            and (self.readable is None or paragraph.doc_id in self.readable)
            and (self.paragraphs is None or paragraph.paragraph_id in self.paragraphs)
            and paragraph.paragraph_id not in self.exclude
        )

    @property
    def documents(self) -> frozenset[str] | None:
        """The documents both `docs` and `readable` allow (None: any)."""
        return _both(self.docs, self.readable)

    @property
    def restricts(self) -> bool:
        return self.documents is not None or self.paragraphs is not None or bool(self.exclude)

    def narrowed(self, other: SearchFilter) -> SearchFilter:
        """Both filters at once."""
        return SearchFilter(
            docs=_both(self.docs, other.docs),
            paragraphs=_both(self.paragraphs, other.paragraphs),
            exclude=self.exclude | other.exclude,
            readable=_both(self.readable, other.readable),
        )


_S = TypeVar("_S", bound=AbstractSet[str])


def _both(a: _S | None, b: _S | None) -> _S | None:
    """Both restrictions (None: none); a frozenset with a frozenset gives a frozenset, a set of
    rows with one over the same rows a set of rows (ingest.paragraph_store.ParagraphIds)."""
    if a is None:
        return b
    return a if b is None else cast(_S, a & b)


EVERYTHING = SearchFilter()


class Restriction(Protocol):
    """A `SearchFilter` prepared once for both searches of a question, in the backend's terms."""

    @property
    def empty(self) -> bool:
        """True when the filter allows no chunk at all."""
        ...
