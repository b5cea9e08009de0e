"""Whose figure: the home body's first, the other bodies' named in one line.

A knowledge base holding a district's, the city's and the province's reports has the same
indicator for the same year in several of them. A question naming no body is answered from the
home body's reports (ingest.home) when they state it; the figures other bodies' reports state
for the same year follow in one line, each cited: "另据其他报告：广东省 1.35万亿元[2]；四川省 …[3]".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from ingest.home import Home
from ingest.metadata import NATIONAL
from rag.answer_types import Answer
from rag.evidence.retrieve import Snapshot
from rag.figures.series import lead_citation
from rag.question.constraints import Asked

# At most this many other bodies are named: the line stays one line.
MAX_OTHERS = 4


def applies(snapshot: Snapshot, asked: Asked, chosen_docs: frozenset[str] | None) -> Home | None:
    """The home, when a question names no place and no report, the user chose no reports, and
    the knowledge base holds several places' reports."""
    home = snapshot.home
    if home is None or chosen_docs is not None or asked.regions or asked.report is not None:
        return None
    return home if len(snapshot.regions) > 1 else None


def other_regions(
    snapshot: Snapshot, answer: Answer, asked: Asked, home: Home | None = None
) -> list[tuple[str, frozenset[str]]]:
    """(region, its reports) of each place other than the answer's (and the home's, when given)
    whose reports may speak about an asked year: one of that year, or of the year after (which
    reviews it). A question asking no year, when the home is given: every report of each."""
    if not asked.years and home is None:
        return []
    cited = lead_citation(answer)
    own = (
        snapshot.paragraphs[cited.paragraph_id].doc_id
        if cited and cited.paragraph_id in snapshot.paragraphs
        else ""
    )
    own_region = snapshot.metas[own].region if own in snapshot.metas else ""
    years = _reports_about(asked.years)
    skipped = {own_region, home.region if home else ""}
    grouped: dict[str, set[str]] = {}
    for doc, meta in snapshot.metas.items():
        if meta.region and meta.region not in skipped and (meta.year in years or not asked.years):
            grouped.setdefault(meta.region, set()).add(doc)
    return [(r, frozenset(d)) for r, d in sorted(grouped.items(), key=lambda kv: (kv[0] != NATIONAL, kv[0]))]


def covers(snapshot: Snapshot, docs: frozenset[str], years: Sequence[int]) -> bool:
    """Some of `docs` is about an asked year: a report of that year (its plan) or of the year
    after (its review)."""
    wanted = _reports_about(years)
    return any(snapshot.metas[d].year in wanted for d in docs if d in snapshot.metas)


def _reports_about(years: Sequence[int]) -> set[int]:
    """The report years that speak about `years`: each year's own (its plan) and the next (its
    review)."""
    return {y + d for y in years for d in (0, 1)}


def home_lacks_year(
    question: str, home: Home, years: Sequence[int], others: Sequence[tuple[str, Answer]], at_home: Answer
) -> Answer:
    """The refusal for a question about the home body's figure in a year none of its reports
    covers, with the figures other bodies' reports give for that year in one line, cited."""
    said = "、".join(f"{y}年" for y in years)
    reason = f"知识库中没有{home.body}关于{said}的报告，找不到{home.region}的这一数字。"
    refused = Answer(question, reason, True, retrieved=at_home.retrieved, conclusive=True)
    return with_others(refused, others)


def home_lacks_figure(
    question: str, home: Home, others: Sequence[tuple[str, Answer]], at_home: Answer
) -> Answer:
    """The refusal for a question naming no body whose figure the home's reports do not state,
    while several other bodies' reports state one each: named in one line, cited, none given as
    the answer (each is its own body's figure, not the one asked)."""
    reason = f"知识库中{home.body}的报告没有给出{home.region}的这一数字。"
    refused = Answer(question, reason, True, retrieved=at_home.retrieved, conclusive=True)
    return with_others(refused, others)


def with_others(answer: Answer, others: Sequence[tuple[str, Answer]]) -> Answer:
    """`answer` with one more line naming each other body's figure, cited, numbered after the
    answer's own citations (a paragraph already cited keeps its number)."""
    named = [(region, other) for region, other in others if not other.refused and other.lead][:MAX_OTHERS]
    if not named:
        return answer
    citations = list(answer.citations)
    number_of = {c.paragraph_id: c.n for c in citations}
    parts = []
    for region, other in named:
        cited = lead_citation(other)
        if cited is None:
            continue
        if cited.paragraph_id not in number_of:
            number_of[cited.paragraph_id] = len(citations) + 1
            citations.append(replace(cited, n=number_of[cited.paragraph_id]))
        parts.append(f"{region} {other.lead}[{number_of[cited.paragraph_id]}]")
    if not parts:
        return answer
    line = "另据其他报告：" + "；".join(parts) + "。"
    return replace(answer, text=f"{answer.text}\n{line}", citations=citations)
