"""Whether the evidence gathered for a prose question answers it: a small logistic model over
how well the chosen part of a report names the question's topic, fitted by `python -m
eval.calibrate --prose` on this project's dev prose questions: answerable ones (label: answer),
the same asked again with their own gold paragraphs left out, and unanswerable ones (label:
refuse). docs/answering.md ("Refusal of prose questions") gives the data and the error rates.

Two features carry it; the best cosine of the question and the retrieved paragraphs, the share
of the topic's rare words found, and the share of its words no paragraph uses were tried and
left out: on the dev questions they added nothing (the rare-word share took a negative weight),
and a feature the data cannot pin down is one a new report can trip."""

from __future__ import annotations

import math
from dataclasses import dataclass

from rag.prose.gather import Evidence

FEATURES = ("match", "covered")


def prose_features(evidence: Evidence | None) -> dict[str, float]:
    """match: how well the chosen part (a section's title, a paragraph's opening or its best
    statement) names the topic; covered: the idf-weighted share of the topic's words and
    character pairs in the points, the part's title and their headings. Both 0 without
    evidence."""
    if evidence is None or not evidence.excerpts:
        return {"match": 0.0, "covered": 0.0}
    return {"match": evidence.match, "covered": evidence.covered}


@dataclass(frozen=True)
class ProseRefusal:
    # Fitted by `python -m eval.calibrate --prose` (docs/answering.md, "Refusal of prose questions").
    weights: tuple[float, ...] = (7.279, 1.787)
    bias: float = -6.671
    threshold: float = 0.32

    def probability(self, features: dict[str, float]) -> float:
        z = self.bias + sum(w * features[name] for w, name in zip(self.weights, FEATURES, strict=True))
        return 1.0 / (1.0 + math.exp(-z))
