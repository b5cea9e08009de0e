"""Question -> retrieved paragraphs -> cited answer. Used by the CLI, the web app and the eval.

The KnowledgeBase: the published index (reloaded when an ingest publishes a new version), a
follow-up rewritten, the extractive answer (rag.figures.extractive), then, when a chat model is
set, its answer streamed and verified: the extractive one is shown when the model's fails."""

from __future__ import annotations

import functools
import logging
import math
import re
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import NamedTuple

from ingest.build import publication
from ingest.config import Settings
from ingest.embed import Embedder, EmbedderError, make_embedder
from ingest.search_types import IndexBackendError
from ingest.visible import visible
from rag.answer_types import Answer, Answerer
from rag.evidence.ground import ground
from rag.evidence.retrieve import EVERYTHING, HybridRetriever, RetrievalConfig, SearchFilter, Snapshot
from rag.figures.answer import ExtractiveAnswerer
from rag.figures.extractive import answer_extractively, asks_for_table
from rag.generation.generate import LLMAnswerer
from rag.generation.llm import ChatModel, LLMError, make_chat_model
from rag.generation.points import stream_points
from rag.generation.prompt import Turn
from rag.prose.answer import ProseAnswerer, answer_around, answer_prose
from rag.question.abbreviation import compounds_joined, short_form_written, short_forms, spelled_out
from rag.question.constraints import Asked, read_question
from rag.question.decompose import asks_each
from rag.question.focus import TermWeights
from rag.question.followup import is_followup, rewrite
from rag.question.guess import figure_asked, without_unwanted
from rag.question.kind import prose_kind
from rag.question.spoken_time import full_years, term_as_written

log = logging.getLogger(__name__)
PUBLISHED_RETRY_SECONDS = 30.0  # after PostgreSQL could not say which version is published

DEFAULT_TOP_K = 5
# A list question no part of a report names is answered by one sentence only on clear evidence:
# the figure refusal model's probability at least 0.10, where its calibration refuses 1.8% of the
# answerable dev questions (docs/answering.md), not its own 0.04: a sentence that merely shares a
# word with the question ("债券" for 绿色债券) is no answer to "……有哪些举措?".
FALLBACK_CONFIDENCE = 0.10
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
    # Whose knowledge base it is (ingest.home): its body, and the KB_HOME that matched no report.
    home: str = ""
    home_unmatched: str = ""


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
        self._published = publication.of(settings)
        self._published_retry_at = 0.0  # monotonic time before which the pointer is not read
        # The chat model (if any) is configured before the embedder loads: a bad setting fails fast.
        self.chat = chat if chat is not None else make_chat_model(settings)
        self.embedder = embedder or make_embedder(settings.embedder)
        self.retrieval = retrieval or RetrievalConfig()
        self._answerer = answerer
        self._lock = threading.Lock()
        self._reload_lock = threading.Lock()
        self._retriever: HybridRetriever | None = None
        self._active: Answerer | None = None
        self._prose: ProseAnswerer | None = None
        # Per set of readable documents: the retriever and answerers of that reader's view.
        self._views: dict[frozenset[str], _View] = {}
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
        weights = idf_weights(snapshot)
        answerer = self._answerer or ExtractiveAnswerer(weights=weights, paragraphs=snapshot.paragraphs)
        # A custom answerer (a test's, an experiment's) answers everything as it is given it.
        prose = ProseAnswerer(weights, snapshot.paragraphs) if self._answerer is None else None
        with self._lock:
            self._retriever, self._active, self._prose = retriever, answerer, prose
            self._views = {}

    def view(self, readable: frozenset[str] | None, wait: bool = False) -> _View:
        """The knowledge base as a reader who may read only the `readable` documents sees it
        (None: all of it): its retriever searches only them, its answerers hold only their
        paragraphs, so nothing else can be quoted, listed or counted."""
        retriever, answerer = self.current(wait)
        with self._lock:
            prose = self._prose if self._retriever is retriever else None
            if readable is None:
                return _View(retriever, answerer, prose)
            found = self._views.get(readable) if self._retriever is retriever else None
        if found is not None:
            return found
        snapshot = retriever.snapshot.readable_by(readable)
        own = HybridRetriever(snapshot, self.embedder, self.retrieval)
        weights = idf_weights(snapshot)  # the reader's reports' own term statistics
        # A test's or an experiment's answerer answers from the hits it is given, as it is.
        view = _View(
            own,
            self._answerer or ExtractiveAnswerer(weights=weights, paragraphs=snapshot.paragraphs),
            ProseAnswerer(weights, snapshot.paragraphs) if prose is not None else None,
        )
        with self._lock:
            if self._retriever is retriever:
                if len(self._views) >= _VIEWS_KEPT:
                    self._views.pop(next(iter(self._views)))
                self._views[readable] = view
        return view

    def current(self, wait: bool = False) -> tuple[HybridRetriever, Answerer]:
        """The live retriever and answerer, reloaded once when an ingest published a new
        version. One thread loads it; meanwhile the others go on answering from the version
        loaded before (a large index takes seconds to load), or with `wait` wait for the new one
        (the admin tab, which shows the new report at once)."""
        with self._lock:
            retriever, answerer = self._retriever, self._active
        assert retriever is not None and answerer is not None
        if time.monotonic() < self._published_retry_at:
            return retriever, answerer
        try:
            live = self._published.name()
        except publication.PublicationError as exc:
            # The database is unreachable for now: answer from the loaded version meanwhile, and
            # ask again later rather than wait for its connect timeout at every question.
            log.warning("cannot read the published version: %s", exc)
            self._published_retry_at = time.monotonic() + PUBLISHED_RETRY_SECONDS
            return retriever, answerer
        if live is None or live == retriever.snapshot.version:
            return retriever, answerer
        if not self._reload_lock.acquire(blocking=wait):
            return retriever, answerer
        try:
            with self._lock:
                retriever, answerer = self._retriever, self._active
            assert retriever is not None and answerer is not None
            if retriever.snapshot.version != live:
                try:
                    self.reload()
                except (OSError, ValueError, publication.PublicationError) as exc:
                    # Replaced again while loading, or not downloadable now: keep serving the
                    # loaded one (the next question tries the newest again).
                    log.warning("cannot load version %s: %s", live, exc)
                    return retriever, answerer
            with self._lock:
                assert self._retriever is not None and self._active is not None
                return self._retriever, self._active
        finally:
            self._reload_lock.release()

    @staticmethod
    def _asks_for_points(snapshot: Snapshot, question: str) -> bool:
        """A question asking for a list of points, over reports: a file of passages (.jsonl) has
        no outline to list, and its questions want the one passage that answers; a figure per
        year stays a table."""
        reports = any(d.format != "jsonl" for d in snapshot.documents)
        if not reports or asks_for_table(snapshot, question):
            return False
        # Questions joining a figure and a list ("新建了多少个?……在哪些村?") are answered
        # part by part by the figure answerer; one asking for a list is one question, 和 and all.
        asked = [q for q in re.split(r"[?？]", question) if q.strip()] or [question]
        return all(prose_kind(q) is not None for q in asked)

    @property
    def snapshot(self) -> Snapshot:
        return self.current()[0].snapshot

    def snapshot_for(self, readable: frozenset[str] | None) -> Snapshot:
        """The reports, paragraphs and metadata a reader of only `readable` sees (None: all)."""
        return self.view(readable).retriever.snapshot

    def status(self, readable: frozenset[str] | None = None) -> Status:
        snap = self.snapshot_for(readable)
        return Status(
            documents=len(snap.documents),
            paragraphs=len(snap.paragraphs),
            built_at=float(snap.meta.get("built_at", 0.0)),
            version=snap.version,
            embedder=snap.meta.get("embedder", ""),
            home=snap.home.body if snap.home is not None else "",
            home_unmatched=self.settings.home if self.settings.home and snap.home is None else "",
        )

    def ask(
        self,
        question: str,
        top_k: int = DEFAULT_TOP_K,
        history: Sequence[Turn] = (),
        where: SearchFilter = EVERYTHING,
        readable: frozenset[str] | None = None,
    ) -> Answer:
        """The finished answer (see ask_stream for the steps)."""
        final = None
        for event in self.ask_stream(question, top_k, history, where, readable):
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
        readable: frozenset[str] | None = None,
    ) -> Iterator[Event]:
        """Rewrite a follow-up, retrieve, answer: extractively, or by the configured LLM with
        its tokens streamed and its answer verified (the extractive answer is the fallback).
        `where` restricts the paragraphs searched (reports chosen by the user); `readable` is the
        documents the asking user may read (None: all), enforced in every search."""
        question = _checked(question, top_k)
        started = time.perf_counter()
        retriever, extractive, prose = self.view(readable)
        rewritten = rewrite(question, history, self.chat)
        earlier = None
        if history and is_followup(question):
            # A follow-up keeps the years, places and report of the question it follows.
            earlier = read_question(history[-1].question, retriever.snapshot.regions)
        # A figure the user guesses ("有三千多人吗") is checked, not searched for; a short name
        # ("规上") is asked as the reports write it.
        # "31年" is 2031 where the reports are about 2031; "上届政府任期内" is "过去五年".
        # What the user says is not wanted ("不是累计数") is no part of what is asked.
        asked = without_unwanted(figure_asked(rewritten.question))
        plain = term_as_written(full_years(asked, retriever.snapshot.years))
        searched = _spelled(retriever, plain, where, earlier)
        if searched != question:
            yield Searched(searched)
        if prose is not None and self._asks_for_points(retriever.snapshot, searched):
            # A list of the report's points (rag.prose). When no part of a report names its topic,
            # the figure answerer may still find the sentence (a question worded unlike the
            # report: "会议太多怎么解决" for "文山会海"); else the refusal stands, and no
            # model is asked to try.
            answer = answer_prose(retriever, prose, searched, top_k, where, earlier)
            if answer.refused and not answer.conclusive:
                # Its points are those of the part that sentence stands in; a question about
                # each of its items ("……和……各有什么进展?") keeps one sentence per item.
                each = asks_each(searched)
                sentence = answer_extractively(
                    retriever, extractive, searched, top_k, where, earlier, split=each
                )
                clear = not sentence.refused and sentence.confidence >= FALLBACK_CONFIDENCE
                listed = None
                if clear and not each:
                    listed = answer_around(retriever, prose, searched, sentence, where, earlier)
                answer = listed or (sentence if clear else replace(answer, conclusive=True))
        else:
            answer = answer_extractively(retriever, extractive, searched, top_k, where, earlier)
        if rewritten.error is not None and rewritten.error.unavailable:
            # The model just failed on the rewrite: do not make the user wait for it twice.
            answer = replace(answer, notice=_fallback_notice(rewritten.error))
        elif self.chat is not None and answer.table is None and not answer.refused:
            # The model only rewords what the extractive answerer found. Every refusal stands
            # (no such report, nothing a report names, a figure of another subject, no candidate
            # of the asked type, weak evidence): a model asked anyway answers from unrelated
            # paragraphs ("那2020年呢?"), and passes the figure check with a figure of another
            # indicator that stands in the cited paragraph. Nor for a table: its cells are the
            # single-figure answers of its rows, verified one by one, its summary computed from them.
            paragraphs = retriever.snapshot.paragraphs
            if answer.points:
                # A list of points: the model gets the same gathered evidence, each of its points
                # is checked against its paragraph (rag.generation.points).
                stream = stream_points(self.chat, searched, answer, paragraphs)
            else:
                generator = LLMAnswerer(self.chat, paragraphs, self.settings.llm_context)
                stream = generator.stream(searched, answer)
            try:
                for piece in stream:
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


# Reader views kept per index version: one per distinct set of readable reports (groups' sets).
_VIEWS_KEPT = 32


class _View(NamedTuple):
    """What answers one reader: the retriever and answerers over the reports the reader may read."""

    retriever: HybridRetriever
    answerer: Answerer
    prose: ProseAnswerer | None


# Paragraphs a short name is looked for in (rag.question.abbreviation).
_SPELLING_HITS = 10


def _spelled(retriever: HybridRetriever, question: str, where: SearchFilter, earlier: Asked | None) -> str:
    """The question with its short names written in full, as the paragraphs it retrieves write them."""
    bm25 = retriever.snapshot.bm25
    question = compounds_joined(question, bm25.__contains__) if bm25 is not None else question
    forms = short_forms(question, bm25.__contains__) if bm25 is not None else []
    # The same search the answer starts with (the retriever keeps its ranking).
    texts = [h.paragraph.text for h in ground(retriever, question, _SPELLING_HITS, where, earlier).hits]
    spelled = spelled_out(question, forms, texts) if forms else question
    # The reports may still write a name only short, or only in full ("城铁" asked, "城际铁路"
    # written), whatever other word of the question they never write ("咱们").
    return short_form_written(question, texts) if spelled == question else spelled


def _failure_kind(error: LLMError) -> str:
    cause = error.__cause__
    status = getattr(cause, "status_code", None)
    name = type(cause).__name__ if cause is not None else "LLMError"
    return f"{name}, HTTP {status}" if status else name


def _fallback_notice(error: LLMError) -> str:
    return f"大模型暂时无法回答（{error}），以下为原文摘录答案。"


def _checked(question: str, top_k: int) -> str:
    question = visible(question).strip()  # a direction override would show it backwards
    if not question:
        raise ValueError("问题不能为空")
    if len(question) > MAX_QUESTION_CHARS:
        raise ValueError(f"问题太长（{len(question)} 字），请控制在 {MAX_QUESTION_CHARS} 字以内")
    if top_k < 1:
        raise ValueError("top_k 至少为 1")
    return question
