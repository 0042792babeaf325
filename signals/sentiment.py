"""Sentiment (negative/neutral/positive with a -1..1 score) and the frustration trend across a thread."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from signals.intent_classifier import Encoder, Matrix
from signals.types import SentimentLabel, SentimentResult

TRAINING_PATH = Path(__file__).with_name("data") / "sentiment_train.jsonl"
LABELS: tuple[SentimentLabel, ...] = ("negative", "neutral", "positive")


def load_training_examples(path: Path = TRAINING_PATH) -> list[tuple[str, SentimentLabel]]:
    """The hand-written, shipped training sentences."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [(str(row["text"]), row["label"]) for row in rows if row["label"] in LABELS]


class SentimentClassifier:
    """A linear head over sentence embeddings, fitted on our own shipped examples."""

    def __init__(self, model: Any) -> None:
        self._model = model
        self._labels: list[str] = [str(label) for label in model.classes_]

    @classmethod
    def fit(cls, encoder: Encoder, examples: Sequence[tuple[str, SentimentLabel]] | None = None) -> SentimentClassifier:
        """Fit on ``examples`` (default: the shipped set)."""
        from sklearn.linear_model import LogisticRegression

        rows = list(examples) if examples is not None else load_training_examples()
        vectors = encoder.encode([text for text, _ in rows])
        model = LogisticRegression(C=3.0, max_iter=5000, class_weight="balanced")
        model.fit(vectors, np.array([label for _, label in rows]))
        return cls(model)

    def predict_vectors(self, vectors: Matrix) -> list[SentimentResult]:
        """Label and score for each embedded message."""
        if len(vectors) == 0:
            return []
        probabilities = self._model.predict_proba(vectors)
        negative, positive = self._labels.index("negative"), self._labels.index("positive")
        results: list[SentimentResult] = []
        for row in probabilities:
            label: SentimentLabel = LABELS[LABELS.index(self._labels[int(np.argmax(row))])]
            results.append(SentimentResult(label=label, score=float(row[positive] - row[negative])))
        return results


def frustration_trend(sentiment_scores: Sequence[float]) -> float:
    """How fast sentiment is falling over the customer's turns (> 0: getting more frustrated).

    The negated least-squares slope per turn, weighted toward recent turns, plus how negative the latest turn is
    when it is below zero; one turn alone has no trend.
    """
    if len(sentiment_scores) < 2:
        return 0.0
    scores = np.asarray(sentiment_scores[-6:], dtype=np.float64)
    turns = np.arange(len(scores), dtype=np.float64)
    weights = np.linspace(0.5, 1.0, len(scores))
    slope = float(np.polyfit(turns, scores, 1, w=weights)[0])
    return round(-slope + max(0.0, -float(scores[-1])) * 0.25, 4)
