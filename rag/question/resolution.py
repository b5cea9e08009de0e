"""What a question's constraints (rag.question.constraints) mean for the documents actually
loaded: a filter on what retrieval may return (a narrower one to try first), or a plain statement
that no report covers the question ("知识库中没有2020年的政府工作报告")."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

import numpy as np

from ingest.metadata import NATIONAL, short_region
from ingest.paragraph_store import mentioning, scope_table
from ingest.records import Aspect, DocKind, DocumentMeta, Paragraph, TimeScope
from rag.evidence.retrieve import SearchFilter
from rag.question.constraints import Asked, ReportRef, congress_alias


@dataclass(frozen=True)
class Resolution:
    """What a question's constraints mean for this knowledge base."""

    where: SearchFilter  # what retrieval may return
    missing: str = ""  # why no report can answer ("知识库中没有…"), or ""
    mentions: tuple[str, ...] = ()  # place names an answer's sentence has to mention
    applied: frozenset[str] = frozenset()  # constraints the filter enforces: years/regions/report
    # A narrower filter to try first: for a year's figure with no word for target or result,
    # the paragraphs about what happened (the plan's figure only when they have none).
    preferred: SearchFilter | None = None


def _same_place(place: str, region: str) -> bool:
    """Whether a report's place (`place`, "" when unknown) is the `region` asked about."""
    if region == NATIONAL:
        return place == NATIONAL
    return bool(place) and (place == region or short_region(place) == short_region(region))


def _matches_report(meta: DocumentMeta, doc_id: str, ref: ReportRef) -> bool:
    if ref.year is not None and meta.year != ref.year:
        return False
    if ref.kind is not None and meta.kind is not ref.kind:
        return False
    if ref.region and not _same_place(meta.region, ref.region):
        return False
    names = f"{meta.title} {doc_id} {congress_alias(meta.title)} {meta.body}"
    return not ref.words or ref.words in names


def resolve(
    asked: Asked,
    metas: Mapping[str, DocumentMeta],
    paragraphs: Mapping[str, Paragraph],
    chosen: SearchFilter,
) -> Resolution:
    """The filter for `asked` over the loaded documents, within what the user `chosen`; or why
    nothing loaded can answer it. Documents without a year (passage files) are never ruled out
    by a year: only what is known is used."""
    docs = set(metas) if chosen.docs is None else set(chosen.docs) & set(metas)
    where = chosen
    applied: set[str] = set()
    # Only what the loaded documents are known by constrains: a knowledge base of passages
    # (no kinds, no places) answers "上海漫唐堂…" or "谁的报告…" from its text alone.
    typed = any(m.kind is not DocKind.OTHER or m.year is not None for m in metas.values())
    regional = any(m.region for m in metas.values())
    # Within reports the user chose, what is missing is missing from the choice.
    where_said = "所选的报告中" if chosen.docs is not None else "知识库中"
    if asked.report is not None and typed:
        named = {d for d in docs if _matches_report(metas[d], d, asked.report)}
        if not named:
            return Resolution(chosen, f"{where_said}没有《{asked.report.text}》。")
        docs = named
        applied.add("report")
    mentions: list[str] = []
    for region in asked.regions[:1] if regional else ():
        # Decided once per distinct place (a province holds thousands of reports, of few places).
        places = {p for p in {m.region for m in metas.values()} if _same_place(p, region)}
        own = {d for d in docs if metas[d].region in places}
        if own:
            docs = own
            applied.add("regions")
        elif region != NATIONAL:
            # No report of that place: only what other reports say about it, in so many words.
            mentions.append(short_region(region))
    if docs != set(metas):
        where = where.narrowed(SearchFilter(docs=frozenset(docs)))
    if mentions:
        about = mentioning(paragraphs, frozenset(docs), mentions[0])
        if not about:
            return Resolution(where, f"{where_said}没有{asked.regions[0]}的报告。", tuple(mentions))
        where = where.narrowed(SearchFilter(paragraphs=about))
    preferred = None
    if asked.years and chosen.docs is None:
        allowed, results, missing = _by_years(asked, docs, metas, paragraphs, where)
        if missing and mentions:
            # A place without a report of its own: that is what is missing, whatever the year.
            return Resolution(where, f"知识库中没有{asked.regions[0]}的报告。", tuple(mentions))
        if missing:
            return Resolution(where, missing, tuple(mentions))
        if allowed is not None:
            if results is not None:
                preferred = where.narrowed(SearchFilter(paragraphs=results))
            where = where.narrowed(SearchFilter(paragraphs=allowed))
            applied.add("years")
    if preferred is None and not asked.years and asked.aspect is Aspect.RESULT and chosen.docs is None:
        # "去年新建了多少", "实际完成多少": what happened, said with no year. A review's paragraphs
        # are looked at first; a plan's figures for the same thing rank high otherwise.
        preferred = _outcomes_first(paragraphs, docs, where)
    return Resolution(where, "", tuple(mentions), frozenset(applied), preferred)


def _outcomes_first(
    paragraphs: Mapping[str, Paragraph], docs: set[str], where: SearchFilter
) -> SearchFilter | None:
    """Within `where`, the paragraphs stating what happened in a year; None when that narrows
    nothing (every paragraph does, or none)."""
    table = scope_table(paragraphs)
    rows = table.in_documents(docs) & table.allowed(where)
    stated = table.of_scopes(TimeScope.states_a_result)
    ids = table.ids_where(rows & stated[table.scope])
    if not ids or ids == table.ids_where(rows):
        return None
    return where.narrowed(SearchFilter(paragraphs=ids))


def _fits(aspects: set[Aspect], aspect: Aspect | None, span: bool, ends: bool = False) -> bool:
    """Whether a paragraph speaking about a year as `aspects` can answer for it: as asked (a
    plain target question never gets a result, and the other way round). A multi-year review
    answers a question about several years (`span`), or about the year it `ends` with: a
    change from one level to another over the five years ends at that year's level
    ("森林覆盖率从41.2%提高到43.6%"); its totals and averages are told apart by rag.figures.lead."""
    if not span and not (ends and aspect is not Aspect.TARGET):  # a review holds no targets
        aspects = aspects - {Aspect.PERIOD}
    if not aspects:
        return False
    if aspect is None:
        return True
    return aspect in aspects or bool(aspects & {Aspect.MENTION, Aspect.PERIOD})


def _by_years(
    asked: Asked,
    docs: set[str],
    metas: Mapping[str, DocumentMeta],
    paragraphs: Mapping[str, Paragraph],
    where: SearchFilter,
) -> tuple[AbstractSet[str] | None, AbstractSet[str] | None, str]:
    """Paragraphs that speak about an asked year (as asked: result or target), those among them
    to try first, or why no report covers the year. Among dated reports, an undated document
    speaks about the years it names."""
    if not any(metas[d].year is not None for d in docs):
        return None, None, ""
    # Asked of every paragraph at once: per distinct time scope (a million paragraphs share a
    # few hundred), then spread to the paragraphs only for what the decision below needs.
    table = scope_table(paragraphs)
    rows = table.in_documents(docs) & table.allowed(where)
    span = len(asked.years) >= 3  # "2031年到2035年…": a range, which a multi-year review may answer
    single = len(asked.years) == 1
    allowed_s = np.zeros(len(table.scopes), dtype=bool)
    results_s = allowed_s.copy()  # a year's result or mention: not a plan's, not a five-year aggregate
    held: list[tuple[int, dict[Aspect, np.ndarray]]] = []  # per year: per aspect, which scopes hold it
    for year in asked.years:

        def fits(scope: TimeScope, year: int = year) -> bool:
            ends = single and _period_ends(scope, year)
            return _fits(scope.aspects_of(year), asked.aspect, span, ends=ends)

        said = [s.aspects_of(year) for s in table.scopes]
        holds = {a: np.fromiter((a in x for x in said), bool, len(said)) for a in Aspect}
        allowed_s |= table.of_scopes(fits)
        results_s |= holds[Aspect.RESULT] | holds[Aspect.MENTION]
        held.append((year, holds))
    allowed_ids = table.ids_where(rows & allowed_s[table.scope])
    if not allowed_ids:
        here = table.counts(rows)  # per scope: how many of these paragraphs have it
        seen = Counter({a: sum(int(here[h[a]].sum()) for _y, h in held) for a in Aspect})
        dated = {d for d in docs if metas[d].year is not None}
        return None, None, _no_report_for(asked, [metas[d] for d in dated], seen)
    if span and asked.aspect is not Aspect.TARGET:
        # whole: reviews the whole span asked ("十二五期间": 2011–2015)
        whole_s = table.of_scopes(lambda s: all(Aspect.PERIOD in s.aspects_of(y) for y in asked.years))
        whole_ids = table.ids_where(rows & whole_s[table.scope])
        if whole_ids and whole_ids != allowed_ids:
            # A span's totals and averages are stated where the span is reviewed as one.
            return allowed_ids, whole_ids, ""
    # Nothing says target or result: what happened is looked for first, the plan only after.
    if asked.aspect is None and asked.leaning is Aspect.RESULT:
        results_ids = table.ids_where(rows & results_s[table.scope])
        if results_ids and results_ids != allowed_ids:
            return allowed_ids, results_ids, ""
    # A year's target is set in that year's report; a plan of several years ("十三五") or a
    # later report's mention of it is looked at only when that report has none.
    if asked.leaning is Aspect.TARGET and single:
        ((year, holds),) = held
        of_year = np.fromiter((metas[d].year == year if d in metas else False for d in table.doc_ids), bool)
        own_ids = table.ids_where(rows & holds[Aspect.TARGET][table.scope] & of_year[table.doc])
        if own_ids and own_ids != allowed_ids:
            return allowed_ids, own_ids, ""
    return allowed_ids, None, ""


def _period_ends(scope: TimeScope, year: int) -> bool:
    """The paragraph reviews several years, the last of them `year` (过去五年, up to last year)."""
    period = [y for y, a in scope.years if a is Aspect.PERIOD]
    return len(period) > 1 and max(period) == year


def _no_report_for(asked: Asked, dated: Sequence[DocumentMeta], seen: Counter[Aspect]) -> str:
    """ "知识库中没有2020年的政府工作报告。", said as precisely as the documents allow."""
    kinds = Counter(m.kind for m in dated)
    kind = kinds.most_common(1)[0][0]
    kind_name = "报告" if kind is DocKind.OTHER else kind.value
    place = asked.regions[0] if asked.regions and asked.regions[0] != NATIONAL else ""
    years = "、".join(f"{y}年" for y in asked.years)
    titles = sorted({m.title for m in dated})
    have = "、".join(titles[:6]) + (f"等 {len(titles)} 份" if len(titles) > 6 else "")
    if asked.aspect is Aspect.RESULT and seen[Aspect.TARGET]:
        follow = (
            f"{asked.years[-1] + 1}年的{kind_name}"
            if kind is DocKind.GOVERNMENT_WORK_REPORT
            else "相应的报告"
        )
        return f"知识库中只有{place}{years}的目标，没有回顾{place}{years}实际情况的报告（应在{follow}中）。"
    if asked.aspect is Aspect.TARGET and seen[Aspect.RESULT]:
        return f"知识库中只有{place}{years}的实际情况，没有提出{place}{years}目标的报告。"
    return f"知识库中没有{place}{years}的{kind_name}（现有：{have}）。"
