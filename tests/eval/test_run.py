"""A small eval run through `kb eval`, with the real default embedder, so the suite cannot rot."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from cli import main
from eval.datasets import load_qa
from ingest.config import PROJECT_ROOT, Settings
from tests.conftest import SAMPLE_DOC_ID as DOC
from tests.conftest import sample_kb
from tests.llm_server import FakeLLMServer, Reply, is_rewrite
from tests.test_cli import JSON_KEYS

GOLD = PROJECT_ROOT / "eval/gold/qijiang-2021.jsonl"


@pytest.fixture(scope="module")
def eval_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("eval")
    kb = sample_kb(root)
    # Six answerable questions of different types and two the report does not answer.
    items = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    picked = [i for i in items if i["type"] == "numeric"][:3] + [i for i in items if i["type"] == "exam"][:1]
    picked += [i for i in items if i["type"] == "name"][:2] + [
        i for i in items if i["type"] == "unanswerable"
    ][:2]
    qa = root / "qa.jsonl"
    qa.write_text("\n".join(json.dumps(i, ensure_ascii=False) for i in picked), encoding="utf-8")
    out = root / "out"
    args = [
        "eval",
        "--qa",
        str(qa),
        "--kb-dir",
        str(kb),
        "--index-dir",
        str(root / "index"),
        "--out",
        str(out),
    ]
    assert main([*args, "--quiet"]) == 0
    return out


def test_outputs_are_written(eval_out: Path) -> None:
    assert {p.name for p in eval_out.iterdir()} == {
        "results.jsonl",
        "results-bm25.jsonl",
        "results-dense.jsonl",
        "results-llamaindex.jsonl",
        "report.json",
        "report.md",
        "chart.png",
    }
    assert (eval_out / "chart.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_results_carry_the_ask_json_and_scores(eval_out: Path) -> None:
    rows = [json.loads(x) for x in (eval_out / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 8
    first = rows[0]
    assert {"id", "type", "scores"} | JSON_KEYS == set(first)
    assert first["type"] == "numeric" and first["scores"]["hit@1"] in (0.0, 1.0)
    unanswerable = [r for r in rows if r["type"] == "unanswerable"]
    assert all("hit@1" not in r["scores"] for r in unanswerable)


def test_report_compares_product_with_baselines(eval_out: Path) -> None:
    report = json.loads((eval_out / "report.json").read_text(encoding="utf-8"))
    systems = report["systems"]
    assert list(systems) == ["product", "bm25", "dense", "llamaindex"]
    product = systems["product"]["overall"]
    assert product["questions"] == 8.0
    assert product["answer_accuracy"] >= 0.5  # the numeric questions are answered exactly
    assert product["numbers_supported"] == 1.0
    assert product["refused_when_gold_removed"] > 0.0
    # llama-index's default pipeline pastes a whole chunk and never refuses.
    li = systems["llamaindex"]["overall"]
    assert li["median_answer_chars"] > 3 * product["median_answer_chars"]
    assert li["refused_unanswerable"] == 0.0
    assert set(systems["product"]["by_type"]) == {"numeric", "exam", "name", "unanswerable"}
    md = (eval_out / "report.md").read_text(encoding="utf-8")
    assert "| metric | product | bm25 | dense | llamaindex |" in md
    assert "## By question type (product)" in md


def test_the_gold_set_loads() -> None:
    items = load_qa(GOLD)
    assert len(items) >= 60
    assert sum(not i.answerable for i in items) >= 15


# --- the product with a generated answerer, on a conversation -------------------------------------


def _reply_from_prompt(body: dict[str, Any]) -> Reply:
    """A model that quotes the first figure of paragraph [1]: faithful, except for questions
    about training, where it plants a wrong number (40822 -> 40823)."""
    user = body["messages"][-1]["content"]
    if is_rewrite(body):
        return Reply("建成了多少个示范村?")
    first = next(line for line in user.splitlines() if line.startswith("[1] "))
    figure = re.search(r"\d+", first.split("）", 1)[1])
    assert figure is not None
    value = int(figure.group(0))
    if "培训" in user.rsplit("问题：", 1)[1]:
        value += 1
    return Reply(f"资料显示为{value}[1]。")


def test_eval_with_an_llm_reports_verification_failures_and_follow_ups(
    real_settings: Settings, tmp_path: Path
) -> None:
    qa = tmp_path / "dialogue.jsonl"
    turns = [
        {"question": "2021年培训了多少人次党员干部?", "answers": ["40822"], "gold_passage_ids": [f"{DOC}#9"]},
        {"question": "建成了多少个规范村?", "answers": ["211"], "gold_passage_ids": [f"{DOC}#33"]},
        {"question": "那示范村呢?", "answers": ["77"], "gold_passage_ids": [f"{DOC}#33"]},
    ]
    qa.write_text(json.dumps({"id": "c1", "turns": turns}, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out"
    with FakeLLMServer(_reply_from_prompt) as server:
        args = ["eval", "--qa", str(qa), "--kb-dir", str(real_settings.kb_dir)]
        args += ["--index-dir", str(real_settings.index_dir), "--out", str(out), "--systems", "product"]
        args += ["--answerer", "llm", "--llm-base-url", server.base_url, "--llm-model", "fake", "--quiet"]
        assert main(args) == 0
    rows = [json.loads(x) for x in (out / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["c1/1", "c1/2", "c1/3"]
    assert [r["type"] for r in rows] == ["turn1", "followup", "followup"]
    # The planted figure failed the check: the extract is the answer, the model's text set apart.
    assert rows[0]["answerer"] == "extractive" and "不一致" in rows[0]["unverified"][0]
    assert rows[0]["answer"].startswith("40822人次")
    assert rows[2]["searched_question"] == "建成了多少个示范村?"
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["answerer"] == "openai:fake"
    overall = report["systems"]["product"]["overall"]
    answered = [r for r in rows if not r["refused"]]
    failed = sum(bool(r.get("unverified")) or not r["verification"]["ok"] for r in answered)
    assert failed >= 1
    assert overall["verification_failed"] == pytest.approx(failed / len(answered))
    assert overall["llm_fallback"] == 0.0
    assert "verification_failed" in (out / "report.md").read_text(encoding="utf-8")


def test_gold_paragraphs_are_found_by_quote() -> None:
    from eval.datasets import gold_by_quote
    from ingest.records import Paragraph

    paragraphs = [
        Paragraph("a#1", "a", "A", 1, "国内生产总值增长6.9%。"),
        Paragraph("b#1", "b", "B", 1, "国内生产总值达到74.4万亿元，增长6.7%。"),
        Paragraph("b#2", "b", "B", 2, "又说一遍：增长６．７％。"),
    ]
    item = load_qa_row(
        {"id": "x", "question": "q", "answers": ["6.7%"], "gold_quote": "增长6.7%", "doc": "b.txt"}
    )
    (found,) = gold_by_quote([item], paragraphs, {"b.txt": "b", "a.txt": "a"})
    assert found.gold == {"b#1", "b#2"}  # NFKC: full-width digits match too
    assert found.answerable
    unanswerable = load_qa_row({"id": "y", "question": "q", "answers": [], "answerable": False})
    assert not gold_by_quote([unanswerable], paragraphs, {})[0].answerable


def load_qa_row(row: dict[str, Any]):  # type: ignore[no-untyped-def]
    from eval.datasets import _item

    return _item(row, row["id"], "t", ())
