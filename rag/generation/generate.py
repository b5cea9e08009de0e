"""Answers written by an LLM from the retrieved paragraphs, streamed, then verified.

The extractive answer is always computed first (it is cheap), and the model only rewords it: when
the extractive answerer refuses (no such report, nothing a report names, a figure of another
subject, no candidate of the asked type, weak evidence), no model is asked at all. A model answer
that fails rag.generation.verify, disagrees with the extractive figure, or declines to answer is
never shown as the answer: the extractive answer is, with the model's text behind a fold marked
未通过核对. With a model the product is therefore never less honest than without one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace

from ingest.records import Paragraph
from rag.answer_types import Answer, Citation, citation_for
from rag.evidence.sentences import answer_key
from rag.generation.llm import ChatModel, LLMError
from rag.generation.prompt import answer_messages, as_shown
from rag.generation.verify import (
    answer_sentences,
    cross_check,
    is_refusal,
    verify,
    with_problem,
)
from rag.records import CITATION_MARKER

Numbered = list[tuple[int, Paragraph]]
_FULL_WIDTH_CITATION = re.compile(r"【(\d+)】")
_CLAUSE = re.compile(r"[^,，;；。！？!?]+[,，;；。！？!?]*")


def context_paragraphs(retrieved: Sequence[str], paragraphs: Mapping[str, Paragraph], limit: int) -> Numbered:
    """The best retrieved paragraphs, at most `limit`, numbered from 1; an exam question (考题)
    brings its answer key (答题要点) along, since that is where the answer is."""
    chosen: list[Paragraph] = []
    for pid in retrieved:
        para = paragraphs.get(pid)
        if para is None or para in chosen:
            continue
        if len(chosen) >= limit:
            break
        key = answer_key(para, paragraphs)
        if key is not None and key not in chosen and len(chosen) + 2 > limit:
            chosen.append(key)  # one slot left: the answer key says more than its question
            continue
        chosen.append(para)
        if key is not None and key not in chosen:
            chosen.append(key)
    return list(enumerate(chosen, start=1))


def _bigrams(text: str) -> set[str]:
    plain = CITATION_MARKER.sub("", text)
    return {plain[i : i + 2] for i in range(len(plain) - 1)}


def supporting_span(paragraph: Paragraph, claims: str) -> tuple[int, int] | None:
    """The stretch of the paragraph that backs what the answer says from it (for the highlight):
    the clauses sharing most character pairs with the claims, from the first such clause to the
    last (report sentences run to 200 characters of comma-joined clauses)."""
    want = _bigrams(claims)
    clauses = [(m.start(), m.end()) for m in _CLAUSE.finditer(paragraph.text) if m.group(0).strip()]
    overlaps = [len(want & _bigrams(paragraph.text[a:b])) for a, b in clauses]
    best = max(overlaps, default=0)
    if best == 0:
        return None
    strong = [i for i, o in enumerate(overlaps) if o >= max(2, best // 2)] or [overlaps.index(best)]
    start, end = clauses[strong[0]][0], clauses[strong[-1]][1]
    text = paragraph.text[start:end]
    start += len(text) - len(text.lstrip())
    return start, start + len(text.strip().rstrip(",，;；"))


def cited_numbers(text: str) -> list[int]:
    return list(dict.fromkeys(int(n) for n in CITATION_MARKER.findall(text)))


def citations_for(text: str, numbered: Numbered) -> list[Citation]:
    """One citation per provided paragraph the answer cites, keeping the prompt's numbers."""
    sources = dict(numbered)
    claims: dict[int, list[str]] = {}
    for start, end in answer_sentences(text):
        for n in cited_numbers(text[start:end]):
            claims.setdefault(n, []).append(text[start:end])
    out = []
    for n in sorted(n for n in claims if n in sources):
        para = sources[n]
        span = supporting_span(para, "".join(claims[n]))
        sentence = para.text[span[0] : span[1]] if span else ""
        out.append(citation_for(n, para, sentence, span))
    return out


class LLMAnswerer:
    """Streams a model's answer to a question over numbered paragraphs, then checks it."""

    def __init__(self, model: ChatModel, paragraphs: Mapping[str, Paragraph], context: int = 5) -> None:
        self.model = model
        self.paragraphs = paragraphs
        self.context = context

    def stream(self, question: str, extractive: Answer) -> Iterator[str | Answer]:
        """Text pieces as the model writes them, then the final Answer. Raises LLMError."""
        retrieved = [pid for pid, _score in extractive.retrieved]
        numbered = context_paragraphs(retrieved, self.paragraphs, self.context)
        if not numbered:
            raise LLMError("没有可供大模型参考的段落", unavailable=False)
        pieces: list[str] = []
        for piece in self.model.stream(answer_messages(question, numbered)):
            pieces.append(piece)
            yield piece
        # Some models write the full-width 【1】; the checked, linked form is [1].
        text = _FULL_WIDTH_CITATION.sub(r"[\1]", "".join(pieces)).strip()
        if not re.search(r"\w", CITATION_MARKER.sub("", text)):  # nothing, or only "[1]"
            raise LLMError("大模型没有返回内容", unavailable=False)
        yield self.finish(question, text, numbered, extractive)

    def finish(self, question: str, text: str, numbered: Numbered, extractive: Answer) -> Answer:
        """The model's answer when every sentence passes the check and it states the extractive
        answer's figure; otherwise the extractive answer, the model's text folded away."""
        sources = {n: as_shown(p) for n, p in numbered}
        said = CITATION_MARKER.sub("", text).strip()
        if is_refusal(text) and not any(n in sources for n in cited_numbers(text)):
            # The extractive answer found the sentence; a model that does not see it adds nothing.
            return replace(extractive, notice="大模型未能依据资料作答，以下为原文摘录答案。")
        verification = verify(text, sources, question=question)
        disagreement = cross_check(question, text, extractive.lead)
        if disagreement:
            verification = with_problem(verification, disagreement)
        if not verification.ok:
            notice = "大模型的回答未通过核对，未采用；以下为原文摘录答案。"
            rejected = f"{said}（{'；'.join(verification.problems)}）"
            return replace(extractive, dropped=[rejected], notice=notice)
        return Answer(
            question,
            text,
            False,
            citations=citations_for(text, numbered),
            retrieved=extractive.retrieved,
            confidence=extractive.confidence,
            answerer=self.model.name,
            verification=verification,
        )
