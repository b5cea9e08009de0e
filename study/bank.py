"""The question bank: every question the indexed paragraphs yield, free and multiple choice."""

from __future__ import annotations

from collections.abc import Iterable

from ingest.records import Paragraph
from study.choices import with_choices
from study.questions import Question, free_questions


def generate(paragraphs: Iterable[Paragraph]) -> list[Question]:
    """Deterministic: the same paragraphs give the same questions, in document order, free
    questions first."""
    free = free_questions(paragraphs)
    return free + with_choices(free)
