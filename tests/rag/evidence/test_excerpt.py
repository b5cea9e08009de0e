"""What an answer quotes of a long sentence: its clauses about the question, with the figure or
date asked for when the sentence holds one."""

from __future__ import annotations

from ingest.records import Paragraph
from rag.evidence.excerpt import trim
from rag.evidence.sentences import Sentence
from rag.question.focus import TermWeights

TEXT = (
    "12.某某江禁渔：有关部门发布的禁止捕捞天然渔业资源的通告，某某江干流和重要支流除自然保护区和"
    "种质资源保护区以外的天然水域，从2030年1月1日起开始实施暂定为期10年的常年禁捕。"
)


def _sentence() -> Sentence:
    paragraph = Paragraph(
        paragraph_id="r#1", doc_id="r", doc_title="r", number=1, text=TEXT, heading_path=("名词解释",)
    )
    return Sentence(text=TEXT, hit_rank=0, paragraph=paragraph, span=(0, len(TEXT)), score=1.0, coverage=1.0)


def test_a_date_asked_keeps_the_clause_holding_it() -> None:
    excerpt = trim(["某某", "禁渔"], _sentence(), 60, TermWeights.uniform(), "某某江禁渔是从哪天开始实施的？")
    assert "2030年1月1日" in excerpt.text
    assert TEXT[excerpt.span[0] : excerpt.span[1]] == excerpt.text  # still a span of its paragraph


def test_without_a_figure_asked_the_clauses_about_the_question_stay() -> None:
    excerpt = trim(["某某", "禁渔"], _sentence(), 60, TermWeights.uniform(), "某某江禁渔是什么？")
    assert excerpt.text.startswith("12.某某江禁渔")
