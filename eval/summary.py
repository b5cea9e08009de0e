"""Print the comparison tables of docs/evaluation.md and docs/llm.md from finished `kb eval` runs.

    python -m eval.summary eval-out/qijiang-2021 eval-out/rgb_zh eval-out/rgb_zh_int eval-out/cmrc2018
    python -m eval.summary --answerers eval-out/qijiang-2021 eval-out/qijiang-2021-llm ...
    python -m eval.summary --classes eval-out/reports-classes eval-out/reports-classes-heldout

The second form compares answerers: one row per run, its product system, labelled by the run's
answerer, with the verification-failure and fallback rates.

Reads each folder's report.json, so the figures in the docs are the figures of those runs.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

LABELS = {
    "hit@1": "hit@1",
    "hit@5": "hit@5",
    "answer_accuracy": "strict acc. [95% CI]",
    "answer_accuracy_loose": "loose acc.",
    "median_answer_chars": "median answer",
    "wrongly_refused": "wrongly refused",
    "refused_when_gold_removed": "refused, gold removed",
    "refused_unanswerable": "refused, unanswerable",
    "verification_failed": "verification failed",
    "llm_fallback": "model failed",
    "latency_p50_ms": "p50 ms",
    "table_cell_accuracy": "cells right [95% CI]",
    "table_cell_accuracy_loose": "cells right, loose",
    "table_accuracy": "tables entirely right [95% CI]",
    "table_missing_said": "uncovered years said missing",
    "table_filled_uncovered": "cells filled for uncovered years",
    "key_point_recall": "key-point recall [95% CI]",
    "points_from_gold_doc": "points from the gold report",
}
_ANSWERS = ("answer_accuracy", "answer_accuracy_loose", "median_answer_chars", "wrongly_refused")
_REFUSALS = ("refused_when_gold_removed", "refused_unanswerable")
COLUMNS = tuple((k, LABELS[k]) for k in ("hit@1", "hit@5", *_ANSWERS, *_REFUSALS, "latency_p50_ms"))


def _cell(key: str, figures: dict[str, Any]) -> str:
    value = figures.get(key)
    if value is None:
        return "—"
    if key in ("median_answer_chars", "latency_p50_ms", "table_filled_uncovered"):
        return f"{value:.0f}"
    interval = figures.get(f"{key}_ci")
    if key in _WITH_CI and interval is not None:
        return f"{value * 100:.1f}% [{interval[0] * 100:.0f}–{interval[1] * 100:.0f}]"
    return f"{value * 100:.1f}%"


# Rates shown with their 95% Wilson interval (eval.report computes it).
_WITH_CI = (
    "key_point_recall",
    "answer_accuracy",
    "wrongly_refused",
    "refused_unanswerable",
    "table_cell_accuracy",
    "table_accuracy",
)


def table(runs: dict[str, dict[str, Any]], columns: tuple[tuple[str, str], ...] = COLUMNS) -> str:
    """One row per run and system."""
    lines = ["| set | system | " + " | ".join(label for _k, label in columns) + " |"]
    lines.append("|---" * (len(columns) + 2) + "|")
    for name, report in runs.items():
        for system, figures in report["systems"].items():
            overall = figures["overall"]
            cells = " | ".join(_cell(k, overall) for k, _label in columns)
            shown = f"**{system}**" if system == "product" else system
            lines.append(f"| {name} ({overall['questions']:.0f}) | {shown} | {cells} |")
    return "\n".join(lines)


ANSWERER_COLUMNS = tuple(
    (k, LABELS[k])
    for k in ("hit@1", *_ANSWERS, *_REFUSALS, "verification_failed", "llm_fallback", "latency_p50_ms")
)


def _product_rows(
    runs: dict[str, dict[str, Any]],
    columns: tuple[tuple[str, str], ...],
    head: tuple[str, str],
    second: Callable[[dict[str, Any], dict[str, Any]], str],
) -> str:
    """One row per run, its product system's figures; `second` fills the second column."""
    lines = [f"| {head[0]} | {head[1]} | " + " | ".join(label for _k, label in columns) + " |"]
    lines.append("|---" * (len(columns) + 2) + "|")
    for name, report in runs.items():
        overall = report["systems"]["product"]["overall"]
        cells = " | ".join(_cell(k, overall) for k, _label in columns)
        lines.append(f"| {name} ({overall['questions']:.0f}) | {second(report, overall)} | {cells} |")
    return "\n".join(lines)


def answerer_table(runs: dict[str, dict[str, Any]]) -> str:
    return _product_rows(
        runs, ANSWERER_COLUMNS, ("run", "answerer"), lambda report, _o: report.get("answerer", "extractive")
    )


TABLE_COLUMNS = tuple(
    (k, LABELS[k])
    for k in (
        "table_cell_accuracy",
        "table_cell_accuracy_loose",
        "table_accuracy",
        "table_missing_said",
        "table_filled_uncovered",
        "latency_p50_ms",
    )
)


def tables_table(runs: dict[str, dict[str, Any]]) -> str:
    """The runs of table questions (answer_table): per cell, per table, uncovered years."""
    return _product_rows(
        runs, TABLE_COLUMNS, ("set", "cells"), lambda _r, overall: f"{overall['table_cells']:.0f}"
    )


PROSE_COLUMNS = tuple(
    (k, LABELS[k])
    for k in (
        "key_point_recall",
        "points_from_gold_doc",
        "median_answer_chars",
        "wrongly_refused",
        "refused_unanswerable",
        "latency_p50_ms",
    )
)


def prose_table(runs: dict[str, dict[str, Any]], by_answerer: bool = False) -> str:
    """The runs of prose questions (key_points): every system, or one row per answerer."""
    if by_answerer:
        return _product_rows(
            runs, PROSE_COLUMNS, ("run", "answerer"), lambda report, _o: report.get("answerer", "extractive")
        )
    return table(runs, PROSE_COLUMNS)


CLASS_COLUMNS = tuple(
    (k, LABELS[k])
    for k in ("answer_accuracy", "wrongly_refused", "refused_unanswerable", "table_cell_accuracy")
)


def classes_table(runs: dict[str, dict[str, Any]]) -> str:
    """Sets of question classes (figures and table rows mixed): the product's figures for each
    set as a whole, then per class; strict accuracy over the single-figure questions, cells over
    the table ones."""
    head = " | ".join(label for _k, label in CLASS_COLUMNS)
    lines = [f"| set | class | answerable | unanswerable | {head} |", "|---" * (len(CLASS_COLUMNS) + 4) + "|"]
    for name, report in runs.items():
        product = report["systems"]["product"]
        rows = [("all", product["overall"]), *sorted(product["by_type"].items())]
        for kind, figures in rows:
            unanswerable = figures["questions"] - figures.get("answerable", figures["questions"])
            cells = " | ".join(_cell(k, figures) for k, _label in CLASS_COLUMNS)
            lines.append(
                f"| {name} | {kind} | {figures.get('answerable', 0):.0f} | {unanswerable:.0f} | {cells} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = list(argv if argv is not None else sys.argv[1:])
    if args[:1] == ["--classes"]:
        runs = {
            Path(a).name: json.loads((Path(a) / "report.json").read_text(encoding="utf-8")) for a in args[1:]
        }
        print(classes_table(runs))
        return 0
    by_answerer = args[:1] == ["--answerers"]
    folders = [Path(a) for a in args[1:] if by_answerer] or [Path(a) for a in args]
    runs = {f.name: json.loads((f / "report.json").read_text(encoding="utf-8")) for f in folders}
    tables = {n: r for n, r in runs.items() if "table_cells" in r["systems"]["product"]["overall"]}
    prose = {n: r for n, r in runs.items() if "key_point_recall" in r["systems"]["product"]["overall"]}
    others = {n: r for n, r in runs.items() if n not in tables and n not in prose}
    printed = []
    if others:
        printed.append(answerer_table(others) if by_answerer else table(others))
    if tables:
        printed.append(tables_table(tables))
    if prose:
        printed.append(prose_table(prose, by_answerer))
    print("\n\n".join(printed))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
