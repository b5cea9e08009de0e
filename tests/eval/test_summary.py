"""The README tables come from report.json files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.summary import main


def _report(folder: Path, answerer: str, overall: dict[str, float]) -> None:
    folder.mkdir()
    report = {"answerer": answerer, "systems": {"product": {"overall": overall, "by_type": {}}}}
    (folder / "report.json").write_text(json.dumps(report), encoding="utf-8")


def test_answerer_table_puts_runs_side_by_side(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _report(tmp_path / "gold", "extractive", {"questions": 82, "hit@1": 0.8125, "latency_p50_ms": 39.4})
    _report(
        tmp_path / "gold-llm",
        "openai:qwen",
        {"questions": 82, "hit@1": 0.8125, "verification_failed": 0.25, "llm_fallback": 0.0},
    )
    assert main(["--answerers", str(tmp_path / "gold"), str(tmp_path / "gold-llm")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("| run | answerer | hit@1 |")
    assert lines[2].startswith("| gold (82) | extractive | 81.2% |") and lines[2].endswith("| — | — | 39 |")
    assert "| gold-llm (82) | openai:qwen | 81.2% |" in lines[3]
    assert lines[3].endswith("| 25.0% | 0.0% | — |")


def test_the_headline_is_strict_accuracy_with_its_interval(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    overall = {
        "questions": 70,
        "answer_accuracy": 0.9636,
        "answer_accuracy_ci": [0.8769, 0.99],
        "answer_accuracy_loose": 0.98,
        "wrongly_refused": 0.018,
        "wrongly_refused_ci": [0.003, 0.096],
    }
    _report(tmp_path / "reports-dev", "extractive", overall)
    assert main([str(tmp_path / "reports-dev")]) == 0
    header, _rule, row = capsys.readouterr().out.splitlines()
    assert "| strict acc. [95% CI] | loose acc. |" in header
    assert "| 96.4% [88–99] | 98.0% |" in row and "| 1.8% [0–10] |" in row
