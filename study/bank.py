"""The question bank: every question the indexed paragraphs yield, free and multiple choice."""

from __future__ import annotations

from collections.abc import Iterable

from ingest.records import Paragraph
from study.choices import with_choices
from study.questions import EXAM, NUMBER, Question, digest, free_questions


def generate(paragraphs: Iterable[Paragraph]) -> list[Question]:
    """Deterministic: the same paragraphs give the same questions, in document order, free
    questions first."""
    free = free_questions(paragraphs)
    return free + with_choices(free)


def example_questions(paragraphs: Iterable[Paragraph], count: int = 4, max_chars: int = 30) -> list[str]:
    """Questions to offer in the chat, drawn from the knowledge base actually loaded: short
    figure questions (with the year they are about) and 考题 questions, spread over the reports
    (one per report in turn) and their sections. Deterministic."""
    by_doc: dict[str, list[Question]] = {}
    for q in free_questions(paragraphs):
        if q.type in (NUMBER, EXAM) and len(q.question) <= max_chars:
            by_doc.setdefault(q.doc_id, []).append(q)
    for questions in by_doc.values():
        questions.sort(key=lambda q: digest(q.id))  # a fixed shuffle: not always the first topic
    picked: list[str] = []
    sections: set[tuple[str, str]] = set()
    while len(picked) < count and any(by_doc.values()):
        for questions in by_doc.values():
            fresh = [q for q in questions if (q.doc_id, q.section) not in sections] or questions
            if not fresh or len(picked) >= count:
                continue
            chosen = fresh[0]
            questions.remove(chosen)
            sections.add((chosen.doc_id, chosen.section))
            picked.append(chosen.question)
    return picked
