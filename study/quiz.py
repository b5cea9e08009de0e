"""Rounds of questions for one user: what to ask next, and what an answer does to their record.

The question bank is generated from the live index version and regenerated when an ingest
publishes a new one. A round takes, in this order: questions answered wrong (oldest first), other
questions due for review, questions never asked (in an order fixed per user, so two users do
not march through the report identically), and finally the ones due soonest. A fact appears at
most once per round, whether as a free question or as a choice.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ingest import store
from ingest.paragraph_store import ParagraphStore
from ingest.records import Paragraph
from study.bank import generate
from study.grade import Grade, grade
from study.progress import ProgressStore, Review, SectionStats, check_user, weak_sections
from study.questions import Question, digest

ALL = ""
# Quizzes kept per set of readable reports (one per group combination in practice).
_READERS_KEPT = 32
DEFAULT_ROUND = 10
MAX_ROUND = 50


class IndexView(Protocol):
    """What the quiz needs of an index version (`rag.evidence.retrieve.Snapshot` is one)."""

    @property
    def version(self) -> str: ...

    @property
    def paragraphs(self) -> Mapping[str, Paragraph]: ...


@dataclass(frozen=True)
class CatalogView:
    """One index version's paragraphs, read once from its catalog (no vectors, no BM25): for
    `kb quiz`, where the index does not change under a round."""

    version: str
    paragraphs: Mapping[str, Paragraph]

    @classmethod
    def load(cls, version: Path) -> CatalogView:
        """The version folder's paragraphs (`ingest.build.publication` says which is published)."""
        with store.catalog(version) as con:
            return cls(version.name, store.load_paragraphs(con))


@dataclass(frozen=True)
class Scope:
    key: str  # ALL, "doc:<doc_id>" or "sec:<doc_id>\x1f<section>"
    label: str
    count: int  # questions in it


@dataclass(frozen=True)
class Progress:
    answered: int
    right: int
    sections: list[SectionStats]
    weak: list[SectionStats]
    due: int  # questions answered before that are due again now (wrong ones included)
    wrong_due: int
    unseen: int  # facts in scope never asked

    @property
    def wrong(self) -> int:
        return self.answered - self.right


def doc_scope(doc_id: str) -> str:
    return f"doc:{doc_id}"


def section_scope(doc_id: str, section: str) -> str:
    return f"sec:{doc_id}\x1f{section}"


def in_scope(question: Question, scope: str) -> bool:
    if scope == ALL:
        return True
    if scope.startswith("doc:"):
        return question.doc_id == scope[4:]
    if scope.startswith("sec:"):
        doc_id, _, section = scope[4:].partition("\x1f")
        return question.doc_id == doc_id and question.section == section
    raise ValueError(f"未知的出题范围：{scope!r}")


@dataclass(frozen=True)
class _Readable:
    """An index version as a reader of only some documents sees it."""

    whole: IndexView
    docs: frozenset[str]

    @property
    def version(self) -> str:
        return self.whole.version

    @property
    def paragraphs(self) -> Mapping[str, Paragraph]:
        whole = self.whole.paragraphs
        if isinstance(whole, ParagraphStore):
            return whole.only(self.docs)  # the same store, limited: nothing copied
        return {k: p for k, p in whole.items() if p.doc_id in self.docs}


class Quiz:
    def __init__(self, index: Callable[[], IndexView], store: ProgressStore) -> None:
        self._index = index
        self.store = store
        self._lock = threading.Lock()
        self._version = ""
        self._bank: list[Question] = []
        self._by_id: dict[str, Question] = {}
        self._readers: dict[frozenset[str], Quiz] = {}

    def restricted(self, readable: frozenset[str] | None) -> Quiz:
        """The quiz of a reader who may read only the `readable` documents (None: all): its
        questions, their distractors and its scopes come from those reports alone."""
        if readable is None:
            return self
        with self._lock:
            found = self._readers.get(readable)
            if found is None:
                if len(self._readers) >= _READERS_KEPT:
                    self._readers.pop(next(iter(self._readers)))
                whole = self._index
                found = Quiz(lambda: _Readable(whole(), readable), self.store)
                self._readers[readable] = found
            return found

    def bank(self) -> list[Question]:
        view = self._index()
        with self._lock:
            if view.version != self._version:
                self._bank = generate(view.paragraphs.values())
                self._by_id = {q.id: q for q in self._bank}
                self._version = view.version
            return self._bank

    def question(self, question_id: str) -> Question | None:
        self.bank()
        return self._by_id.get(question_id)

    def scopes(self) -> list[Scope]:
        """All reports, each report, each section of a report (those with questions)."""
        bank = self.bank()
        docs: dict[str, list[Question]] = {}
        sections: dict[tuple[str, str], list[Question]] = {}
        for q in bank:
            docs.setdefault(q.doc_id, []).append(q)
            sections.setdefault((q.doc_id, q.section), []).append(q)
        out = [Scope(ALL, f"全部报告（{len(bank)} 题）", len(bank))]
        for doc_id, qs in docs.items():
            out.append(Scope(doc_scope(doc_id), f"{qs[0].doc_title}（{len(qs)} 题）", len(qs)))
            for (sec_doc, section), sqs in sections.items():
                if sec_doc == doc_id:
                    label = f"{qs[0].doc_title} › {sqs[0].section_label}（{len(sqs)} 题）"
                    out.append(Scope(section_scope(doc_id, section), label, len(sqs)))
        return out

    def next_round(
        self, user: str, scope: str = ALL, size: int = DEFAULT_ROUND, now: float | None = None
    ) -> list[Question]:
        user = check_user(user)
        if not 1 <= size <= MAX_ROUND:
            raise ValueError(f"每轮题数应在 1 到 {MAX_ROUND} 之间，实际为 {size}")
        now = time.time() if now is None else now
        pool = [q for q in self.bank() if in_scope(q, scope)]
        reviews = self.store.reviews(user)
        asked = [(q, reviews[q.id]) for q in pool if q.id in reviews]
        seen_facts = {q.fact for q, _ in asked}
        wrong = sorted((x for x in asked if x[1].box == 0), key=lambda x: x[1].last_at)
        due = sorted((x for x in asked if x[1].box > 0 and x[1].due <= now), key=lambda x: x[1].due)
        later = sorted((x for x in asked if x[1].box > 0 and x[1].due > now), key=lambda x: x[1].due)
        fresh = _one_variant_per_fact([q for q in pool if q.fact not in seen_facts], user)
        ordered = [q for q, _ in wrong] + [q for q, _ in due] + fresh + [q for q, _ in later]
        return _pick(ordered, size)

    def answer(
        self, user: str, question: Question, given: str, now: float | None = None, attempt: str | None = None
    ) -> tuple[Grade, Review]:
        """Grade and record an answer; the same `attempt` (round and position) counts once."""
        result = grade(question, given)
        review = self.store.record(
            user,
            question.id,
            result.correct,
            given=given,
            doc_id=question.doc_id,
            doc_title=question.doc_title,
            section=question.section,
            now=now,
            attempt=attempt,
        )
        return result, review

    def progress(self, user: str, scope: str = ALL, now: float | None = None) -> Progress:
        user = check_user(user)
        now = time.time() if now is None else now
        pool = [q for q in self.bank() if in_scope(q, scope)]
        reviews = self.store.reviews(user)
        asked = [reviews[q.id] for q in pool if q.id in reviews]
        seen_facts = {q.fact for q in pool if q.id in reviews}
        sections = self.store.section_stats(user)
        return Progress(
            answered=sum(s.answered for s in sections),
            right=sum(s.right for s in sections),
            sections=sections,
            weak=weak_sections(sections),
            due=sum(1 for r in asked if r.due <= now),
            wrong_due=sum(1 for r in asked if r.box == 0),
            unseen=len({q.fact for q in pool} - seen_facts),
        )


def _pick(ordered: list[Question], size: int) -> list[Question]:
    """The first `size` questions in order, no fact twice, and as far as the pool allows none
    giving away another: first one question per paragraph (the feedback shows the whole
    paragraph) with no answer inside another's text or choices, then only the latter, then
    whatever is left."""
    picked: list[Question] = []
    for one_per_paragraph, no_leaks in ((True, True), (False, True), (False, False)):
        for q in ordered:
            if len(picked) == size:
                return picked
            if q in picked or any(q.fact == p.fact for p in picked):
                continue
            if no_leaks and any(_gives_away(q, p) for p in picked):
                continue
            if one_per_paragraph and any(q.paragraph_id == p.paragraph_id for p in picked):
                continue
            picked.append(q)
    return picked


def _gives_away(a: Question, b: Question) -> bool:
    def shown(q: Question) -> str:
        return q.question + "\n".join(q.choices)

    return a.answer in shown(b) or b.answer in shown(a)


def _one_variant_per_fact(questions: list[Question], user: str) -> list[Question]:
    """New facts in an order of their own per user, each as one of its forms (free or choice)."""
    by_fact: dict[str, list[Question]] = {}
    for q in questions:
        by_fact.setdefault(q.fact, []).append(q)
    chosen = [variants[int(digest(user, fact)[:8], 16) % len(variants)] for fact, variants in by_fact.items()]
    return sorted(chosen, key=lambda q: digest(user, q.fact)[:8])
