"""A question's extractive answer over the live index: split into parts (rag.question.decompose)
or into the rows of a table (rag.figures.series), each part grounded (its constraints read and
resolved against the loaded reports, then retrieval under the resulting filter) and answered by
the answerer, the result checked (rag.generation.verify). The KnowledgeBase (rag.pipeline) runs
this before any LLM."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import replace

import numpy as np

from ingest.metadata import NATIONAL
from ingest.paragraph_store import mentioning
from ingest.records import Aspect, Paragraph, TimeScope
from ingest.scope import sentence_scope
from rag.answer_types import Answer, Answerer, refusal
from rag.evidence.ground import Grounded, ground
from rag.evidence.retrieve import HybridRetriever, SearchFilter, Snapshot
from rag.figures import others
from rag.figures.lead import asks_level_set, change_of_another, clause_names_indicator, names_indicator
from rag.figures.merge import merge_answers
from rag.figures.numbers import asks_for_number
from rag.figures.series import (
    ASKS_PLAN,
    SeriesAsk,
    covered_years,
    is_a_level,
    lead_citation,
    read_series,
    tabulate,
    verify_table,
    with_difference,
)
from rag.figures.table import Table, computed_difference
from rag.generation.verify import verify
from rag.question.abbreviation import short_form_written
from rag.question.constraints import Asked, read_question
from rag.question.decompose import split_question
from rag.question.resolution import resolve
from rag.records import REFUSAL_TEXT


def answer_extractively(
    retriever: HybridRetriever,
    answerer: Answerer,
    question: str,
    top_k: int,
    where: SearchFilter,
    earlier: Asked | None = None,
    split: bool = True,
) -> Answer:
    """The extractive answer to `question`: a table when it asks for a figure per year or place
    and the loaded reports have several, else its parts answered and merged (`split`: a
    question asking for a list is one topic, 和 and all); then checked."""
    plain = without_markup(question)
    series = read_series(plain, retriever.snapshot.regions)
    if series is not None and _knows_rows(retriever.snapshot, series):
        return answer_table(retriever, answerer, series, top_k, where, earlier)
    snapshot = retriever.snapshot
    docs = frozenset(snapshot.metas) if where.docs is None else where.docs
    parts = (
        split_question(plain, lambda joined: bool(mentioning(snapshot.paragraphs, docs, joined)))
        if split
        else [plain]
    )
    answers = [(part, answer_part(retriever, answerer, part, top_k, where, earlier)) for part in parts]
    if len(parts) == 1:
        answer = answers[0][1]
        answer.retrieved = answer.retrieved[:top_k]
    else:
        answer = merge_answers(question, answers, top_k)
    cited = sources(retriever, answer)
    # Extractive answers quote whole sentences under one marker: checked run by run.
    text = "" if answer.refused else answer.text
    answer.verification = verify(text, cited, question=question, by_citation=True)
    return answer


# Paragraphs a name written only short is looked for in (rag.question.abbreviation).
SHORT_FORM_HITS = 10


def answer_part(
    retriever: HybridRetriever,
    answerer: Answerer,
    part: str,
    top_k: int,
    where: SearchFilter,
    earlier: Asked | None,
    home_first: bool = True,
) -> Answer:
    """One question's answer under its constraints; for a year's figure with no word for
    target or result, what happened that year is tried before the plan. A question naming no
    place or report is answered from the home body's reports first, and other bodies' figures
    for the same year are named in one line (rag.figures.others)."""
    grounded = ground(retriever, part, max(top_k, 5), where, earlier)
    # A row of a table is its own search: the year's report may write the name only short.
    # (A wider look than the answer's own: the retriever keeps the ranking, so it costs little.)
    wider = ground(retriever, part, max(top_k, SHORT_FORM_HITS), where, earlier).hits
    spelled = short_form_written(part, [h.paragraph.text for h in wider])
    if spelled != part:
        part, grounded = spelled, ground(retriever, spelled, max(top_k, 5), where, earlier)
    snapshot = retriever.snapshot
    # Figures only: a sentence looked for to answer a list question (rag.prose's fallback) is
    # judged against the whole knowledge base, whose other paragraphs its confidence is fitted on.
    figure = asks_for_number(part)
    home = others.applies(snapshot, grounded.asked, where.docs) if home_first and figure else None
    if home is None:
        return _answer_grounded(retriever, answerer, part, top_k, grounded)

    def within(docs: frozenset[str]) -> Answer:
        # By paragraphs, not as a choice of reports: the question's year still narrows them.
        only = where.narrowed(SearchFilter(paragraphs=snapshot.paragraphs_of(docs)))
        return answer_part(retriever, answerer, part, top_k, only, earlier, home_first=False)

    at_home = within(home.docs)
    asked_years = grounded.asked.years
    uncovered = asked_years and not others.covers(snapshot, home.docs, asked_years)
    if at_home.refused and uncovered and others.covers(snapshot, frozenset(snapshot.metas), asked_years):
        # The question names no body, and none of the home's reports is about the year asked
        # (no report at all is: the usual refusal says so, listing the reports there are).
        # One other body stating the figure is the one the question is about (a thing only its
        # report names); several are each their own: named, none given as the answer.
        found = [
            (region, within(docs)) for region, docs in others.other_regions(snapshot, at_home, grounded.asked)
        ]
        stated = [answer for _region, answer in found if not answer.refused and answer.lead]
        if len(stated) == 1:
            return stated[0]
        return others.home_lacks_year(part, home, asked_years, found, at_home)
    if at_home.refused:
        # The home's reports cover the time asked but state no such figure: several other
        # bodies' figures are each their own, named, none taken for the home's. So is one
        # other body's, when the home's reports name the same indicator without that figure:
        # the home's own figure is what is asked (a thing only the other names is the other's).
        found = [
            (region, within(docs))
            for region, docs in others.other_regions(snapshot, at_home, grounded.asked, home)
        ]
        given = sum(1 for _region, answer in found if not answer.refused and answer.lead)
        home_texts = (snapshot.paragraphs[p].text for p, _s in at_home.retrieved if p in snapshot.paragraphs)
        if given >= 2 or (given == 1 and any(names_indicator(part, text) for text in home_texts)):
            return others.home_lacks_figure(part, home, found, at_home)
    answer = at_home if not at_home.refused else _answer_grounded(retriever, answerer, part, top_k, grounded)
    if answer.refused or not answer.lead:
        return answer
    found = [
        (region, within(docs)) for region, docs in others.other_regions(snapshot, answer, grounded.asked)
    ]
    return others.with_others(answer, found)


def _answer_grounded(
    retriever: HybridRetriever, answerer: Answerer, part: str, top_k: int, grounded: Grounded
) -> Answer:
    resolution = grounded.resolution
    if resolution.missing:
        # No loaded report is about that year or place: say so, with the closest paragraphs.
        return refusal(part, grounded.hits, reason=resolution.missing)
    if resolution.preferred is not None and asks_for_number(part):
        first = replace(resolution, where=resolution.preferred)
        hits = retriever.retrieve(grounded.search, top_k=max(top_k, 5), where=first.where)
        answer = answerer.answer(part, hits, grounded.asked, first)
        if not answer.refused:
            return answer
        plan = answerer.answer(part, grounded.hits, grounded.asked, resolution)
        return _no_plan_for_an_outcome(retriever, answerer, part, grounded, plan, top_k)
    return answerer.answer(part, grounded.hits, grounded.asked, resolution)


_YEAR_ASKED = re.compile(r"(?:19|20)\d{2}\s*年(?:的|度)?")


def _no_plan_for_an_outcome(
    retriever: HybridRetriever, answerer: Answerer, part: str, grounded: Grounded, plan: Answer, top_k: int
) -> Answer:
    """A year the reports review, asked without 目标 or 实际, whose only figure is its plan's: when
    the reports state this indicator as an outcome for other years, the question asks what
    happened, and the plan is no answer ("2030年物价涨幅" is not the plan's "涨幅2.5%左右"). A figure only
    ever planned (a budget's deficit) is answered by the plan, said as such."""
    years = grounded.asked.years
    if plan.refused or not plan.lead or len(years) != 1 or not plan.citations or asks_level_set(part):
        return plan  # "提高到多少": a level a plan sets (a standard, a quota) is asked as the plan's
    snapshot = retriever.snapshot
    cited = snapshot.paragraphs.get(plan.citations[0].paragraph_id)
    if cited is None or cited.scope.aspects_of(years[0]) != {Aspect.TARGET}:
        return plan
    undated = _YEAR_ASKED.sub("", part)
    elsewhere = ground(retriever, undated, max(top_k, 5), SearchFilter(paragraphs=snapshot.outcomes()), None)
    outcome = answerer.answer(undated, elsewhere.hits, elsewhere.asked, elsewhere.resolution)
    said = outcome.citations[0].sentence if outcome.citations else ""
    if outcome.refused or not outcome.lead or not clause_names_indicator(undated, said, outcome.lead):
        return plan
    first = [h for h in grounded.hits if h.paragraph.paragraph_id == cited.paragraph_id]
    hits = first + [h for h in grounded.hits if h not in first]
    year = years[0]
    reason = f"知识库中没有找到{year}年的实际数字，报告只给出了{year}年的目标。"
    return refusal(part, hits, reason=reason)


def answer_table(
    retriever: HybridRetriever,
    answerer: Answerer,
    series: SeriesAsk,
    top_k: int,
    where: SearchFilter,
    earlier: Asked | None,
) -> Answer:
    """A figure per year or report: each row asked as its own question (rag.figures.series). Rows
    by year keep to one issuing region when the question names none: a national series is
    not continued by a province's figure for a year the national reports lack."""
    snapshot = retriever.snapshot
    asked = read_question(series.template.replace("{}", ""), snapshot.regions)
    free = series.by == "year" and not asked.regions and asked.report is None and where.docs is None
    region = ""
    covered: list[int] = []
    if series.relative:
        by_region = covered_by_region(snapshot, asked, where)
        if by_region:
            region = max(by_region, key=lambda r: (len(by_region[r]), r == NATIONAL, r))
            covered = by_region[region]
    keys = series.keys(covered)
    if not keys:
        return refusal(series.question, [], reason="知识库中没有找到涉及这些年份的报告。")

    def ask_row(key: str, home: str) -> Answer:
        prefix = _as_place(home) if free and home else ""
        # The table keeps to one place by its own rule (below): no home-first, no "others" line.
        row = prefix + series.row_question(key)
        return answer_part(retriever, answerer, row, top_k, where, earlier, home_first=False)

    answers = {key: ask_row(key, region) for key in keys}
    if free and not region:
        homes = {k: h for k, a in answers.items() if (h := _home(snapshot, a))}
        if len(set(homes.values())) > 1:
            counts = Counter(homes.values())
            region = max(counts, key=lambda r: (counts[r], r == NATIONAL, r))
            answers |= {k: ask_row(k, region) for k, h in homes.items() if h != region}
    # Whether each row's figure is a plan's or an outcome (said beside it when they differ).
    kinds = {k: a for k, found in answers.items() if (a := row_aspect(snapshot, found, k, series))}
    rows = [(key, answers[key]) for key in keys]
    answer = tabulate(series, rows, top_k, kinds)
    if series.difference:
        # "…比2011年多了多少": reports often state the difference; it answers, the rows follow.
        direct = answer_part(retriever, answerer, series.question, top_k, where, earlier)
        stated = not direct.refused and direct.lead and not is_a_level(direct.lead, answer.table)
        cited = lead_citation(direct) if stated else None
        if cited is not None and keys:
            # Of the rows' indicator, not of another the sentence states beside it.
            stated = not change_of_another(series.row_question(keys[-1]), cited.sentence, direct.lead)
        if stated and not _a_plans_change(snapshot, direct, kinds, series):
            answer = with_difference(direct, answer)
        elif answer.table is None or not _computable(answer.table, series.question):
            # Neither stated nor computable: the difference asked is not in the reports (nor is
            # it between a plan's figure and an outcome, or figures of two units).
            none = refusal(series.question, [])
            if direct.refused:
                none = replace(direct, question=series.question)  # its reason and 可能相关
            if answer.table is not None and answer.table.mixed and none.text.startswith(REFUSAL_TEXT):
                # Say why: one year's figure is a plan's, the other's an outcome.
                said = "、".join(f"{r.key}的是{r.aspect}数" for r in answer.table.filled)
                reason = f"知识库中找到的数字{said}，两者不能直接相减，报告也没有给出差值。"
                none = replace(none, text=reason + none.text[len(REFUSAL_TEXT) :])
            none.verification = verify("", {}, question=series.question, by_citation=True)
            return none
    answer.verification = verify_table(answer, sources(retriever, answer), series.question)
    return answer


def _a_plans_change(
    snapshot: Snapshot, direct: Answer, kinds: Mapping[str, Aspect], series: SeriesAsk
) -> bool:
    """The change stated is a plan's ("预期目标比去年多2000人") while both rows are outcomes and
    the question asks no plan: it is not the change asked (the rows' difference is computed)."""
    if series.by != "year" or ASKS_PLAN.search(series.question) or not series.years:
        return False
    later = str(max(series.years))
    rows = [kinds.get(str(y)) for y in series.years]
    return (
        all(k is Aspect.RESULT for k in rows) and row_aspect(snapshot, direct, later, series) is Aspect.TARGET
    )


def _computable(table: Table, question: str) -> bool:
    """Two figures of one unit, both plans or both outcomes, unless the question itself sets a
    plan against an outcome ("今年的目标比去年实际多多少": the rows then say which is which)."""
    if len(table.filled) != 2 or (table.mixed and not ASKS_PLAN.search(question)):
        return False
    return table.mixed or bool(computed_difference(table.filled))


def asks_for_table(snapshot: Snapshot, question: str) -> bool:
    """Whether the question asks for a figure per year or place and the loaded reports have
    several (it is then answered as a table, rag.figures.series)."""
    series = read_series(without_markup(question), snapshot.regions)
    return series is not None and _knows_rows(snapshot, series)


def _knows_rows(snapshot: Snapshot, series: SeriesAsk) -> bool:
    """A table across years needs reports of several years (across places, of several places):
    then the year (place) each paragraph is about is known. One report, or a file of passages,
    is answered part by part as before (rag.question.decompose)."""
    metas = snapshot.metas.values()
    if series.by == "year":
        return len({m.year for m in metas if m.year is not None}) > 1
    return len({m.region for m in metas if m.region}) > 1


def covered_by_region(snapshot: Snapshot, asked: Asked, where: SearchFilter) -> dict[str, list[int]]:
    """For each issuing region, the years its reports hold the asked kind of figure for
    (targets for a question about targets, results otherwise): "近五年" ends at the last."""
    resolution = resolve(asked, snapshot.metas, snapshot.paragraphs, where)
    # As worded: a target or a result; a question that says neither ("专项债券规模") takes
    # whichever the reports hold, so the span ends at the last year of either.
    if asked.aspect is not None or asked.lean is not None:
        aspects = {asked.leaning}
    else:
        aspects = {Aspect.TARGET, Aspect.RESULT}
    grouped: dict[str, list[tuple[int | None, TimeScope]]] = {}
    table = snapshot.paragraphs.table()
    rows = table.allowed(resolution.where)
    # Each (report, scope) pair once: the years covered are a union over them.
    pairs = np.unique(table.doc[rows].astype(np.int64) * len(table.scopes) + table.scope[rows])
    for doc, scope in zip(*np.divmod(pairs, max(1, len(table.scopes))), strict=True):
        meta = snapshot.metas.get(table.doc_ids[int(doc)])
        if meta is not None:
            grouped.setdefault(meta.region, []).append((meta.year, table.scopes[int(scope)]))
    found = {region: covered_years(pairs, aspects) for region, pairs in grouped.items()}
    return {region: years for region, years in found.items() if years}


def row_aspect(snapshot: Snapshot, answer: Answer, key: str, series: SeriesAsk) -> Aspect | None:
    """Whether a row's figure is a target or a result for its year, as its sentence says."""
    cited = lead_citation(answer)
    paragraph = snapshot.paragraphs.get(cited.paragraph_id) if cited is not None else None
    year = int(key) if series.by == "year" else paragraph.meta.year if paragraph and paragraph.meta else None
    if cited is None or paragraph is None or year is None:
        return None
    scope = sentence_scope(paragraph, *cited.span) if cited.span is not None else paragraph.scope
    aspects = scope.aspects_of(year) & {Aspect.TARGET, Aspect.RESULT}
    return aspects.pop() if len(aspects) == 1 else None


def _home(snapshot: Snapshot, answer: Answer) -> str:
    """The issuing region of the report an answer's figure comes from ("" when unknown)."""
    cited = lead_citation(answer)
    paragraph = snapshot.paragraphs.get(cited.paragraph_id) if cited is not None else None
    meta = snapshot.metas.get(paragraph.doc_id) if paragraph is not None else None
    return meta.region if meta is not None else ""


def _as_place(region: str) -> str:
    """How a row's question names its region: "全国2016年…", "四川省2016年…"."""
    return "全国" if region == NATIONAL else region


def sources(retriever: HybridRetriever, answer: Answer) -> dict[int, Paragraph]:
    """Citation number -> the paragraph it names, for the checks."""
    paragraphs = retriever.snapshot.paragraphs
    return {c.n: paragraphs[c.paragraph_id] for c in answer.citations if c.paragraph_id in paragraphs}


# An HTML tag pasted with a question ("<span>…</span>" from a web page) is no word of it.
_MARKUP = re.compile(r"</?[A-Za-z][^<>]{0,200}>")


def without_markup(question: str) -> str:
    return _MARKUP.sub(" ", question).strip() or question
