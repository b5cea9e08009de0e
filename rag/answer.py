"""Answers with citations. The default answerer is extractive: no LLM, nothing invented.

It picks the sentence(s) of the retrieved paragraphs that best cover the question, puts a
figure with its unit up front when the question asks for one, and marks each sentence with
`[n]`; every `[n]` is one paragraph. When the evidence is too weak it refuses and lists the
closest paragraphs as 可能相关.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from ingest.chunk import split_sentences
from ingest.records import Kind, Paragraph
from ingest.terms import bigrams, words
from rag.numbers import asks_for_date, asks_for_number, find_dates, find_numbers, question_unit
from rag.refusal import RefusalModel, evidence_features
from rag.retrieve import Hit

REFUSAL_TEXT = "知识库中没有找到能回答这个问题的内容。"


@dataclass(frozen=True)
class Citation:
    n: int
    paragraph_id: str
    doc: str
    heading: str
    text: str
    sentence: str  # the supporting sentence ("" for a 可能相关 paragraph of a refusal)
    number: int = 0  # paragraph number in its document
    doc_id: str = ""

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if k not in ("number", "doc_id")}


@dataclass
class Answer:
    question: str
    text: str
    refused: bool
    citations: list[Citation] = field(default_factory=list)
    retrieved: list[tuple[str, float]] = field(default_factory=list)
    latency_ms: float = 0.0
    confidence: float = 0.0

    def to_json(self) -> dict[str, Any]:
        """The `kb ask --json` contract; other tools rely on these keys."""
        return {
            "question": self.question,
            "answer": self.text,
            "refused": self.refused,
            "citations": [c.to_json() for c in self.citations],
            "retrieved": [{"paragraph_id": pid, "score": round(s, 6)} for pid, s in self.retrieved],
            "latency_ms": round(self.latency_ms, 1),
        }


class Answerer(Protocol):
    def answer(self, question: str, hits: Sequence[Hit]) -> Answer: ...


@dataclass(frozen=True)
class Sentence:
    text: str
    hit_rank: int  # 0-based rank of its paragraph among the hits
    paragraph: Paragraph
    coverage: float = 0.0
    score: float = 0.0


def citation_for(n: int, paragraph: Paragraph, sentence: str) -> Citation:
    return Citation(
        n=n,
        paragraph_id=paragraph.paragraph_id,
        doc=paragraph.doc_title,
        heading=paragraph.heading,
        text=paragraph.text,
        sentence=sentence,
        number=paragraph.number,
        doc_id=paragraph.doc_id,
    )


class TermWeights:
    """Inverse document frequency of index terms, so rare words count more than common ones."""

    def __init__(self, idf: Callable[[str], float]) -> None:
        self._idf = idf

    def of(self, term: str) -> float:
        return self._idf(term)

    @classmethod
    def uniform(cls) -> TermWeights:
        return cls(lambda _t: 1.0)


def _question_terms(question: str) -> list[str]:
    return list(dict.fromkeys(words(question) + bigrams(question)))


def _coverage(q_terms: Sequence[str], weights: TermWeights, text_terms: set[str]) -> float:
    total = sum(weights.of(t) for t in q_terms)
    if total <= 0:
        return 0.0
    return sum(weights.of(t) for t in q_terms if t in text_terms) / total


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
        self.max_excerpt_chars = max_excerpt_chars
        self.weights = weights or TermWeights.uniform()
        self.refusal = refusal or RefusalModel()
        self.max_sentences = max_sentences
        self.paragraphs_considered = paragraphs_considered

    def answer(self, question: str, hits: Sequence[Hit]) -> Answer:
        q_terms = _question_terms(question)
        sentences, features = self.evidence(question, hits)
        retrieved = [(h.paragraph.paragraph_id, h.score) for h in hits]
        confidence = self.refusal.probability(features)
        if not sentences or confidence < self.refusal.threshold:
            return self._refuse(question, hits, retrieved, confidence)
        chosen = [self._trim(q_terms, self._past_question(s)) for s in self._choose(q_terms, sentences)]
        text, citations = self._compose(question, q_terms, chosen)
        return Answer(question, text, False, citations, retrieved, confidence=confidence)

    def evidence(self, question: str, hits: Sequence[Hit]) -> tuple[list[Sentence], dict[str, float]]:
        """Ranked candidate sentences and the features the refusal model decides on."""
        q_terms = _question_terms(question)
        sentences = self.rank_sentences(question, q_terms, hits[: self.paragraphs_considered])
        return sentences, evidence_features(hits, sentences[0].coverage if sentences else 0.0)

    def rank_sentences(self, question: str, q_terms: Sequence[str], hits: Sequence[Hit]) -> list[Sentence]:
        wants_number = asks_for_number(question) or asks_for_date(question)
        ranked: list[Sentence] = []
        for rank, hit in enumerate(hits):
            para = hit.paragraph
            context = set(words(" ".join(para.heading_path)) + bigrams(" ".join(para.heading_path)))
            for text in split_sentences(para.text):
                if len(text) < 4:
                    continue
                own = set(words(text) + bigrams(text))
                cov = _coverage(q_terms, self.weights, own)
                # Heading words (a document title, a section name) half-count: they say what
                # the sentence is about without being in it.
                cov_ctx = _coverage(q_terms, self.weights, own | context)
                coverage = 0.75 * cov + 0.25 * cov_ctx
                score = coverage + 0.12 / (1 + rank) + 0.05 * hit.dense_similarity
                if wants_number and (find_numbers(text) or find_dates(text)):
                    score += 0.08
                if para.kind is not Kind.BODY:
                    score -= 0.15
                ranked.append(Sentence(text, rank, para, coverage, score))
        ranked.sort(key=lambda s: -s.score)
        return ranked

    def _choose(self, q_terms: Sequence[str], ranked: list[Sentence]) -> list[Sentence]:
        """The best sentence, plus one more when it covers question terms the first lacks
        (questions that join two facts: "2021年香港和澳门的GDP增长率")."""
        chosen = [ranked[0]]
        covered = set(words(ranked[0].text) + bigrams(ranked[0].text))
        missing = [t for t in q_terms if t not in covered and not t.startswith("~")]
        if not missing or self.max_sentences < 2:
            return chosen
        for cand in ranked[1:12]:
            if cand.text == ranked[0].text:
                continue
            cand_terms = set(words(cand.text))
            gain = _coverage(missing, self.weights, cand_terms)
            if gain >= 0.5 and cand.score >= 0.5 * ranked[0].score:
                chosen.append(cand)
                break
        return chosen

    def _past_question(self, sentence: Sentence) -> Sentence:
        """A paragraph that is itself a question (考题内容:如何强化政治引领?) matches the user's
        question best but does not answer it: the answer is the paragraph that follows it
        (答题要点:……), so that one is cited instead."""
        para = sentence.paragraph
        if not _QUESTION_PARAGRAPH.search(para.text):
            return sentence
        follower = self.paragraphs.get(f"{para.doc_id}#{para.number + 1}")
        if follower is None or follower.kind is not Kind.BODY:
            return sentence
        first = split_sentences(follower.text)
        return Sentence(
            first[0] if first else follower.text,
            sentence.hit_rank,
            follower,
            sentence.coverage,
            sentence.score,
        )

    def _trim(self, q_terms: Sequence[str], sentence: Sentence) -> Sentence:
        """Cut a long sentence down to its clauses about the question, so the answer stays short
        (report sentences run to 200 characters of comma-joined clauses). The excerpt is a
        contiguous part of the paragraph, so the UI can highlight it."""
        text = sentence.text
        if len(text) <= self.max_excerpt_chars:
            return sentence
        clauses = [m.group(0) for m in _CLAUSE.finditer(text) if m.group(0)]
        scores = [_coverage(q_terms, self.weights, set(words(c) + bigrams(c))) for c in clauses]
        lo = hi = max(range(len(clauses)), key=lambda i: (scores[i], -i))
        length = len(clauses[lo])
        while True:
            options = [i for i in (lo - 1, hi + 1) if 0 <= i < len(clauses)]
            options = [i for i in options if length + len(clauses[i]) <= self.max_excerpt_chars]
            if not options:
                break
            pick = max(options, key=lambda i: (scores[i], -abs(i - lo)))
            lo, hi = min(lo, pick), max(hi, pick)
            length += len(clauses[pick])
        excerpt = "".join(clauses[lo : hi + 1]).strip()
        return Sentence(excerpt, sentence.hit_rank, sentence.paragraph, sentence.coverage, sentence.score)

    def _compose(
        self, question: str, q_terms: Sequence[str], chosen: list[Sentence]
    ) -> tuple[str, list[Citation]]:
        numbering: dict[str, int] = {}
        citations: list[Citation] = []
        parts: list[str] = []
        for s in chosen:
            pid = s.paragraph.paragraph_id
            if pid not in numbering:
                numbering[pid] = len(numbering) + 1
                citations.append(citation_for(numbering[pid], s.paragraph, s.text))
            parts.append(f"{s.text.rstrip(',，;；、')}[{numbering[pid]}]")
        body = "".join(parts)
        lead = self._lead_figure(question, q_terms, chosen[0].text)
        text = f"{lead}。依据：{body}" if lead else body
        return text, citations

    def _lead_figure(self, question: str, q_terms: Sequence[str], sentence: str) -> str:
        """For "多少/几/何时" questions: the figure in the sentence nearest the question's words."""
        if asks_for_number(question):
            mentions = find_numbers(sentence)
            want_unit = question_unit(question)
            best, best_score = "", -math.inf
            for m in mentions:
                clause = _clause_around(sentence, m.start, m.end)
                score = _coverage(q_terms, self.weights, set(words(clause) + bigrams(clause)))
                if want_unit and m.unit.endswith(want_unit):
                    score += 1.0
                if m.unit == "年" and not want_unit:
                    score -= 0.5  # a year is context, rarely the figure asked for
                if score > best_score:
                    best, best_score = m.text, score
            return best
        if asks_for_date(question):
            dates = find_dates(sentence)
            return dates[0] if dates else ""
        return ""

    def _refuse(
        self, question: str, hits: Sequence[Hit], retrieved: list[tuple[str, float]], confidence: float
    ) -> Answer:
        related = [h.paragraph for h in hits[:3]]
        citations = [citation_for(i, p, "") for i, p in enumerate(related, start=1)]
        lines = [REFUSAL_TEXT]
        if related:
            lines.append("可能相关：")
            lines += [f"[{c.n}] {c.doc} {c.heading} 第{c.number}段".replace("  ", " ") for c in citations]
        return Answer(question, "\n".join(lines), True, citations, retrieved, confidence=confidence)


_QUESTION_PARAGRAPH = re.compile(r"^(考题|问题|试题|题目)?[^。！!]{0,60}[?？]\s*$")
_CLAUSE = re.compile(r"[^,，;；]*[,，;；]?")
_CLAUSE_BREAK = re.compile(r"[,，;；。!！?？、：:]")


def _clause_around(sentence: str, start: int, end: int) -> str:
    left = max((m.end() for m in _CLAUSE_BREAK.finditer(sentence, 0, start)), default=0)
    right_m = _CLAUSE_BREAK.search(sentence, end)
    right = right_m.start() if right_m else len(sentence)
    return sentence[left:right]
