"""Few-shot intent routing: a logistic-regression head over sentence embeddings, with out-of-scope detection.

Out-of-scope is learnt from a shipped set of off-topic requests (an extra class) and backed by a probability floor,
so a message the taxonomy does not cover is not forced onto the nearest intent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from signals.encoder_tuning import TuningConfig, tuned_encoder
from signals.taxonomy import Taxonomy
from signals.types import OUT_OF_SCOPE, IntentPrediction

OUT_OF_SCOPE_PATH = Path(__file__).with_name("data") / "out_of_scope.txt"
Matrix = np.ndarray[Any, np.dtype[np.float32]]


class Encoder(Protocol):
    """Anything that turns texts into unit-normalised vectors (LocalEmbeddings does)."""

    def encode(self, texts: list[str]) -> Matrix:
        """One row per text."""
        ...


def load_out_of_scope_examples(path: Path = OUT_OF_SCOPE_PATH) -> list[str]:
    """The shipped off-topic requests (one per line, '#' comments)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


@dataclass(frozen=True)
class IntentClassifierConfig:
    """Hyper-parameters, measured on bitext with 10 examples per intent (see evals/routing.py)."""

    c: float = 30.0
    min_confidence: float = 0.2
    out_of_scope_weight: float = 1.0
    tuning: TuningConfig | None = None
    """Fine-tune the encoder on the examples first (slow once, cached on disk); None = frozen encoder."""


class IntentClassifier:
    """A fitted router for one taxonomy; predict on precomputed vectors so one embedding serves every signal."""

    def __init__(self, taxonomy: Taxonomy, model: Any, config: IntentClassifierConfig, encoder: Encoder) -> None:
        self.taxonomy = taxonomy
        self.encoder = encoder
        """The encoder whose vectors ``predict_vectors`` expects (the tuned one when tuning is on)."""
        self._model = model
        self._config = config
        self._labels: list[str] = [str(label) for label in model.classes_]

    @classmethod
    def fit(
        cls,
        taxonomy: Taxonomy,
        encoder: Encoder,
        *,
        out_of_scope: Sequence[str] | None = None,
        config: IntentClassifierConfig | None = None,
        cache_dir: Path | None = None,
    ) -> IntentClassifier:
        """Embed the taxonomy's examples (plus off-topic examples) and fit the head.

        With ``config.tuning`` the encoder is first fine-tuned on the same examples (cached under ``cache_dir``).
        """
        from sklearn.linear_model import LogisticRegression

        config = config or IntentClassifierConfig()
        negatives = list(load_out_of_scope_examples() if out_of_scope is None else out_of_scope)
        texts = [example for intent in taxonomy.intents for example in intent.examples]
        labels = [intent.name for intent in taxonomy.intents for _ in intent.examples]
        texts += negatives
        labels += [OUT_OF_SCOPE] * len(negatives)
        if config.tuning is not None:
            encoder = tuned_encoder(texts, labels, config.tuning, cache_dir=cache_dir, key=_cache_key(texts, labels))
        vectors = encoder.encode(texts)
        weights = np.array([config.out_of_scope_weight if label == OUT_OF_SCOPE else 1.0 for label in labels])
        model = LogisticRegression(C=config.c, max_iter=5000)
        model.fit(vectors, np.array(labels), sample_weight=weights)
        return cls(taxonomy, model, config, encoder)

    def predict_vectors(self, vectors: Matrix) -> list[IntentPrediction]:
        """Route each embedded message."""
        if len(vectors) == 0:
            return []
        probabilities = self._model.predict_proba(vectors)
        predictions: list[IntentPrediction] = []
        for row in probabilities:
            best = int(np.argmax(row))
            label, confidence = self._labels[best], float(row[best])
            if label == OUT_OF_SCOPE or confidence < self._config.min_confidence:
                predictions.append(IntentPrediction(OUT_OF_SCOPE, confidence, None))
            else:
                predictions.append(IntentPrediction(label, confidence, self.taxonomy.team_for(label)))
        return predictions

    def predict(self, texts: Sequence[str]) -> list[IntentPrediction]:
        """Embed (with this classifier's encoder) and route ``texts``."""
        return self.predict_vectors(self.encoder.encode(list(texts)))


def _cache_key(texts: Sequence[str], labels: Sequence[str]) -> str:
    import hashlib
    import json

    return "intent-" + hashlib.sha256(json.dumps([list(texts), list(labels)]).encode()).hexdigest()[:16]
