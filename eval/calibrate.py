"""Fit the refusal model on the dev sets: answerable vs. gold-removed questions.

    python -m eval.calibrate [--sets rgb_zh rgb_zh_int cmrc2018] [--data ../shared/eval-data]
                             [--gold QA:KB_DIR ...]   (default: this project's dev gold sets)
    python -m eval.calibrate --prose                  (the refusal of prose questions, rag.prose)

For every dev question (every part of one joining two facts) the evidence features are computed
twice: on the set's index (label: answer) and on its refusal variant, the same index with every
question asked again with its own gold paragraphs left out (label: refuse, as `kb eval` does). A logistic
regression on the features is fitted; the threshold is the highest that refuses at most 5% of
any set's answerable questions (--max-false-refusal, 5%).
Prints the weights to put into `rag.evidence.refusal.RefusalModel` and the error rates per set.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from eval.datasets import load_qa
from eval.run import index_for, open_kb, with_product_gold
from rag.evidence.ground import ground
from rag.evidence.refusal import FEATURES, RefusalModel
from rag.evidence.retrieve import EVERYTHING, SearchFilter
from rag.figures.answer import ExtractiveAnswerer
from rag.pipeline import KnowledgeBase, idf_weights
from rag.prose.answer import PROSE_HITS, ProseAnswerer
from rag.prose.refusal import FEATURES as PROSE_FEATURES
from rag.prose.refusal import ProseRefusal
from rag.question.decompose import split_question
from rag.question.focus import Focus
from rag.question.kind import prose_kind


def collect(kb: KnowledgeBase, qa: Path) -> tuple[np.ndarray, np.ndarray]:
    """Evidence features of every question (part) asked of the set's index (label 1: should
    answer) and asked again with its own gold paragraphs left out (label 0: should refuse)."""
    rows, labels = [], []
    retriever, answerer = kb.current()
    assert isinstance(answerer, ExtractiveAnswerer)
    for item in tqdm(with_product_gold(load_qa(qa), kb), desc=qa.stem, unit="题"):
        if item.history:
            continue  # a follow-up alone is no question; the product asks it rewritten
        # The product decides per part of a question that joins two facts; so does this.
        # An unanswerable question (a set may mark some) is a negative on the index itself.
        cases = (
            [(EVERYTHING, 1), (SearchFilter(exclude=item.gold), 0)] if item.answerable else [(EVERYTHING, 0)]
        )
        for part in split_question(item.question):
            for where, label in cases:
                grounded = ground(retriever, part, 5, where)
                if grounded.resolution.missing:
                    continue  # refused before the model is asked (no report of that year or place)
                focus = Focus.of(part, grounded.asked, grounded.resolution)
                _sentences, feats = answerer.evidence(part, grounded.hits, focus)
                rows.append([feats[name] for name in FEATURES])
                labels.append(label)
    return np.asarray(rows), np.asarray(labels)


def collect_prose(kb: KnowledgeBase, qa: Path) -> tuple[np.ndarray, np.ndarray]:
    """The prose refusal's features of every prose question: asked of the index (label 1),
    again with its own gold paragraphs (those holding its key points) left out (label 0), and
    the set's unanswerable questions (label 0), each through the same grounding as `kb ask`."""
    rows, labels = [], []
    retriever, _answerer = kb.current()
    prose = ProseAnswerer(idf_weights(retriever.snapshot), retriever.snapshot.paragraphs)
    for item in tqdm(with_product_gold(load_qa(qa), kb), desc=qa.stem, unit="题"):
        if item.history or prose_kind(item.question) is None:
            continue  # a follow-up alone is no question; the product asks it rewritten
        cases = (
            [(EVERYTHING, 1), (SearchFilter(exclude=item.gold), 0)] if item.answerable else [(EVERYTHING, 0)]
        )
        for where, label in cases:
            grounded = ground(retriever, item.question, PROSE_HITS, where)
            if grounded.resolution.missing:
                continue  # refused before the evidence is weighed (no report of that year or place)
            *_found, feats = prose.assess(item.question, grounded.hits, grounded.asked, grounded.resolution)
            rows.append([feats[name] for name in PROSE_FEATURES])
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


def choose_threshold(per_set: list[tuple[np.ndarray, np.ndarray]], max_false_refusal: float) -> float:
    """The highest threshold that refuses at most `max_false_refusal` of the answerable
    questions of every set (the reports' own set included).

    The extractive answerer only ever quotes the knowledge base with a citation, so a weak
    answer costs less than a refused answerable question; the cap says how much less."""
    candidates = np.round(np.linspace(0.01, 0.95, 95), 2)
    allowed = [t for t in candidates if all((p < t)[y == 1].mean() <= max_false_refusal for p, y in per_set)]
    return float(max(allowed)) if allowed else float(candidates[0])


def tradeoff_table(p: np.ndarray, y: np.ndarray, chosen: float) -> str:
    lines = ["| threshold | answerable refused | gold-removed refused |", "|---|---|---|"]
    for t in sorted({0.1, 0.2, 0.3, 0.4, 0.5, 0.6, chosen}):
        lines.append(f"| {t:.2f} | {(p < t)[y == 1].mean():.1%} | {(p < t)[y == 0].mean():.1%} |")
    return "\n".join(lines)


DEFAULT_GOLD = (
    "eval/gold/qijiang-2021.jsonl:kb",
    "eval/gold/reports-multi.jsonl:../shared/eval-data/reports-dev/kb",
)


def sources_of(args: argparse.Namespace) -> list[tuple[str, Path, Path | None, Path | None]]:
    """(name, QA file, corpus, knowledge-base folder) of every set the model is fitted on."""
    sources: list[tuple[str, Path, Path | None, Path | None]] = [
        (name, args.data / name / "qa_dev.jsonl", args.data / name / "corpus.jsonl", None)
        for name in args.sets
    ]
    for spec in args.gold:
        qa, _sep, kb_dir = spec.partition(":")
        if not kb_dir:
            raise ValueError(f"--gold 应写成 QA文件:知识库文件夹，实际为 {spec!r}")
        sources.append((Path(qa).stem, Path(qa), None, Path(kb_dir)))
    return sources


DEFAULT_PROSE_GOLD = (
    "eval/gold/qijiang-2021-prose.jsonl:kb",
    "eval/gold/reports-prose.jsonl:../shared/eval-data/reports-dev/kb",
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.calibrate")
    parser.add_argument("--data", type=Path, default=Path("../shared/eval-data"))
    parser.add_argument(
        "--sets", nargs="*", default=None, help="shared dev sets (default: rgb_zh rgb_zh_int cmrc2018)"
    )
    parser.add_argument(
        "--max-false-refusal",
        type=float,
        default=0.05,
        help="share of any set's answerable questions the chosen threshold may refuse",
    )
    parser.add_argument(
        "--gold",
        nargs="*",
        default=None,
        metavar="QA:KB_DIR",
        help="this project's gold sets, each with the folder of reports it is about (unanswerable "
        "questions count as negatives). Never a set whose figures docs/evaluation.md reports as held out.",
    )
    parser.add_argument(
        "--prose",
        action="store_true",
        help="fit the refusal of prose questions (rag.prose.refusal) on the dev prose sets instead",
    )
    parser.add_argument("--dump", type=Path, default=None, help="also write the features per set (.npz)")
    args = parser.parse_args(argv)
    if args.sets is None:
        args.sets = [] if args.prose else ["rgb_zh", "rgb_zh_int", "cmrc2018"]
    if args.gold is None:
        args.gold = list(DEFAULT_PROSE_GOLD if args.prose else DEFAULT_GOLD)
    per_set = {}
    for name, qa, corpus, kb_dir in sources_of(args):
        kb = open_kb(corpus, kb_dir, index_for(corpus, kb_dir), progress=True)
        per_set[name] = collect_prose(kb, qa) if args.prose else collect(kb, qa)
    if args.dump is not None:
        arrays: dict[str, Any] = {
            f"{k}_{part}": v[i] for k, v in per_set.items() for i, part in enumerate("xy")
        }
        np.savez(args.dump, **arrays)
    x = np.vstack([v[0] for v in per_set.values()])
    y = np.concatenate([v[1] for v in per_set.values()])
    w, b = fit_logistic(x, y)
    weights, bias = tuple(round(float(v), 3) for v in w), round(b, 3)
    names = PROSE_FEATURES if args.prose else FEATURES
    model: ProseRefusal | RefusalModel = (
        ProseRefusal(weights=weights, bias=bias) if args.prose else RefusalModel(weights=weights, bias=bias)
    )

    def probabilities(rows: np.ndarray) -> np.ndarray:
        return np.array([model.probability(dict(zip(names, row, strict=True))) for row in rows])

    scored = [(probabilities(xs), ys) for xs, ys in per_set.values()]
    threshold = choose_threshold(scored, args.max_false_refusal)
    print(tradeoff_table(probabilities(x), y, threshold))
    print()
    print(f"{type(model).__name__}(weights={weights}, bias={bias}, threshold={threshold:.2f})")
    print("| set | answered with gold present | refused with gold removed or unanswerable |")
    print("|---|---|---|")
    for name, (p, ys) in zip(per_set, scored, strict=True):
        answered = float((p >= threshold)[ys == 1].mean())
        refused = float((p < threshold)[ys == 0].mean())
        print(f"| {name} | {answered:.1%} | {refused:.1%} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
