"""Checks the hand-made gold QA set for the sample report against the report's paragraphs."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from eval.metrics import normalize_answer
from ingest.loaders import load_document
from ingest.segment import segment

ROOT = Path(__file__).parents[2]
GOLD = ROOT / "eval/gold/qijiang-2021.jsonl"
REPORT = ROOT / "kb/綦江区委组织部2021年组工答卷.txt"

MIN_TOTAL = 65
MIN_PER_TYPE = {
    "numeric": 15,
    "name": 6,
    "date": 4,
    "exam": 5,
    "paraphrase": 8,
    "multi": 4,
    "followup": 4,
    "unanswerable": 15,
}
REQUIRED = {
    "id": str,
    "question": str,
    "answers": list,
    "answer_groups": list,
    "answer_match": str,
    "gold_passage_ids": list,
    "type": str,
}


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    lines = GOLD.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.fixture(scope="module")
def paragraphs() -> dict[str, str]:
    """Paragraph id -> normalised text, segmented exactly as ingestion does."""
    doc = load_document(REPORT)
    return {p.paragraph_id: normalize_answer(p.text) for p in segment(doc, REPORT.stem, REPORT.stem)}


def _answerable(rows: list[dict]) -> list[dict]:
    return [r for r in rows if r["type"] != "unanswerable"]


def test_size_and_unique_ids(rows: list[dict]) -> None:
    assert len(rows) >= MIN_TOTAL
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids))
    assert ids == [f"qj-{i:03d}" for i in range(1, len(ids) + 1)]


def test_fields_and_types(rows: list[dict]) -> None:
    for r in rows:
        for key, kind in REQUIRED.items():
            assert isinstance(r.get(key), kind), (r["id"], key)
        assert r["question"].strip(), r["id"]
        assert r["answer_match"] in {"any", "all_groups"}, r["id"]
        assert r["type"] in MIN_PER_TYPE, r["id"]
        assert all(isinstance(a, str) and a.strip() for a in r["answers"]), r["id"]
        assert all(isinstance(g, list) and g for g in r["answer_groups"]), r["id"]
        assert all(isinstance(a, str) and a.strip() for g in r["answer_groups"] for a in g), r["id"]
        assert all(isinstance(pid, str) for pid in r["gold_passage_ids"]), r["id"]


def test_per_type_minimum_counts(rows: list[dict]) -> None:
    counts = Counter(r["type"] for r in rows)
    for kind, minimum in MIN_PER_TYPE.items():
        assert counts[kind] >= minimum, (kind, counts[kind])


def test_gold_ids_exist(rows: list[dict], paragraphs: dict[str, str]) -> None:
    for r in rows:
        for pid in r["gold_passage_ids"]:
            assert pid in paragraphs, (r["id"], pid)


def test_answerable_questions_are_grounded(rows: list[dict], paragraphs: dict[str, str]) -> None:
    for r in _answerable(rows):
        assert r["gold_passage_ids"], r["id"]
        assert r["answer_groups"], r["id"]
        gold_texts = [paragraphs[pid] for pid in r["gold_passage_ids"]]
        for group in r["answer_groups"]:
            # Every accepted string occurs in some gold paragraph (so every group is satisfiable).
            for answer in group:
                assert any(normalize_answer(answer) in text for text in gold_texts), (r["id"], answer)
        assert r["answers"] == [a for g in r["answer_groups"] for a in g], r["id"]
        if r["answer_match"] == "any":
            assert r["answer_groups"] == [r["answers"]], r["id"]


def test_every_gold_paragraph_holds_part_of_the_answer(rows: list[dict], paragraphs: dict[str, str]) -> None:
    for r in _answerable(rows):
        for pid in r["gold_passage_ids"]:
            text = paragraphs[pid]
            assert any(normalize_answer(a) in text for a in r["answers"]), (r["id"], pid)


def test_multi_questions_span_two_paragraphs(rows: list[dict]) -> None:
    for r in rows:
        if r["type"] == "multi":
            assert r["answer_match"] == "all_groups", r["id"]
            assert len(r["answer_groups"]) >= 2, r["id"]
            assert len(set(r["gold_passage_ids"])) >= 2, r["id"]


def test_unanswerable_questions_are_empty(rows: list[dict]) -> None:
    for r in rows:
        if r["type"] == "unanswerable":
            assert r["answers"] == [], r["id"]
            assert r["answer_groups"] == [], r["id"]
            assert r["gold_passage_ids"] == [], r["id"]
            assert r["answer_match"] == "any", r["id"]


def test_followups_have_history(rows: list[dict]) -> None:
    for r in rows:
        if r["type"] == "followup":
            history = r.get("history")
            assert isinstance(history, list) and history, r["id"]
            assert all(isinstance(h, str) and h.strip() for h in history), r["id"]


DIALOGUES = ROOT / "eval/gold/qijiang-2021-dialogues.jsonl"


def test_dialogue_turns_are_grounded_and_load_with_their_history(paragraphs: dict[str, str]) -> None:
    from eval.datasets import load_qa

    items = load_qa(DIALOGUES)
    assert len(items) >= 25
    by_id = {i.id: i for i in items}
    assert by_id["dlg-01/2"].question == "那示范村呢?"
    assert by_id["dlg-01/2"].history == ("建成了多少个规范村?",)
    assert by_id["dlg-02/3"].history == ("轮换选派了多少名驻村第一书记?", "工作队员呢?")
    assert {i.type for i in items} == {"turn1", "followup"}
    assert sum(not i.answerable for i in items) >= 1  # a follow-up the report cannot answer
    for item in items:
        for pid in item.gold:
            assert pid in paragraphs, item.id
        for group in item.answer_groups:
            for answer in group:
                assert any(normalize_answer(answer) in paragraphs[pid] for pid in item.gold), (
                    item.id,
                    answer,
                )
