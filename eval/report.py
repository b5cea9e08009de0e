"""Scores per question, summaries per system and question type, report.md and the chart."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eval import metrics
from eval.datasets import QAItem

# Metrics shown as percentages, in report order.
RATE_KEYS = (
    "hit@1",
    "hit@5",
    "hit@10",
    "mrr@10",
    "recall@10",
    "answer_accuracy",
    "answer_accuracy_loose",
    "short_answer_accuracy",
    "citation_precision",
    "citation_recall",
    "numbers_supported",
    "wrongly_refused",
    "refused_when_gold_removed",
    "refused_unanswerable",
    "verification_failed",
    "llm_fallback",
    "table_cell_accuracy",
    "table_cell_accuracy_loose",
    "table_accuracy",
    "table_missing_said",
    "key_point_recall",
    "points_from_gold_doc",
)
OTHER_KEYS = (
    "table_cells",
    "table_filled_uncovered",
    "median_answer_chars",
    "latency_p50_ms",
    "latency_p95_ms",
    "questions",
)
CHART_KEYS = (
    "hit@1",
    "hit@5",
    "answer_accuracy",
    "short_answer_accuracy",
    "refused_when_gold_removed",
    "refused_unanswerable",
)
# An answer a person reads at a glance; a pasted passage (200-700 characters) is not one.
SHORT_ANSWER_CHARS = 120


def score_item(item: QAItem, result: dict[str, Any]) -> dict[str, Any]:
    """Per-question scores of one `kb ask --json` result."""
    scores: dict[str, Any] = {
        "answer_chars": len(result["answer"]),
        "latency_ms": result["latency_ms"],
        "refused": float(result["refused"]),
    }
    rejected = bool(result.get("unverified"))  # a model's text that failed the check, folded away
    if (result.get("answerer", "extractive") != "extractive" or rejected) and not result["refused"]:
        scores["verification_failed"] = float(rejected or not result["verification"]["ok"])
    if not item.answerable:
        return scores
    if item.table is not None:
        return scores | metrics.table_scores(item.table, result.get("table") or [])
    ranked = [r["paragraph_id"] for r in result["retrieved"]]
    gold = set(item.gold)
    if item.key_points:
        return scores | _ranking(ranked, gold) | prose_scores(item, result)
    cited = {c["paragraph_id"]: c["text"] for c in result["citations"]}
    answered = not result["refused"]
    scores.update(_ranking(ranked, gold))
    scores.update(
        {
            "correct": float(
                answered
                and metrics.answer_correct(
                    result["answer"], item.answers, item.answer_groups, item.answer_match, strict=True
                )
            ),
            "correct_loose": float(
                answered
                and metrics.answer_correct(
                    result["answer"], item.answers, item.answer_groups, item.answer_match
                )
            ),
        }
    )
    scores["correct_short"] = float(scores["correct"] and len(result["answer"]) <= SHORT_ANSWER_CHARS)
    if answered:
        scores["citation_precision"] = metrics.citation_precision(cited, gold, item.answers)
        scores["citation_recall"] = metrics.citation_recall(cited, item.answer_groups)
        scores["numbers_supported"] = float(metrics.numbers_supported(result["answer"], list(cited.values())))
    return scores


def _ranking(ranked: list[str], gold: set[str]) -> dict[str, float]:
    return {
        "hit@1": metrics.hit_at(ranked, gold, 1),
        "hit@5": metrics.hit_at(ranked, gold, 5),
        "hit@10": metrics.hit_at(ranked, gold, 10),
        "mrr@10": metrics.reciprocal_rank(ranked, gold, 10),
        "recall@10": metrics.recall_at(ranked, gold, 10),
    }


def prose_scores(item: QAItem, result: dict[str, Any]) -> dict[str, Any]:
    """A prose question's scores: the key points its answer names within what a reader reads
    first (a refusal names none), and the share of its points (or, when it lists none, of its
    citations) taken from the document that answers it."""
    if result["refused"]:
        return {"key_point_recall": 0.0, "key_points_named": 0.0, "key_points": float(len(item.key_points))}
    named = metrics.key_points_named(result["answer"], item.key_points)
    cited = {c["n"]: c["paragraph_id"] for c in result["citations"]}
    points = result.get("points") or []
    ids = [cited[p["citation"]] for p in points if p.get("citation") in cited] or list(cited.values())
    out: dict[str, Any] = {
        "key_point_recall": sum(named) / len(named),
        "key_points_named": float(sum(named)),
        "key_points": float(len(named)),
    }
    if item.gold_doc:
        out["points_from_gold_doc"] = metrics.share_from_document(ids, item.gold_doc)
    return out


def _mean_of(rows: Sequence[dict[str, Any]], key: str) -> float | None:
    values = [r[key] for r in rows if key in r]
    return metrics.mean(values) if values else None


# Rates that get a 95% (Wilson) interval in the report: sets are small (tens of questions).
CI_KEYS = (
    "answer_accuracy",
    "answer_accuracy_loose",
    "wrongly_refused",
    "refused_when_gold_removed",
    "refused_unanswerable",
)


def _interval(rows: Sequence[dict[str, Any]], key: str) -> list[float] | None:
    values = [r[key] for r in rows if key in r]
    if not values:
        return None
    lo, hi = metrics.wilson_interval(sum(values), len(values))
    return [round(lo, 4), round(hi, 4)]


def summarize(items: Sequence[QAItem], scores: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Overall figures of one system; keys absent when no question measures them."""
    answerable = [s for i, s in zip(items, scores, strict=True) if i.answerable]
    unanswerable = [s for i, s in zip(items, scores, strict=True) if not i.answerable]
    out: dict[str, float | None] = {
        k: _mean_of(answerable, k) for k in ("hit@1", "hit@5", "hit@10", "mrr@10", "recall@10")
    }
    out["answer_accuracy"] = _mean_of(answerable, "correct")
    out["answer_accuracy_loose"] = _mean_of(answerable, "correct_loose")
    out["short_answer_accuracy"] = _mean_of(answerable, "correct_short")
    for key in ("citation_precision", "citation_recall", "numbers_supported"):
        out[key] = _mean_of(answerable, key)
    out["wrongly_refused"] = _mean_of(answerable, "refused")
    out["refused_when_gold_removed"] = _mean_of(answerable, "refused_without_gold")
    out["refused_unanswerable"] = _mean_of(unanswerable, "refused")
    out["key_point_recall"] = _mean_of(answerable, "key_point_recall")
    out["points_from_gold_doc"] = _mean_of(answerable, "points_from_gold_doc")
    out["verification_failed"] = _mean_of(scores, "verification_failed")
    out["llm_fallback"] = _mean_of(scores, "llm_fallback")
    answered = [s["answer_chars"] for s in scores if not s["refused"]]
    out["median_answer_chars"] = metrics.percentile(answered, 50) if answered else None
    latencies = [s["latency_ms"] for s in scores]
    out["latency_p50_ms"] = metrics.percentile(latencies, 50)
    out["latency_p95_ms"] = metrics.percentile(latencies, 95)
    cells = [s for s in scores if "table_cells" in s]
    cell_interval = None
    if cells:
        total = sum(s["table_cells"] for s in cells)
        out["table_cells"] = float(total)
        out["table_cell_accuracy"] = sum(s["table_cells_right"] for s in cells) / total if total else None
        out["table_cell_accuracy_loose"] = (
            sum(s["table_cells_right_loose"] for s in cells) / total if total else None
        )
        out["table_accuracy"] = _mean_of(cells, "table_right")
        uncovered = sum(s["table_uncovered"] for s in cells)
        out["table_missing_said"] = (
            sum(s["table_uncovered"] - s["table_filled_uncovered"] for s in cells) / uncovered
            if uncovered
            else None
        )
        out["table_filled_uncovered"] = float(sum(s["table_filled_uncovered"] for s in cells))
        right = sum(s["table_cells_right"] for s in cells)
        cell_interval = metrics.wilson_interval(right, int(total)) if total else None
    out["questions"] = float(len(scores))
    out["answerable"] = float(len(answerable))
    summary: dict[str, Any] = {k: v for k, v in out.items() if v is not None}
    if cells and cell_interval is not None:
        # Cells of one table are not independent: the interval is optimistic (a rough guide).
        summary["table_cell_accuracy_ci"] = [round(cell_interval[0], 4), round(cell_interval[1], 4)]
    sources = {
        "answer_accuracy": (answerable, "correct"),
        "answer_accuracy_loose": (answerable, "correct_loose"),
        "wrongly_refused": (answerable, "refused"),
        "refused_when_gold_removed": (answerable, "refused_without_gold"),
        "refused_unanswerable": (unanswerable, "refused"),
        "table_accuracy": (answerable, "table_right"),
    }
    for key, (rows, score) in sources.items():
        interval = _interval(rows, score)
        if interval is not None:
            summary[f"{key}_ci"] = interval
    recalls = [s["key_point_recall"] for s in answerable if "key_point_recall" in s]
    if recalls:
        lo, hi = metrics.bootstrap_interval(recalls)
        summary["key_point_recall_ci"] = [round(lo, 4), round(hi, 4)]
    return summary


def by_type(items: Sequence[QAItem], scores: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    types = sorted({i.type for i in items})
    return {
        t: summarize(
            [i for i in items if i.type == t], [s for i, s in zip(items, scores, strict=True) if i.type == t]
        )
        for t in types
    }


def _cell(key: str, value: float | None, interval: Sequence[float] | None = None) -> str:
    if value is None:
        return "—"
    if key not in RATE_KEYS:
        return f"{value:.0f}"
    if interval is None:
        return f"{value * 100:.1f}%"
    return f"{value * 100:.1f}% [{interval[0] * 100:.0f}–{interval[1] * 100:.0f}]"


def cell_of(figures: dict[str, Any], key: str) -> str:
    """A figure as shown in tables: a rate with its 95% interval when there is one."""
    return _cell(key, figures.get(key), figures.get(f"{key}_ci"))


def render_markdown(name: str, report: dict[str, Any]) -> str:
    systems = list(report["systems"])
    answerer = report.get("answerer", "extractive")
    lines = [
        f"# Eval: {name}",
        "",
        f"QA file: `{report['qa']}`; source: `{report['source']}`; product answerer: `{answerer}`.",
        "",
    ]
    lines += ["| metric | " + " | ".join(systems) + " |", "|---" * (len(systems) + 1) + "|"]
    for key in (*RATE_KEYS, *OTHER_KEYS):
        overall = [report["systems"][s]["overall"] for s in systems]
        if any(key in o for o in overall):
            lines.append(f"| {key} | " + " | ".join(cell_of(o, key) for o in overall) + " |")
    product = systems[0]
    lines += ["", f"## By question type ({product})", ""]
    type_keys = (
        "questions",
        "hit@1",
        "answer_accuracy",
        "answer_accuracy_loose",
        "wrongly_refused",
        "refused_unanswerable",
        "key_point_recall",
    )
    lines += ["| type | " + " | ".join(type_keys) + " |", "|---" * (len(type_keys) + 1) + "|"]
    for qtype, figures in report["systems"][product]["by_type"].items():
        cells = " | ".join(_cell(k, figures.get(k)) for k in type_keys)
        lines.append(f"| {qtype} | {cells} |")
    lines += ["", DEFINITIONS]
    return "\n".join(lines) + "\n"


DEFINITIONS = """Definitions: hit@k, MRR@10 and recall@10 over the ranked paragraph ids of `retrieved`
(answerable questions); answer_accuracy (strict, the headline): the set's rule (`any` / `all_groups`) after
NFKC, lower-casing and removing white space, applied to what a reader takes as the answer: the lead
figure before "依据：" when the answer has one, else the whole text, citation markers removed, and an
accepted string may not sit inside a longer number ("6.7%" is not in "16.7%"); a refusal counts as
wrong; answer_accuracy_loose: the set's own rule anywhere in the answer text; short_answer_accuracy:
strictly correct and at most 120 characters long (a pasted passage is not a short answer); [a–b]:
95% Wilson interval; citation_precision: cited paragraphs that are gold or contain an accepted
answer; citation_recall: answer groups backed by a cited paragraph; numbers_supported: answers whose
every number, percentage and date occurs in a cited paragraph; wrongly_refused: answerable questions
refused; refused_when_gold_removed: each question asked again with its own gold paragraphs excluded
from retrieval; refused_unanswerable: questions the set marks unanswerable that were refused;
verification_failed: generated (LLM) answers that failed the citation and figure check, of those not
refused; llm_fallback: questions where the model failed (error, timeout) and the extractive answer
was shown; median_answer_chars over answered questions; latency per question, end to end (a
follow-up's earlier turns are asked first and not timed). Table questions (`answer_table`): each
row's cell against the accepted texts after NFKC and dash unification, exact (table_cell_accuracy) or
either containing the other (loose); a row the set marks null must be shown as missing
(table_missing_said), and table_filled_uncovered counts the cells filled for such rows (must be 0);
table_accuracy: tables with every cell right. Prose questions (`key_points`): key_point_recall is the
share of a question's key points (short phrases of the report) named in the first 600 characters of
the answer, citation markers and white space removed, after NFKC and lower-casing (a refusal names
none; [a–b]: 95% bootstrap interval of the mean); points_from_gold_doc: the share of the answer's
points (or, without points, of its citations) taken from the report that answers it."""


def write_chart(path: Path, name: str, report: dict[str, Any]) -> None:
    """Grouped bars: one group per metric, one bar per system."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    systems = list(report["systems"])
    keys = [k for k in CHART_KEYS if any(k in report["systems"][s]["overall"] for s in systems)]
    width = 0.8 / max(len(systems), 1)
    fig, ax = plt.subplots(figsize=(2.0 + 1.9 * len(keys), 4.2))
    for i, system in enumerate(systems):
        values = [report["systems"][system]["overall"].get(k, 0.0) * 100 for k in keys]
        xs = [x + (i - (len(systems) - 1) / 2) * width for x in range(len(keys))]
        bars = ax.bar(xs, values, width, label=system)
        ax.bar_label(bars, fmt="%.0f", fontsize=7)
    ax.set_xticks(range(len(keys)), keys, fontsize=8)
    ax.set_ylim(0, 105)
    ax.set_ylabel("%")
    ax.set_title(f"{name}: product vs. baselines")
    ax.legend(fontsize=8, ncols=len(systems), loc="upper center", bbox_to_anchor=(0.5, -0.1), frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
