"""The extractive answerer: no LLM, nothing invented.

It picks the sentence(s) of the retrieved paragraphs that best cover the question
(rag.evidence.sentences, rag.evidence.excerpt), puts a figure with its unit up front when the
question asks for one, and marks each sentence with `[n]` (rag.figures.compose); every `[n]` is
one paragraph. When the evidence is too weak it refuses (rag.evidence.refusal) and lists the
closest paragraphs as 可能相关. Its Answer and Citation records live in rag.answer_types.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace

from ingest import paragraph_store
from ingest.records import Paragraph
from ingest.terms import words
from rag.answer_types import Answer, Citation, refusal
from rag.evidence.excerpt import choose, excerpt_of
from rag.evidence.refusal import (
    RefusalModel,
    about_another_year,
    evidence_features,
    lacks_asked_figure,
    year_conflict,
)
from rag.evidence.retrieve import Hit
from rag.evidence.sentences import Sentence, rank_sentences
from rag.figures.byline import asks_about_delivery, byline_answer
from rag.figures.compose import compose
from rag.figures.numbers import asks_for_date, asks_for_number
from rag.figures.respective import as_item
from rag.question.asked_type import AskedType, asked_role, asked_type, name_after, person_names, place_names
from rag.question.constraints import Asked
from rag.question.focus import Focus, TermWeights, question_terms, subject_terms, term_coverage
from rag.question.glossary import expand
from rag.question.resolution import Resolution
from rag.question.thesaurus import with_synonyms_of


class ExtractiveAnswerer:
    """Sentence selection over the retrieved paragraphs; refusal by a calibrated model."""

    def __init__(
        self,
        weights: TermWeights | None = None,
        refusal: RefusalModel | None = None,
        max_sentences: int = 2,
        paragraphs_considered: int = 5,
        max_excerpt_chars: int = 90,
        paragraphs: Mapping[str, Paragraph] | None = None,
    ) -> None:
        self.paragraphs = paragraphs or {}
        self._docs = paragraph_store.documents(self.paragraphs)
        self.max_excerpt_chars = max_excerpt_chars
        self.weights = weights or TermWeights.uniform()
        self.refusal = refusal or RefusalModel()
        self.max_sentences = max_sentences
        self.paragraphs_considered = paragraphs_considered

    def answer(
        self,
        question: str,
        hits: Sequence[Hit],
        asked: Asked | None = None,
        resolution: Resolution | None = None,
    ) -> Answer:
        focus = Focus.of(question, asked, resolution)
        kind = asked_type(question)
        role = asked_role(question)
        if kind is not None and asks_about_delivery(question, role):
            # Who delivered or wrote the report, or when: its byline says it (rag.figures.byline).
            docs = self._asked_docs(resolution)
            byline = byline_answer(question, kind, docs, self.paragraphs, role) if docs else None
            if byline is not None:
                return byline
        q_terms = self.question_terms(focus)
        sentences, features = self.evidence(question, hits, focus)
        retrieved = [(h.paragraph.paragraph_id, h.score) for h in hits]
        confidence = self.refusal.probability(features)
        # Years the filters did not enforce (a passage file has no dates) are checked here.
        conflict = bool(sentences) and "years" not in focus.applied and year_conflict(question, sentences[0])
        if not sentences or confidence < self.refusal.threshold or conflict:
            # Both mean the knowledge base lacks the answer (no model should be asked either).
            return replace(self._refuse(question, hits, retrieved, confidence), conclusive=True)
        if features["subject"] == 0.0 and any(not self.weights.occurs(w) for w in self.subject_terms(focus)):
            # The question is about a thing the reports never name ("公租房") and the best
            # sentence holds none of its other specific words: it is about something else.
            return self._refuse(question, hits, retrieved, confidence)
        wants_figure = (asks_for_number(question) and not asks_for_date(question)) or kind is AskedType.DAY
        if wants_figure:
            # The best sentence may be about another year (a plan's "到2030年……达到3万公里" above
            # the review stating the year's level): a figure is looked for in those about the year.
            sentences = [s for s in sentences if not about_another_year(focus, s)] or sentences[:1]
        chosen = [self._excerpt(question, q_terms, best) for best in self._choose(q_terms, sentences)]
        # A second sentence about another year ("到2035年……达到3%") is no evidence for this one.
        chosen = chosen[:1] + [c for c in chosen[1:] if not about_another_year(focus, c)]
        lacks = lacks_asked_figure(question, [c.text for c in chosen])
        if (lacks and not wants_figure) or about_another_year(focus, chosen[0]):
            return self._refuse(question, hits, retrieved, confidence)
        # Best sentences without a figure ("工作要在巩固成果的基础上…"): lower ones are tried.
        text, citations, lead = ("", [], "") if lacks else self._compose(focus, q_terms, chosen)
        if kind is AskedType.PERSON and not _names_someone(question, role, chosen):
            # "是谁" answered by a sentence naming nobody: the reports do not say.
            return self._refuse(question, hits, retrieved, confidence)
        if kind is AskedType.PLACE and not _names_a_place(question, self.subject_terms(focus), chosen):
            # "在哪个城市举办" answered by a sentence naming no place: the reports do not say.
            return self._refuse(question, hits, retrieved, confidence)
        if wants_figure and not lead:
            # The figure may stand in a sentence ranked lower ("赤字率拟按2.6%安排" below
            # "财政赤字2.38万亿元"): the best few that hold one about the subject are tried.
            for other in sentences[1:8]:
                if other in chosen or about_another_year(focus, other):
                    continue
                trial = [self._excerpt(question, q_terms, other)]
                text, citations, lead = self._compose(focus, q_terms, trial)
                if lead:
                    break
        if wants_figure and not lead:
            # "多少" answered without a figure about what was asked: the reports do not say.
            return self._refuse(question, hits, retrieved, confidence)
        return Answer(question, text, False, citations, retrieved, confidence=confidence, lead=lead)

    def _asked_docs(self, resolution: Resolution | None) -> list[str]:
        """The reports a question is limited to (by naming one, or by the user's choice); the
        only one, in a knowledge base of one."""
        docs = resolution.where.docs if resolution is not None else None
        if docs is None:
            docs = self._docs if len(self._docs) == 1 else frozenset()
        return sorted(docs)

    def _excerpt(self, question: str, q_terms: Sequence[str], best: Sentence) -> Sentence:
        return excerpt_of(question, q_terms, best, self.weights, self.max_excerpt_chars)

    def _choose(self, q_terms: Sequence[str], ranked: list[Sentence]) -> list[Sentence]:
        return choose(q_terms, ranked, self.weights, self.max_sentences)

    def _compose(
        self, focus: Focus, q_terms: Sequence[str], chosen: list[Sentence]
    ) -> tuple[str, list[Citation], str]:
        return compose(focus, q_terms, chosen, self.weights, len(self._docs))

    def evidence(
        self, question: str, hits: Sequence[Hit], focus: Focus | None = None
    ) -> tuple[list[Sentence], dict[str, float]]:
        """Ranked candidate sentences and the features the refusal model decides on."""
        focus = focus or Focus(question, question)
        q_terms = self.question_terms(focus)
        sentences = rank_sentences(
            question, q_terms, hits[: self.paragraphs_considered], self.weights, self.paragraphs, focus
        )
        coverage = sentences[0].coverage if sentences else 0.0
        # Without specific words, how well the subject is matched is the overall coverage.
        subject = coverage
        terms = self.subject_terms(focus)
        if sentences and terms:
            best = sentences[0]
            # "城乡居民收入分别…" names the rural income a question asks about (rag.figures.respective).
            text = as_item(" ".join([*best.paragraph.heading_path, best.text]), focus.question)
            # Read as the question's words are ("平均每天" is the asked 日均), as the lead reads it.
            said = set(words(text) + words(expand(text, self.weights.occurs)))
            subject = term_coverage(terms, self.weights, with_synonyms_of(terms, said))
        return sentences, evidence_features(hits, coverage, subject)

    def question_terms(self, focus: Focus) -> list[str]:
        """What sentences are matched with (rag.question.focus.question_terms)."""
        return question_terms(focus, self.weights)

    def subject_terms(self, focus: Focus) -> list[str]:
        """The words that say what the question is about (rag.question.focus.subject_terms)."""
        return subject_terms(focus, self.weights)

    def _refuse(
        self, question: str, hits: Sequence[Hit], retrieved: list[tuple[str, float]], confidence: float
    ) -> Answer:
        return refusal(question, hits, retrieved, confidence)


def _names_someone(question: str, role: str, chosen: Sequence[Sentence]) -> bool:
    """A quoted sentence names a person the question does not, beside the role asked about
    ("项目负责人是谁" is not answered by a sentence naming a prize winner)."""
    quoted = [s.paragraph.text[s.span[0] : s.span[1]] for s in chosen]
    return any(_named_in_role(q, person_names(q, question), role, question) for q in quoted)


def _names_a_place(question: str, about: Sequence[str], chosen: Sequence[Sentence]) -> bool:
    """A quoted clause about what the question names (`about`, its subject words: "……博览会在
    上海举办") names a place the question does not: one in another clause ("……成功举办，某省
    试验区启动建设") is another thing's."""
    asked = {w.lstrip("~") for w in about} or {w for w in words(question) if len(w) > 1}
    for s in chosen:
        for clause in re.split(r"[，,；;。！!？?]", s.paragraph.text[s.span[0] : s.span[1]]):
            if any(w in clause for w in asked) and place_names(clause, question):
                return True
    return False


def _named_in_role(sentence: str, names: Sequence[str], role: str, question: str = "") -> bool:
    """A name stands near the role ("队长赵某某", "李某是该剧的导演"), within a short phrase. The
    role inside a longer title the question does not say is another office ("副书记" is not the
    "党委书记" asked)."""
    if not role:
        return bool(names)
    found = (m.start() for m in re.finditer(re.escape(role), sentence))
    roles = [at for at in found if _same_office(sentence, at, role, question)]
    if any(name_after(sentence, r + len(role)) for r in roles):
        return True
    return any(abs(sentence.find(n) - r) <= len(role) + 10 for n in names for r in roles)


def _same_office(sentence: str, at: int, role: str, question: str) -> bool:
    """The role at `at` is said alone, or in a title the question says too (jieba's word)."""
    import jieba

    start = 0
    for token in jieba.lcut(sentence):
        end = start + len(token)
        if start <= at < end:
            # (An acting holder, "代市长", holds the office asked.)
            return at + len(role) > end or token in (role, "代" + role) or not question or token in question
        start = end
    return True
