"""The refusal decision: is the retrieved evidence strong enough to answer from?

A small logistic model over evidence features, fitted by `eval/calibrate.py` on the dev sets:
positives are questions asked of the set's index, negatives the same questions asked of its refusal
variant (every question's gold paragraphs removed from the index). The fitted weights and threshold are
the defaults below; README ("Refusal") gives the data and the resulting error rates.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from rag.retrieve import Hit

FEATURES = ("coverage", "dense", "agree")


def evidence_features(hits: Sequence[Hit], best_coverage: float) -> dict[str, float]:
    """coverage: weighted share of question terms in the best sentence (heading half-counts);
    dense: cosine of question and the top paragraph's best chunk;
    agree: 1 when keyword and dense search both rank the top paragraph in their top 3."""
    if not hits:
        return {"coverage": 0.0, "dense": 0.0, "agree": 0.0}
    top = hits[0]
    agree = float(
        top.bm25_rank is not None
        and top.bm25_rank <= 3
        and top.dense_rank is not None
        and top.dense_rank <= 3
    )
    return {"coverage": best_coverage, "dense": max(h.dense_similarity for h in hits[:3]), "agree": agree}


@dataclass(frozen=True)
class RefusalModel:
    # Fitted by `python -m eval.calibrate` on the three dev sets (README, "Refusal").
    weights: tuple[float, ...] = (1.845, 39.512, 0.706)
    bias: float = -37.34
    threshold: float = 0.31

    def probability(self, features: dict[str, float]) -> float:
        z = self.bias + sum(w * features[name] for w, name in zip(self.weights, FEATURES, strict=True))
        return 1.0 / (1.0 + math.exp(-z))
