"""Escalation cues learnt from examples: a request for a person, a formal complaint, or money gone missing.

The regexes in `signals.cues` only catch the phrasings someone thought of ("talk to a human"). Customers write
"I call to file a complaint against ur company", "my deposit is not showing in my wallet" or a 500-word letter
to a regulator. This model reads the same sentence embedding the other signals use, blended with word and
character n-grams (typos, slang), and is fitted on the shipped, hand-written `data/escalation_train.jsonl`
plus the taxonomy's ordinary requests and the off-topic set as negatives. Near misses are in the shipped set
on purpose: asking for support hours, a problem cancelling an order, how refunds work.

Measured on third-party sets it never saw (`support-agent eval escalation`, see evals/escalation.py).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol, cast, get_args

import numpy as np

from signals.intent_text_model import TextIntentModel

EscalationCue = Literal["asked_for_human", "formal_complaint", "money_dispute"]
NO_CUE = "none"
TRAINING_PATH = Path(__file__).with_name("data") / "escalation_train.jsonl"
Matrix = np.ndarray[Any, np.dtype[np.float32]]
_CUES: tuple[str, ...] = get_args(EscalationCue)
_NOT_A_CUE_INTENTS = frozenset({"talk_to_human", "feedback_complaint"})
"""Taxonomy intents whose examples are not clean negatives (they ask for a person or complain)."""


class Encoder(Protocol):
    """Anything that turns texts into unit-normalised vectors (LocalEmbeddings does)."""

    def encode(self, texts: list[str]) -> Matrix:
        """One row per text."""
        ...


@dataclass(frozen=True)
class EscalationModelConfig:
    """Hyper-parameters, measured on the three escalation dev sets (evals/escalation.py)."""

    c: float = 10.0
    """Inverse regularisation of the embedding head."""
    text_weight: float = 0.3
    """Share of the n-gram model in the blended probabilities."""
    threshold: float = 0.4
    """A cue fires when its probability is at least this and it is the most likely class (0.5: CFPB recall 0.74)."""
    negative_weight: float = 0.5
    """Weight of each borrowed negative (taxonomy examples, off-topic set) relative to a shipped example."""


@dataclass(frozen=True, slots=True)
class CuePrediction:
    """The most likely cue (None = no reason to hand off) and its probability."""

    cue: EscalationCue | None
    probability: float


def load_training_examples(path: Path = TRAINING_PATH) -> list[tuple[str, str]]:
    """The shipped ``{"text", "label"}`` rows; labels are the cues or ``none``."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    allowed = {*_CUES, NO_CUE}
    bad = sorted({str(row["label"]) for row in rows} - allowed)
    if bad:
        raise ValueError(f"{path}: unknown labels {bad}")
    return [(str(row["text"]), str(row["label"])) for row in rows]


def borrowed_negatives() -> list[str]:
    """Ordinary requests from the shipped taxonomy and the off-topic set: messages that need no person."""
    from signals.intent_classifier import load_out_of_scope_examples
    from signals.taxonomy import load_taxonomy

    requests = [
        example
        for intent in load_taxonomy().intents
        if intent.name not in _NOT_A_CUE_INTENTS
        for example in intent.examples
    ]
    return requests + load_out_of_scope_examples()


class EscalationModel:
    """A fitted cue classifier; predict on precomputed vectors so the analyzer's one embedding serves it."""

    def __init__(self, head: Any, text_model: TextIntentModel, config: EscalationModelConfig) -> None:
        self._head = head
        self._text_model = text_model
        self._config = config
        self._labels = [str(label) for label in head.classes_]

    @classmethod
    def fit(
        cls,
        encoder: Encoder,
        *,
        examples: Sequence[tuple[str, str]] | None = None,
        negatives: Sequence[str] | None = None,
        config: EscalationModelConfig | None = None,
    ) -> EscalationModel:
        """Fit on labelled ``examples`` (default: the shipped set) plus unlabelled ``negatives`` (default: borrowed)."""
        from sklearn.linear_model import LogisticRegression

        config = config or EscalationModelConfig()
        pairs = list(load_training_examples() if examples is None else examples)
        extra = list(borrowed_negatives() if negatives is None else negatives)
        texts = [text for text, _ in pairs] + extra
        labels = [label for _, label in pairs] + [NO_CUE] * len(extra)
        weights = np.array([1.0] * len(pairs) + [config.negative_weight] * len(extra))
        head = LogisticRegression(C=config.c, max_iter=5000, class_weight="balanced")
        head.fit(encoder.encode(texts), np.array(labels), sample_weight=weights)
        classes = [str(label) for label in head.classes_]
        text_model = TextIntentModel.fit(texts, labels, weights, c=config.c, classes=classes)
        return cls(head, text_model, config)

    def predict_vectors(self, vectors: Matrix, texts: Sequence[str]) -> list[CuePrediction]:
        """The cue for each embedded message (``texts`` in the same order, for the n-gram side)."""
        if len(vectors) != len(texts):
            raise ValueError(f"{len(texts)} texts for {len(vectors)} vectors")
        if len(texts) == 0:
            return []
        share = self._config.text_weight
        probabilities = (1 - share) * self._head.predict_proba(vectors) + share * self._text_model.predict_proba(texts)
        predictions: list[CuePrediction] = []
        for row in probabilities:
            best = int(np.argmax(row))
            label, probability = self._labels[best], float(row[best])
            fired = label != NO_CUE and probability >= self._config.threshold
            predictions.append(CuePrediction(cast(EscalationCue, label) if fired else None, probability))
        return predictions
