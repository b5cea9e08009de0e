"""Whose knowledge base it is: the body whose reports it mainly holds.

A district department's knowledge base holds its own reports beside the city's and the
province's, each stating the same indicators. A question naming no place or report is about
the home body's figures; when other bodies' reports state the same indicator for the same year,
the answer names them in one line (rag.figures.others). Computed when an index version is
opened, from its catalog's document metadata. The home is derived from the documents
(the region with the most reports; the national one on a tie) or set with KB_HOME, by the
issuing body or the place ("綦江区委组织部", "四川省").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from ingest.metadata import NATIONAL, short_region
from ingest.records import DocumentMeta


@dataclass(frozen=True)
class Home:
    body: str  # as shown: the issuing body ("国务院"), else the place
    region: str  # the place its reports are about ("全国", "綦江区")
    docs: frozenset[str]  # its reports
    set_by_user: bool = False


def find_home(metas: Mapping[str, DocumentMeta], setting: str = "") -> Home | None:
    """The home body of a knowledge base: KB_HOME's (matched by body or place), else the
    region with most reports. None without regional reports, or when the setting matches none."""
    regional = {d: m for d, m in metas.items() if m.region}
    if not regional:
        return None
    if setting:
        wanted = setting.strip()
        mine = {
            d
            for d, m in regional.items()
            if wanted in (m.body, m.region) or short_region(m.region) == short_region(wanted)
        }
        if not mine:
            return None
        region = Counter(regional[d].region for d in mine).most_common(1)[0][0]
        return Home(wanted, region, frozenset(d for d, m in regional.items() if m.region == region), True)
    counts = Counter(m.region for m in regional.values())
    region = max(counts, key=lambda r: (counts[r], r == NATIONAL, r))
    docs = frozenset(d for d, m in regional.items() if m.region == region)
    bodies = Counter(regional[d].body for d in docs if regional[d].body)
    body = bodies.most_common(1)[0][0] if bodies else region
    return Home(body, region, docs)
