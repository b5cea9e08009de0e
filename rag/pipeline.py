"""Question -> retrieved paragraphs -> cited answer. Used by the CLI, the web app and the eval."""

from __future__ import annotations

import functools
import logging
import math
import re
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

from ingest import store
from ingest.config import Settings
from ingest.embed import Embedder, EmbedderError, make_embedder
from ingest.metadata import NATIONAL
from ingest.records import Aspect, Paragraph, TimeScope
from ingest.scope import sentence_scope
from ingest.search_types import IndexBackendError
from rag.answer import ExtractiveAnswerer
from rag.answer_types import Answer, Answerer, refusal
from rag.constraints import Asked, read_question, without_constraints
from rag.decompose import split_question
from rag.focus import TermWeights
from rag.followup import is_followup, rewrite
from rag.generate import LLMAnswerer
from rag.glossary import expand
from rag.llm import ChatModel, LLMError, make_chat_model
from rag.merge import merge_answers
from rag.numbers import asks_for_number
from rag.prompt import Turn
from rag.resolution import Resolution, resolve
from rag.retrieve import EVERYTHING, Hit, HybridRetriever, RetrievalConfig, SearchFilter, Snapshot
from rag.series import (
    SeriesAsk,
    covered_years,
    lead_citation,
    read_series,
    tabulate,
    verify_table,
    with_difference,
)
from rag.verify import verify

log = logging.getLogger(__name__)

DEFAULT_TOP_K = 5
# A question is a sentence or two; a pasted document would hold the shared embedder for seconds.
MAX_QUESTION_CHARS = 500


@dataclass(frozen=True)
class Searched:
    """A follow-up was rewritten: this is the question actually searched."""

    question: str


@dataclass(frozen=True)
class Token:
    """A piece of a generated answer, as the model writes it."""

    text: str


@dataclass(frozen=True)
class Final:
    """The finished, verified answer (after any tokens)."""

    answer: Answer


Event = Searched | Token | Final


@dataclass(frozen=True)
class Status:
    documents: int
    paragraphs: int
    built_at: float  # seconds since the epoch
    version: str
    embedder: str


def idf_weights(snapshot: Snapshot) -> TermWeights:
    """BM25's own idf, read from the keyword index (document frequency per term)."""
    bm25 = snapshot.bm25
    if bm25 is None:
        return TermWeights.uniform()
    n_docs = float(bm25.n_docs)

    @functools.lru_cache(maxsize=65536)  # asked for each question term in every sentence weighed
    def idf(term: str) -> float:
        df = bm25.doc_freq(term)  # 0 for a term no chunk holds
        return math.log(1.0 + (n_docs - df + 0.5) / (df + 0.5))

    return TermWeights(idf, bm25.__contains__)


class KnowledgeBase:
    """The published index plus the models that answer from it.

    Reloads by itself when an ingest publishes a new version, so a running web app sees new
    reports without a restart. Thread-safe for concurrent questions."""

    def __init__(
        self,
        settings: Settings,
        embedder: Embedder | None = None,
        retrieval: RetrievalConfig | None = None,
        answerer: Answerer | None = None,
        chat: ChatModel | None = None,
    ) -> None:
        self.settings = settings
        # The chat model (if any) is configured before the embedder loads: a bad setting fails fast.
        self.chat = chat if chat is not None else make_chat_model(settings)
        self.embedder = embedder or make_embedder(settings.embedder)
        self.retrieval = retrieval or RetrievalConfig()
        self._answerer = answerer
        self._lock = threading.Lock()
        self._reload_lock = threading.Lock()
        self._retriever: HybridRetriever | None = None
        self._active: Answerer | None = None
        self.reload()

    def reload(self) -> None:
        snapshot = Snapshot.load(self.settings.index_dir, self.settings)
        built_in = snapshot.meta.get("store", "faiss")
        if built_in != self.settings.store:
            # The index was built for the other backend: answering from it would ignore KB_STORE.
            raise IndexBackendError(
                f"索引建立在 {built_in} 上，当前设置 KB_STORE={self.settings.store}。请运行 kb ingest "
                "按当前设置重建索引（文本的向量取自缓存，不必重新向量化），或改回原来的设置。"
            )
        built_with = snapshot.meta.get("embedder", "")
        if built_with and built_with != self.embedder.name:
            # Questions must be embedded by the model that embedded the paragraphs.
            raise EmbedderError(
                f"索引由向量模型 {built_with} 建立，当前设置为 {self.embedder.name}。"
                "请运行 kb ingest 用当前模型重建索引，或改回原来的模型。"
            )
        retriever = HybridRetriever(snapshot, self.embedder, self.retrieval)
        answerer = self._answerer or ExtractiveAnswerer(
            weights=idf_weights(snapshot), paragraphs=snapshot.paragraphs
        )
        with self._lock:
            self._retriever, self._active = retriever, answerer

    def current(self, wait: bool = False) -> tuple[HybridRetriever, Answerer]:
        """The live retriever and answerer, reloaded once when an ingest published a new
        version. One thread loads it; meanwhile the others go on answering from the version
        loaded before (a large index takes seconds to load), or with `wait` wait for the new one
        (the admin tab, which shows the new report at once)."""
        with self._lock:
            retriever, answerer = self._retriever, self._active
        assert retriever is not None and answerer is not None
        live = store.current_version(self.settings.index_dir)
        if live is None or live.name == retriever.snapshot.version:
            return retriever, answerer
        if not self._reload_lock.acquire(blocking=wait):
            return retriever, answerer
        try:
            with self._lock:
                retriever, answerer = self._retriever, self._active
            assert retriever is not None and answerer is not None
            if retriever.snapshot.version != live.name:
                try:
                    self.reload()
                except (OSError, ValueError):
                    # The version was replaced again while loading: keep serving the loaded one.
                    return retriever, answerer
            with self._lock:
                assert self._retriever is not None and self._active is not None
                return self._retriever, self._active
        finally:
            self._reload_lock.release()

    @property
    def snapshot(self) -> Snapshot:
        return self.current()[0].snapshot

    def status(self) -> Status:
        snap = self.snapshot
        return Status(
            documents=len(snap.documents),
            paragraphs=len(snap.paragraphs),
            built_at=float(snap.meta.get("built_at", 0.0)),
            version=snap.version,
            embedder=snap.meta.get("embedder", ""),
        )

    def ask(
        self,
        question: str,
        top_k: int = DEFAULT_TOP_K,
        history: Sequence[Turn] = (),
        where: SearchFilter = EVERYTHING,
    ) -> Answer:
        """The finished answer (see ask_stream for the steps)."""
        final = None
        for event in self.ask_stream(question, top_k, history, where):
            if isinstance(event, Final):
                final = event.answer
        assert final is not None
        return final

    def ask_stream(
        self,
        question: str,
        top_k: int = DEFAULT_TOP_K,
        history: Sequence[Turn] = (),
        where: SearchFilter = EVERYTHING,
    ) -> Iterator[Event]:
        """Rewrite a follow-up, retrieve, answer: extractively, or by the configured LLM with
        its tokens streamed and its answer verified (the extractive answer is the fallback).
        `where` restricts the paragraphs searched (reports chosen by the user)."""
        question = _checked(question, top_k)
        started = time.perf_counter()
        retriever, extractive = self.current()
        rewritten = rewrite(question, history, self.chat)
        searched = rewritten.question
        if searched != question:
            yield Searched(searched)
        earlier = None
        if history and is_followup(question):
            # A follow-up keeps the years, places and report of the question it follows.
            earlier = read_question(history[-1].question, retriever.snapshot.regions)
        answer = self._extractive(retriever, extractive, searched, top_k, where, earlier)
        if rewritten.error is not None and rewritten.error.unavailable:
            # The model just failed on the rewrite: do not make the user wait for it twice.
            answer = replace(answer, notice=_fallback_notice(rewritten.error))
        elif self.chat is not None and answer.table is None and not (answer.refused and answer.conclusive):
            # Refused on the evidence (too weak, or only other years' reports): no model is asked,
            # it would only be tempted to answer from unrelated paragraphs ("那2020年呢?").
            # Nor for a table: its cells are the single-figure answers of its rows, verified one by one,
            # and its summary is computed from them.
            generator = LLMAnswerer(self.chat, retriever.snapshot.paragraphs, self.settings.llm_context)
            try:
                for piece in generator.stream(searched, answer):
                    if isinstance(piece, str):
                        yield Token(piece)
                    else:
                        answer = piece
            except LLMError as exc:
                # The kind of failure only: a server's message may quote the prompt (report text
                # and the question), which stays out of the logs; the user sees it in the notice.
                log.warning("LLM answer failed (%s), using the extractive one", _failure_kind(exc))
                answer = replace(answer, notice=_fallback_notice(exc))
            except Exception as exc:  # a client-library failure must not cost the user the answer
                log.error("LLM answer failed unexpectedly (%s)", type(exc).__name__)
                log.debug("LLM failure", exc_info=True)
                answer = replace(answer, notice=_fallback_notice(LLMError(type(exc).__name__)))
        answer.question = question
        answer.searched = searched if searched != question else ""
        answer.latency_ms = (time.perf_counter() - started) * 1000
        yield Final(answer)

    def _extractive(
        self,
        retriever: HybridRetriever,
        answerer: Answerer,
        question: str,
        top_k: int,
        where: SearchFilter,
        earlier: Asked | None = None,
    ) -> Answer:
        plain = _without_markup(question)
        series = read_series(plain, retriever.snapshot.regions)
        if series is not None and _knows_rows(retriever.snapshot, series):
            return self._table(retriever, answerer, series, top_k, where, earlier)
        parts = split_question(plain)
        answers = [(part, self._part(retriever, answerer, part, top_k, where, earlier)) for part in parts]
        if len(parts) == 1:
            answer = answers[0][1]
            answer.retrieved = answer.retrieved[:top_k]
        else:
            answer = merge_answers(question, answers, top_k)
        sources = _sources(retriever, answer)
        # Extractive answers quote whole sentences under one marker: checked run by run.
        text = "" if answer.refused else answer.text
        answer.verification = verify(text, sources, question=question, by_citation=True)
        return answer

    def _part(
        self,
        retriever: HybridRetriever,
        answerer: Answerer,
        part: str,
        top_k: int,
        where: SearchFilter,
        earlier: Asked | None,
    ) -> Answer:
        """One question's answer under its constraints; for a year's figure with no word for
        target or result, what happened that year is tried before the plan."""
        grounded = ground(retriever, part, max(top_k, 5), where, earlier)
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
        return answerer.answer(part, grounded.hits, grounded.asked, resolution)

    def _table(
        self,
        retriever: HybridRetriever,
        answerer: Answerer,
        series: SeriesAsk,
        top_k: int,
        where: SearchFilter,
        earlier: Asked | None,
    ) -> Answer:
        """A figure per year or report: each row asked as its own question (rag.series). Rows
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
            return self._part(retriever, answerer, prefix + series.row_question(key), top_k, where, earlier)

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
            direct = self._part(retriever, answerer, series.question, top_k, where, earlier)
            if not direct.refused and direct.lead:
                answer = with_difference(direct, answer)
        answer.verification = verify_table(answer, _sources(retriever, answer), series.question)
        return answer


@dataclass(frozen=True)
class Grounded:
    """A question part resolved against the knowledge base: its constraints, what they mean
    here, the text searched and the paragraphs retrieved under them."""

    asked: Asked
    resolution: Resolution
    hits: list[Hit]
    search: str


def ground(
    retriever: HybridRetriever, part: str, top_k: int, where: SearchFilter, earlier: Asked | None = None
) -> Grounded:
    """Read the part's constraints (a follow-up's from the question before it too), resolve
    them against the loaded reports and retrieve under the resulting filter; the constraints a
    filter enforces are left out of the searched text. The answerers and the refusal
    calibration (eval.calibrate) see the same evidence through this one function."""
    snapshot = retriever.snapshot
    asked = read_question(part, snapshot.regions)
    if earlier is not None:
        asked = asked.inherit(earlier)
    resolution = resolve(asked, snapshot.metas, snapshot.paragraphs, where)
    search = part if resolution.missing else without_constraints(part, asked, resolution.applied)
    bm25 = snapshot.bm25
    search = expand(search, bm25.__contains__ if bm25 is not None else lambda _term: False)
    return Grounded(
        asked, resolution, retriever.retrieve(search, top_k=top_k, where=resolution.where), search
    )


def _knows_rows(snapshot: Snapshot, series: SeriesAsk) -> bool:
    """A table across years needs reports of several years (across places, of several places):
    then the year (place) each paragraph is about is known. One report, or a file of passages,
    is answered part by part as before (rag.decompose)."""
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
    for p in snapshot.paragraphs.values():
        meta = snapshot.metas.get(p.doc_id)
        if meta is not None and resolution.where.allows(p):
            grouped.setdefault(meta.region, []).append((meta.year, p.scope))
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


def _sources(retriever: HybridRetriever, answer: Answer) -> dict[int, Paragraph]:
    paragraphs = retriever.snapshot.paragraphs
    return {c.n: paragraphs[c.paragraph_id] for c in answer.citations if c.paragraph_id in paragraphs}


def _failure_kind(error: LLMError) -> str:
    cause = error.__cause__
    status = getattr(cause, "status_code", None)
    name = type(cause).__name__ if cause is not None else "LLMError"
    return f"{name}, HTTP {status}" if status else name


def _fallback_notice(error: LLMError) -> str:
    return f"大模型暂时无法回答（{error}），以下为原文摘录答案。"


# An HTML tag pasted with a question ("<span>…</span>" from a web page) is no word of it.
_MARKUP = re.compile(r"</?[A-Za-z][^<>]{0,200}>")


def _without_markup(question: str) -> str:
    return _MARKUP.sub(" ", question).strip() or question


def _checked(question: str, top_k: int) -> str:
    question = (question or "").strip()
    if not question:
        raise ValueError("问题不能为空")
    if len(question) > MAX_QUESTION_CHARS:
        raise ValueError(f"问题太长（{len(question)} 字），请控制在 {MAX_QUESTION_CHARS} 字以内")
    if top_k < 1:
        raise ValueError("top_k 至少为 1")
    return question
