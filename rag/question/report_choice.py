"""The reports a user restricts questions to: the chat's selectors (by report, by year) and
`kb ask --doc/--year`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ingest.metadata import year_of
from ingest.records import DocumentMeta
from rag.evidence.retrieve import EVERYTHING, SearchFilter


def choose_reports(
    metas: Mapping[str, DocumentMeta], names: Iterable[str] = (), years: Iterable[str | int] = ()
) -> tuple[SearchFilter, list[str]]:
    """The reports a user restricted a question to (the chat's selector, `kb ask --doc/--year`):
    by document id, title or a part of either, and by the report's year ("2016", "2016年",
    "二〇一六年"); both given, a report must match both. Returns the filter (everything when
    nothing was chosen) and what matched no loaded report, to be said."""
    unknown: list[str] = []
    chosen: set[str] | None = None
    wanted = [n.strip() for n in names if str(n).strip()]
    if wanted:
        chosen = set()
        for name in wanted:
            exact = {d for d, m in metas.items() if name in (d, m.title)}
            found = exact or {d for d, m in metas.items() if name in d or name in m.title}
            chosen |= found
            if not found:
                unknown.append(name)
    picked_years = [str(y).strip() for y in years if str(y).strip()]
    if picked_years:
        by_year: set[str] = set()
        for raw in picked_years:
            year = year_of(raw)
            found = {d for d, m in metas.items() if year is not None and m.year == year}
            by_year |= found
            if not found:
                unknown.append(raw)
        chosen = by_year if chosen is None else chosen & by_year
    if chosen is None:
        return EVERYTHING, unknown
    return SearchFilter(docs=frozenset(chosen)), unknown


def report_choices(metas: Mapping[str, DocumentMeta]) -> list[tuple[str, str]]:
    """(label, document id) of every loaded report, by year then title, for a selector."""
    ordered = sorted(metas.items(), key=lambda item: (item[1].year or 0, item[1].title))
    return [(m.label, d) for d, m in ordered]


def year_choices(metas: Mapping[str, DocumentMeta]) -> list[str]:
    return [str(y) for y in sorted({m.year for m in metas.values() if m.year is not None})]
