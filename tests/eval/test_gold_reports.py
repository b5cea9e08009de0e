"""Checks this project's multi-report gold questions against the shared reports they are about.

The questions (eval/gold/reports-multi*.jsonl) are about ../shared/eval-data/reports-dev/kb, which
is read by path and never copied; without it these checks skip."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from eval.metrics import normalize_answer
from ingest.loaders import load_document

ROOT = Path(__file__).parents[2]
KB = ROOT.parent / "shared/eval-data/reports-dev/kb"
FILES = ("reports-multi.jsonl", "reports-multi-heldout.jsonl")
KINDS = {
    "year-disambiguation",
    "entity-disambiguation",
    "number",
    "name",
    "measure",
    "comparison",
    "follow-up",
    "unanswerable",
}

pytestmark = pytest.mark.skipif(not KB.is_dir(), reason=f"{KB} not found (../shared beside the checkout)")


def _rows(name: str) -> list[dict]:  # type: ignore[type-arg]
    text = (ROOT / "eval/gold" / name).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def paragraphs() -> dict[str, list[str]]:
    """File name -> its paragraphs as the loaders read them (normalised)."""
    out = {}
    for path in sorted(KB.iterdir()):
        text = load_document(path).text
        blocks = text.split("\n\n") if path.suffix == ".txt" else text.split("\n")
        out[path.name] = [normalize_answer(b) for b in blocks if b.strip()]
    return out


@pytest.mark.parametrize("name", FILES)
def test_every_quote_is_in_its_report_and_holds_an_answer(
    name: str, paragraphs: dict[str, list[str]]
) -> None:
    rows = _rows(name)
    assert len({r["id"] for r in rows}) == len(rows)
    for row in rows:
        assert row["kind"] in KINDS and row["type"] == row["kind"], row["id"]
        if not row["answerable"]:
            assert row["answers"] == [] and row["gold_quote"] is None and row["why"], row["id"]
            continue
        quote = normalize_answer(row["gold_quote"])
        assert any(quote in p for p in paragraphs[row["doc"]]), row["id"]
        assert any(normalize_answer(a) in quote for a in row["answers"]), row["id"]
        if row["kind"] == "follow-up":
            assert row["history"], row["id"]


def test_both_parts_cover_every_kind() -> None:
    dev, held = (Counter(r["kind"] for r in _rows(name)) for name in FILES)
    assert sum(dev.values()) + sum(held.values()) >= 80
    assert set(dev) == set(held) == KINDS
    assert dev["unanswerable"] >= 10 and held["unanswerable"] >= 5


TABLE_FILES = ("reports-tables.jsonl", "reports-tables-heldout.jsonl")


@pytest.mark.parametrize("name", TABLE_FILES)
def test_every_table_cell_is_quoted_from_its_report(name: str, paragraphs: dict[str, list[str]]) -> None:
    rows = _rows(name)
    assert len({r["id"] for r in rows}) == len(rows)
    for row in rows:
        assert row["type"] == "table" and row["answer_table"], row["id"]
        cells = {k: v for k, v in row["answer_table"].items() if v is not None}
        assert set(row["cell_sources"]) == set(cells), row["id"]
        for key, accepted in cells.items():
            source = row["cell_sources"][key]
            quote = normalize_answer(source["quote"])
            assert any(quote in p for p in paragraphs[source["doc"]]), (row["id"], key)
            assert normalize_answer(accepted[0]) in quote, (row["id"], key)


def test_the_table_sets_have_twenty_dev_questions_and_uncovered_years() -> None:
    dev, held = (_rows(name) for name in TABLE_FILES)
    assert len(dev) >= 20 and len(held) >= 5
    for rows in (dev, held):
        assert any(None in r["answer_table"].values() for r in rows)  # years no report covers


def test_a_bad_answer_table_is_named_with_its_question(tmp_path: Path) -> None:
    from eval.datasets import load_qa

    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"id": "t9", "question": "q", "answer_table": {"2010": "1%"}}) + "\n", "utf-8")
    with pytest.raises(ValueError, match=r"t9: answer_table 中 '2010' 的值应为字符串列表或 null"):
        load_qa(bad)
