"""Fit the refusal model on the dev sets: answerable vs. gold-removed questions.

    python -m eval.calibrate [--sets rgb_zh rgb_zh_int cmrc2018] [--data ../shared/eval-data]

For every dev question (every part of one joining two facts) the evidence features are computed
twice: on the set's index (label: answer) and on its refusal variant, the same index with every
question's gold paragraphs removed (label: refuse; built by eval.variants, as `kb eval` does). A logistic
regression on the features is fitted; the threshold is the highest that refuses at most 5% of
the answerable questions (--max-false-refusal).
Prints the weights to put into `rag.refusal.RefusalModel` and the error rates per set.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

import numpy as np
from tqdm import tqdm

from eval.datasets import load_qa
from eval.run import open_kb
from eval.variants import build_without
from rag.answer import ExtractiveAnswerer
from rag.decompose import split_question
from rag.pipeline import KnowledgeBase
from rag.refusal import FEATURES, RefusalModel


def collect(kb: KnowledgeBase, without_gold: KnowledgeBase, qa: Path) -> tuple[np.ndarray, np.ndarray]:
    """Evidence features of every question (part) asked of the set's index (label 1: should
    answer) and of its refusal variant, all gold paragraphs removed (label 0: should refuse)."""
    rows, labels = [], []
    for item in tqdm(load_qa(qa), desc=qa.parent.name, unit="题"):
        # The product decides per part of a question that joins two facts; so does this.
        for part in split_question(item.question):
            for base, label in ((kb, 1), (without_gold, 0)):
                retriever, answerer = base._current()
                assert isinstance(answerer, ExtractiveAnswerer)
                hits = retriever.retrieve(part, top_k=5)
                _sentences, feats = answerer.evidence(part, hits)
                rows.append([feats[name] for name in FEATURES])
                labels.append(label)
    return np.asarray(rows), np.asarray(labels)


def fit_logistic(
    x: np.ndarray, y: np.ndarray, steps: int = 20000, lr: float = 0.5
) -> tuple[np.ndarray, float]:
    """Plain gradient descent on standardised features (few features, few thousand rows)."""
    mu, sd = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = (x - mu) / sd
    w, b = np.zeros(z.shape[1]), 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(z @ w + b)))
        w -= lr * (z.T @ (p - y) / len(y) + 1e-3 * w)
        b -= lr * float(np.mean(p - y))
    return w / sd, b - float(np.sum(w * mu / sd))


def choose_threshold(p: np.ndarray, y: np.ndarray, max_false_refusal: float) -> float:
    """The highest threshold that refuses at most `max_false_refusal` of answerable questions.

    The extractive answerer only ever quotes the knowledge base with a citation, so a weak
    answer costs less than a refused answerable question; the cap says how much less."""
    candidates = np.round(np.linspace(0.05, 0.95, 91), 2)
    allowed = [t for t in candidates if (p < t)[y == 1].mean() <= max_false_refusal]
    return float(max(allowed)) if allowed else float(candidates[0])


def tradeoff_table(p: np.ndarray, y: np.ndarray, chosen: float) -> str:
    lines = ["| threshold | answerable refused | gold-removed refused |", "|---|---|---|"]
    for t in sorted({0.1, 0.2, 0.3, 0.4, 0.5, 0.6, chosen}):
        lines.append(f"| {t:.2f} | {(p < t)[y == 1].mean():.1%} | {(p < t)[y == 0].mean():.1%} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.calibrate")
    parser.add_argument("--data", type=Path, default=Path("../shared/eval-data"))
    parser.add_argument("--sets", nargs="+", default=["rgb_zh", "rgb_zh_int", "cmrc2018"])
    parser.add_argument(
        "--max-false-refusal",
        type=float,
        default=0.05,
        help="share of answerable questions (pooled) the chosen threshold may refuse",
    )
    args = parser.parse_args(argv)
    per_set = {}
    for name in args.sets:
        qa = args.data / name / "qa_dev.jsonl"
        index = Path(".cache/eval") / name
        kb = open_kb(args.data / name / "corpus.jsonl", None, index, progress=True)
        gold = set().union(*(item.gold for item in load_qa(qa)))
        variant = build_without(index, index.with_name(index.name + "-refusal"), gold)
        without_gold = KnowledgeBase(replace(kb.settings, index_dir=variant), embedder=kb.embedder)
        per_set[name] = collect(kb, without_gold, qa)
    x = np.vstack([v[0] for v in per_set.values()])
    y = np.concatenate([v[1] for v in per_set.values()])
    w, b = fit_logistic(x, y)
    model = RefusalModel(weights=tuple(round(float(v), 3) for v in w), bias=round(b, 3))
    probs = np.array([model.probability(dict(zip(FEATURES, row, strict=True))) for row in x])
    threshold = choose_threshold(probs, y, args.max_false_refusal)
    print(tradeoff_table(probs, y, threshold))
    print()
    print(f"RefusalModel(weights={model.weights}, bias={model.bias}, threshold={threshold:.2f})")
    print("| set | answered with gold present | refused with gold removed |")
    print("|---|---|---|")
    for name, (xs, ys) in per_set.items():
        p = np.array([model.probability(dict(zip(FEATURES, row, strict=True))) for row in xs])
        answered = float((p >= threshold)[ys == 1].mean())
        refused = float((p < threshold)[ys == 0].mean())
        print(f"| {name} | {answered:.1%} | {refused:.1%} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
