"""A question grounded in the knowledge base: its constraints read (a follow-up's from the
question before it too) and resolved against the loaded reports, then retrieval under the
resulting filter, with the constraints a filter enforces left out of the searched text. The
figure and prose answerers and the refusal calibration (eval.calibrate) all see the evidence
through this one function."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from rag.evidence.retrieve import Hit, HybridRetriever, SearchFilter, Snapshot
from rag.question.constraints import Asked, read_question, without_constraints
from rag.question.glossary import expand
from rag.question.resolution import Resolution, resolve


@dataclass(frozen=True)
class Grounded:
    """A question part resolved against the knowledge base: its constraints, what they mean
    here, the text searched and the paragraphs retrieved under them."""

    asked: Asked
    resolution: Resolution
    hits: list[Hit]
    search: str


def constrain(
    snapshot: Snapshot, part: str, where: SearchFilter, earlier: Asked | None = None
) -> tuple[Asked, Resolution]:
    """The part's constraints (a follow-up's from the question before it too) and what they
    mean among the loaded reports: what `ground` retrieves under, without the retrieval."""
    asked = read_question(part, snapshot.regions)
    if earlier is not None:
        asked = asked.inherit(earlier)
    return asked, _resolved(snapshot, asked, where)


def _resolved(snapshot: Snapshot, asked: Asked, where: SearchFilter) -> Resolution:
    """`resolve`, kept for the last few questions of this version: a pure function of the
    question, the filter and the version's reports."""
    key = (asked, where)
    found = snapshot.resolved.get(key)
    if found is None:
        found = resolve(asked, snapshot.metas, snapshot.paragraphs, where)
        snapshot.resolved.put(key, found)
    return cast(Resolution, found)


def ground(
    retriever: HybridRetriever, part: str, top_k: int, where: SearchFilter, earlier: Asked | None = None
) -> Grounded:
    """Read the part's constraints, resolve them against the loaded reports and retrieve under
    the resulting filter (see the module doc)."""
    snapshot = retriever.snapshot
    asked, resolution = constrain(snapshot, part, where, earlier)
    search = part if resolution.missing else without_constraints(part, asked, resolution.applied)
    bm25 = snapshot.bm25
    search = expand(search, bm25.__contains__ if bm25 is not None else lambda _term: False)
    return Grounded(
        asked, resolution, retriever.retrieve(search, top_k=top_k, where=resolution.where), search
    )
