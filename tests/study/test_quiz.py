"""Rounds: wrong answers first, then due reviews, then new facts; scopes; a changed index."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.records import Paragraph
from study.progress import DAY, ProgressStore
from study.questions import CHOICE, Question
from study.quiz import ALL, Quiz, doc_scope, in_scope, section_scope
from tests.conftest import SAMPLE_DOC_ID
from tests.study.conftest import FakeIndex

T0 = 1_700_000_000.0


@pytest.fixture
def quiz(where: Path | str, paragraphs: list[Paragraph]) -> Quiz:
    """A quiz over the sample report, its progress in SQLite or PostgreSQL (both are run)."""
    index = FakeIndex("v1", {p.paragraph_id: p for p in paragraphs})
    return Quiz(lambda: index, ProgressStore(where))


def _wrong_answer(q: Question) -> str:
    return "不知道" if not q.choices else next(c for c in q.choices if c != q.answer)


def test_a_round_asks_each_fact_once(quiz: Quiz) -> None:
    round_ = quiz.next_round("张三", ALL, 50, now=T0)
    assert len(round_) == 50
    assert len({q.fact for q in round_}) == 50
    assert quiz.next_round("张三", ALL, 10, now=T0) == round_[:10]  # the same order until answered
    assert quiz.next_round("李四", ALL, 10, now=T0) != round_[:10]  # each user has an order of their own


def test_the_next_day_wrong_answers_come_back_first(quiz: Quiz) -> None:
    first = quiz.next_round("张三", ALL, 10, now=T0)
    wrong = {first[1].id, first[4].id, first[7].id}
    for i, q in enumerate(first):
        quiz.answer("张三", q, _wrong_answer(q) if q.id in wrong else q.answer, now=T0 + i)
    later_today = quiz.next_round("张三", ALL, 10, now=T0 + 3600)
    assert [q.id for q in later_today[:3]] == [first[1].id, first[4].id, first[7].id]  # oldest first
    assert not {q.fact for q in later_today[3:]} & {q.fact for q in first}  # then new facts
    next_day = quiz.next_round("张三", ALL, 10, now=T0 + DAY + 60)
    assert [q.id for q in next_day[:3]] == [first[1].id, first[4].id, first[7].id]
    # Then the ones answered right, now due after one day.
    assert [q.id for q in next_day[3:10]] == [q.id for q in first if q.id not in wrong]


def test_a_round_gives_no_answer_away(quiz: Quiz) -> None:
    for user in ("甲", "乙", "丙", "丁"):
        round_ = quiz.next_round(user, ALL, 10, now=T0)
        assert len({q.paragraph_id for q in round_}) == 10  # the feedback shows a whole paragraph
        for q in round_:
            for other in round_:
                if other is not q:
                    assert q.answer not in other.question + "".join(other.choices), (q, other)
    # A round bigger than the giveaway-free pool is still filled.
    assert len(quiz.next_round("甲", ALL, 50, now=T0)) == 50


def test_progress_counts_answers_and_due_reviews(quiz: Quiz) -> None:
    round_ = quiz.next_round("张三", ALL, 4, now=T0)
    for i, q in enumerate(round_):
        quiz.answer("张三", q, q.answer if i % 2 else _wrong_answer(q), now=T0)
    p = quiz.progress("张三", now=T0 + 60)
    assert (p.answered, p.right, p.wrong, p.due, p.wrong_due) == (4, 2, 2, 2, 2)
    facts = {q.fact for q in quiz.bank()}
    assert p.unseen == len(facts) - 4
    assert sum(s.answered for s in p.sections) == 4
    assert quiz.progress("张三", now=T0 + 2 * DAY).due == 4


def test_scopes_cover_reports_and_sections(quiz: Quiz) -> None:
    scopes = quiz.scopes()
    assert scopes[0].key == ALL and scopes[0].count == len(quiz.bank())
    assert scopes[1].key == doc_scope(SAMPLE_DOC_ID) and scopes[1].count == len(quiz.bank())
    labels = [s.label for s in scopes[2:]]
    # The introduction's only phrase, “答卷”, is in the report's title: no question there.
    assert labels == [
        "綦江区委组织部2021年组工答卷 › 政治建设卷（17 题）",
        "綦江区委组织部2021年组工答卷 › 干部队伍卷（55 题）",
        "綦江区委组织部2021年组工答卷 › 基层党建卷（27 题）",
    ]
    assert sum(s.count for s in scopes[2:]) == len(quiz.bank()) == 99
    section = section_scope(SAMPLE_DOC_ID, "请阅 綦江组工“答卷” > 政治建设卷")
    round_ = quiz.next_round("张三", section, 50, now=T0)
    assert round_ and all(q.section_label == "政治建设卷" for q in round_)
    assert len(round_) == len({q.fact for q in quiz.bank() if in_scope(q, section)})
    with pytest.raises(ValueError, match="每轮题数"):
        quiz.next_round("张三", ALL, 0)


def test_the_bank_follows_the_live_index(tmp_path: Path, paragraphs: list[Paragraph]) -> None:
    index = FakeIndex("v1", {p.paragraph_id: p for p in paragraphs})
    quiz = Quiz(lambda: index, ProgressStore(tmp_path / "study.sqlite"))
    before = len(quiz.bank())
    extra = Paragraph(
        "new#1", "new", "某区2022年工作总结", 1, "全年新发展党员1200名,其中青年党员800名。", ("党建",)
    )
    index.paragraphs["new#1"] = extra
    assert len(quiz.bank()) == before  # same version: cached
    index.version = "v2"
    added = [q for q in quiz.bank() if q.doc_id == "new"]
    assert {q.question for q in added if q.type != CHOICE} == {
        "2022年，全年新发展党员多少名？",
        "2022年，全年新发展党员1200名，其中青年党员多少名？",
    }
    assert quiz.question(added[0].id) == added[0]
