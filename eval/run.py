"""Run a QA set through the same path as `kb ask` and score it.

    python -m eval --qa ../shared/eval-data/rgb_zh/qa_dev.jsonl \
                   --corpus ../shared/eval-data/rgb_zh/corpus.jsonl --out eval-out/rgb_zh

The QA file is read by path at run time (the eval sets' licences forbid copying them).
Writes results.jsonl (one `kb ask --json` object per question plus its scores), report.json
and report.md into --out.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from eval import metrics
from ingest.config import Settings
from rag.pipeline import KnowledgeBase


@dataclass(frozen=True)
class QAItem:
    id: str
    question: str
    answers: list[str]
    answer_groups: list[list[str]]
    answer_match: str
    gold: frozenset[str]


def load_qa(path: Path, limit: int | None = None) -> list[QAItem]:
    items = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                items.append(
                    QAItem(
                        id=str(row["id"]),
                        question=row["question"],
                        answers=list(row.get("answers", [])),
                        answer_groups=[list(g) for g in row.get("answer_groups") or [row.get("answers", [])]],
                        answer_match=row.get("answer_match", "any"),
                        gold=frozenset(row.get("gold_passage_ids", [])),
                    )
                )
            except (KeyError, TypeError, json.JSONDecodeError) as exc:
                raise ValueError(f"{path} 第 {n} 行格式错误：{exc}") from exc
    return items[:limit] if limit else items


def score_item(item: QAItem, result: dict[str, Any]) -> dict[str, Any]:
    ranked = [r["paragraph_id"] for r in result["retrieved"]]
    cited = [c["paragraph_id"] for c in result["citations"]]
    gold = set(item.gold)
    correct = (not result["refused"]) and metrics.answer_correct(
        result["answer"], item.answers, item.answer_groups, item.answer_match
    )
    return {
        "hit@1": metrics.hit_at(ranked, gold, 1),
        "hit@5": metrics.hit_at(ranked, gold, 5),
        "hit@10": metrics.hit_at(ranked, gold, 10),
        "mrr@10": metrics.reciprocal_rank(ranked, gold, 10),
        "recall@10": metrics.recall_at(ranked, gold, 10),
        "correct": float(correct),
        "refused": float(result["refused"]),
        "cited_gold": float(bool(set(cited) & gold)) if not result["refused"] else 0.0,
        "answer_chars": len(result["answer"]),
    }


def evaluate(
    kb: KnowledgeBase, items: Sequence[QAItem], refusal_variant: bool = True, progress: bool = True
) -> tuple[list[dict[str, Any]], dict[str, float]]:
    rows: list[dict[str, Any]] = []
    for item in tqdm(items, desc="评测", unit="题", disable=not progress):
        result = kb.ask(item.question, top_k=10).to_json()
        row = {"id": item.id, **result, "scores": score_item(item, result)}
        if refusal_variant and item.gold:
            # The same question with its gold paragraphs removed: the right answer is a refusal.
            without = kb.ask(item.question, top_k=10, exclude=item.gold)
            row["scores"]["refused_without_gold"] = float(without.refused)
        rows.append(row)
    return rows, summarize(rows)


def summarize(rows: Sequence[dict[str, Any]]) -> dict[str, float]:
    keys = ["hit@1", "hit@5", "hit@10", "mrr@10", "recall@10", "correct", "refused", "cited_gold"]
    summary = {k: metrics.mean([r["scores"][k] for r in rows]) for k in keys}
    summary["answer_accuracy"] = summary.pop("correct")
    summary["wrongly_refused"] = summary.pop("refused")
    neg = [r["scores"]["refused_without_gold"] for r in rows if "refused_without_gold" in r["scores"]]
    if neg:
        summary["refused_without_gold"] = metrics.mean(neg)
    latencies = [r["latency_ms"] for r in rows]
    summary["median_answer_chars"] = metrics.percentile([r["scores"]["answer_chars"] for r in rows], 50)
    summary["latency_p50_ms"] = metrics.percentile(latencies, 50)
    summary["latency_p95_ms"] = metrics.percentile(latencies, 95)
    summary["questions"] = float(len(rows))
    return summary


def render_markdown(name: str, summary: dict[str, float]) -> str:
    pct = [
        "hit@1",
        "hit@5",
        "hit@10",
        "mrr@10",
        "recall@10",
        "answer_accuracy",
        "cited_gold",
        "wrongly_refused",
        "refused_without_gold",
    ]
    lines = [f"# Eval: {name}", "", "| metric | value |", "|---|---|"]
    for key, value in summary.items():
        shown = f"{value * 100:.1f}%" if key in pct else f"{value:.1f}"
        lines.append(f"| {key} | {shown} |")
    return "\n".join(lines) + "\n"


def write_outputs(out: Path, name: str, rows: Sequence[dict[str, Any]], summary: dict[str, float]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "results.jsonl", "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    (out / "report.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    (out / "report.md").write_text(render_markdown(name, summary), encoding="utf-8")


def open_kb(corpus: Path | None, kb_dir: Path | None, index_dir: Path, progress: bool) -> KnowledgeBase:
    """Build (or bring up to date) the index for the corpus, then open it."""
    from ingest.build import ingest

    settings = Settings.from_env(kb_dir=kb_dir, index_dir=index_dir)
    report = ingest(settings, [corpus] if corpus else None, progress=progress)
    if report.failed:
        raise ValueError("；".join(f"{p}: {r}" for p, r in report.failed))
    return KnowledgeBase(settings)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval", description="Score a QA set")
    parser.add_argument("--qa", type=Path, required=True, help="QA .jsonl (id, question, answers, ...)")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--corpus", type=Path, help="passage .jsonl to index")
    source.add_argument("--kb-dir", type=Path, help="a knowledge-base folder to index")
    parser.add_argument("--index-dir", type=Path, help="where the index lives (reused between runs)")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--limit", type=int, default=None, help="only the first N questions")
    parser.add_argument("--no-refusal", action="store_true", help="skip the gold-removed refusal pass")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)

    name = args.qa.parent.name if args.corpus else (args.kb_dir.name or "kb")
    index_dir = args.index_dir or Path(".cache/eval") / name
    kb = open_kb(args.corpus, args.kb_dir, index_dir, progress=not args.quiet)
    items = load_qa(args.qa, args.limit)
    rows, summary = evaluate(kb, items, refusal_variant=not args.no_refusal, progress=not args.quiet)
    write_outputs(args.out, name, rows, summary)
    print(render_markdown(name, summary))
    return 0
