"""Candidate sentences ranked against the question: coverage of its words, synonyms read."""

from __future__ import annotations

from ingest.records import Chunk, Paragraph
from rag.evidence.retrieve import Hit
from rag.evidence.sentences import Sentence, rank_sentences
from rag.question.focus import Focus, TermWeights, question_terms


def _hit(text: str) -> Hit:
    para = Paragraph("某区报告#1", "某区报告", "某区报告", 1, text)
    return Hit(para, 1.0, Chunk("某区报告#1/0", para.paragraph_id, text, text))


def _ranked(question: str, sentence: str) -> Sentence:
    weights = TermWeights.uniform()
    terms = question_terms(Focus(question, question), weights)
    return rank_sentences(question, terms, [_hit(sentence)], weights, {})[0]


def test_a_synonym_of_a_question_word_counts_as_that_word() -> None:
    # 营业 and 运营 are one word in the thesaurus: a sentence writing 营业里程 ranks as if it
    # wrote the question's 运营 (not its character pairs).
    question = "城市轨道交通运营里程是多少？"
    synonym = _ranked(question, "城市轨道交通营业里程达到120公里。")
    written = _ranked(question, "城市轨道交通运营里程达到120公里。")
    other = _ranked(question, "城市轨道交通建设里程达到120公里。")
    # 17 terms, uniform weights: the words and pairs written count, 运营 too when said as 营业
    # (its pairs "~通运", "~运营", "~营里" only when written so). The synonym ranks the
    # sentence; the coverage the refusal model weighs is the words as written.
    assert round(written.coverage, 4) == round(15 / 17, 4)
    assert round(synonym.coverage, 4) == round(other.coverage, 4) == round(11 / 17, 4)
    assert round(synonym.score - other.score, 4) == round(1 / 17, 4)


def test_a_word_of_many_synonyms_is_read_as_written() -> None:
    # 人口 has four synonyms in the thesaurus, 人员 among them: a count of staff is no population.
    question = "出生人口是多少？"
    assert _ranked(question, "新增就业人员120万。").score == _ranked(question, "新增就业职工120万。").score


def test_an_average_written_long_says_its_short_form() -> None:
    # The question read as "日均" (the knowledge base writes it) matches a sentence writing
    # "平均每天" as well as one writing "日均".
    question = "2031年日均接待游客多少人次？"
    long = _ranked(question, "全年平均每天接待游客3万人次。")
    short = _ranked(question, "全年日均接待游客3万人次。")
    assert long.coverage == short.coverage > _ranked(question, "全年接待游客3万人次。").coverage
