"""Checks this project's prose gold questions (eval/gold/*-prose*.jsonl) against the reports they
are about: every key point and gold quote stands in its report, so recall measures the answer,
not a typo. The reports-dev part reads ../shared/eval-data/reports-dev/kb by path and skips
without it."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from eval.datasets import load_qa
from eval.metrics import normalize_answer
from ingest.loaders import load_document

ROOT = Path(__file__).parents[2]
REPORTS = ROOT.parent / "shared/eval-data/reports-dev/kb"
SETS = {
    "qijiang-2021-prose.jsonl": ROOT / "kb",
    "qijiang-2021-prose-heldout.jsonl": ROOT / "kb",
    "reports-prose.jsonl": REPORTS,
    "reports-prose-heldout.jsonl": REPORTS,
    "qijiang-2021-paraphrase.jsonl": ROOT / "kb",
    "qijiang-2021-paraphrase-heldout.jsonl": ROOT / "kb",
    "reports-paraphrase.jsonl": REPORTS,
    "reports-paraphrase-heldout.jsonl": REPORTS,
}
KINDS = {"list", "goals", "aspects", "how", "why", "what", "follow-up", "unanswerable"}


def _rows(name: str) -> list[dict]:  # type: ignore[type-arg]
    text = (ROOT / "eval/gold" / name).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.mark.parametrize("name", sorted(SETS))
def test_every_key_point_stands_in_its_report(name: str) -> None:
    folder = SETS[name]
    if not folder.is_dir():
        pytest.skip(f"{folder} not found (../shared beside the checkout)")
    texts = {
        p.name: normalize_answer(load_document(p).text) for p in folder.iterdir() if p.name != "README.md"
    }
    rows = _rows(name)
    assert len({r["id"] for r in rows}) == len(rows)
    for row in rows:
        assert row["kind"] in KINDS and row["type"] == row["kind"], row["id"]
        if not row["answerable"]:
            assert row["key_points"] == [] and row["doc"] is None and row["why"], row["id"]
            continue
        text = texts[row["doc"]]
        assert 3 <= len(row["key_points"]) <= 8, row["id"]
        assert len(set(row["key_points"])) == len(row["key_points"]), row["id"]
        for point in row["key_points"]:
            assert normalize_answer(point) in text, (row["id"], point)
        assert normalize_answer(row["gold_quote"]) in text, row["id"]
        if row["kind"] == "follow-up":
            assert row["history"], row["id"]


def test_both_parts_hold_every_kind_and_unanswerable_questions() -> None:
    dev = Counter(
        r["kind"] for name in ("qijiang-2021-prose.jsonl", "reports-prose.jsonl") for r in _rows(name)
    )
    held = Counter(
        r["kind"]
        for name in ("qijiang-2021-prose-heldout.jsonl", "reports-prose-heldout.jsonl")
        for r in _rows(name)
    )
    assert sum(dev.values()) + sum(held.values()) >= 60 and sum(held.values()) >= 20
    assert set(dev) == set(held) == KINDS
    assert dev["unanswerable"] >= 8 and held["unanswerable"] >= 4


def test_prose_questions_load_as_answerable_by_their_key_points() -> None:
    items = {i.id: i for i in load_qa(ROOT / "eval/gold/qijiang-2021-prose.jsonl")}
    answerable = [i for i in items.values() if i.key_points]
    assert answerable and all(i.answerable for i in answerable)
    assert all(i.gold_doc == "綦江区委组织部2021年组工答卷" for i in answerable)
    assert not any(i.answerable for i in items.values() if not i.key_points)
