"""What an answer quotes of a long sentence: its clauses about the question, with the figure or
date asked for when the sentence holds one."""

from __future__ import annotations

from ingest.records import Paragraph
from rag.evidence.excerpt import choose, trim
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


def _said(text: str, score: float) -> Sentence:
    paragraph = Paragraph(paragraph_id="r#2", doc_id="r", doc_title="r", number=2, text=text, heading_path=())
    return Sentence(text=text, hit_rank=0, paragraph=paragraph, span=(0, len(text)), score=score)


def test_a_second_sentence_only_for_a_fact_the_first_lacks() -> None:
    first = _said("全区建成城市绿道120公里。", 1.0)
    # The time asked is the time scope's: a sentence saying only "去年" adds nothing.
    weather = _said("去年全区降水偏多。", 0.9)
    assert choose(["去年", "绿道", "公里"], [first, weather], TermWeights.uniform(), 2) == [first]
    # A thing the first does not name is another fact, and its sentence is quoted too.
    parks = _said("去年新建口袋公园30个。", 0.9)
    assert choose(["去年", "绿道", "公园"], [first, parks], TermWeights.uniform(), 2) == [first, parks]
