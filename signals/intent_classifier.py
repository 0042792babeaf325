"""Few-shot intent routing: a logistic-regression head over sentence embeddings, with out-of-scope detection.

The head learns from the customer examples plus each intent's humanised name and description
(signals/intent_label_texts.py), and is blended with a word/char n-gram model of the same texts
(signals/intent_text_model.py) when the message text is given. Out-of-scope is learnt from a shipped set of
off-topic requests (an extra class weighted like one average intent) and backed by an optional probability floor,
so a message the taxonomy does not cover is not forced onto the nearest intent.

Measured on bitext dev (810 messages, 27 intents) plus clinc_oos_val (100), five random few-shot samples, frozen
MiniLM, mean ± std (see ``IntentClassifierConfig``):

| examples per intent | previous default (C=30 head) | this default |
|---|---|---|
| 10: in-scope accuracy | 0.948 ± 0.008 | 0.968 ± 0.005 |
| 10: out-of-scope F1 | 0.934 | 0.969 |
| 5: in-scope accuracy | 0.882 ± 0.015 | 0.938 ± 0.005 |
| 5: out-of-scope F1 | 0.832 | 0.966 |
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from signals.encoder_tuning import TuningConfig, tuned_encoder
from signals.intent_label_texts import informative, label_texts
from signals.intent_text_model import TextIntentModel
from signals.taxonomy import Taxonomy
from signals.types import OUT_OF_SCOPE, IntentPrediction

OUT_OF_SCOPE_PATH = Path(__file__).with_name("data") / "out_of_scope.txt"
Matrix = np.ndarray[Any, np.dtype[np.float32]]


class Encoder(Protocol):
    """Anything that turns texts into unit-normalised vectors (LocalEmbeddings does)."""

    def encode(self, texts: list[str]) -> Matrix:
        """One row per text."""
        ...


@runtime_checkable
class LayeredEncoder(Encoder, Protocol):
    """An encoder that also gives a middle layer's vector from the same pass (LocalEmbeddings does)."""

    def encode_layers(self, texts: list[str]) -> Matrix:
        """Rows of [sentence vector | middle-layer vector], each half unit-normalised."""
        ...


def load_out_of_scope_examples(path: Path = OUT_OF_SCOPE_PATH) -> list[str]:
    """The shipped off-topic requests (one per line, '#' comments)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


@dataclass(frozen=True)
class IntentClassifierConfig:
    """Hyper-parameters, measured on bitext with 5 and 10 examples per intent over five samples (evals/routing.py)."""

    c: float = 30.0
    """Inverse regularisation of the embedding head (10 and 100 measure the same within noise)."""
    min_confidence: float = 0.0
    """Below this top probability a message is out of scope even if the out-of-scope class did not win."""
    out_of_scope_weight: float = 1.0
    """Total weight of the shipped off-topic examples, in average intents (more weight: more in-scope misses)."""
    label_weight: float = 5.0
    """Total weight of an intent's name and description, in customer examples (0 = don't use them)."""
    middle_layer_weight: float = 1.0
    """Weight of the encoder's middle-layer vector beside its sentence vector (0 = the sentence vector alone).

    The middle layer keeps wording that the last layer smooths away ("get" vs "track" a refund). It comes from the
    same forward pass, so it costs no time; an encoder without ``encode_layers`` (a tuned one) uses the sentence
    vector alone. Bitext + clinc, 5 per intent, seeds 0-4, with label_weight 5 and text_weight 0.2: in-scope
    0.9383 -> 0.9476, out-of-scope F1 0.966 -> 0.972 (evals/routing.py).
    """
    text_weight: float = 0.2
    """Share of the n-gram model in the blended probabilities (0 = embedding head alone)."""
    text_c: float = 30.0
    """Inverse regularisation of the n-gram model."""
    tuning: TuningConfig | None = None
    """Fine-tune the encoder on the examples first (slow once, cached on disk); None = frozen encoder."""


class IntentClassifier:
    """A fitted router for one taxonomy; predict on precomputed vectors so one embedding serves every signal."""

    def __init__(
        self,
        taxonomy: Taxonomy,
        model: Any,
        config: IntentClassifierConfig,
        encoder: Encoder,
        text_model: TextIntentModel | None = None,
    ) -> None:
        self.taxonomy = taxonomy
        self.encoder = encoder
        """The encoder whose vectors ``predict_vectors`` expects (the tuned one when tuning is on)."""
        self._model = model
        self._config = config
        self._labels: list[str] = [str(label) for label in model.classes_]
        self._text_model = text_model
        self.middle_layer_weight = config.middle_layer_weight if isinstance(encoder, LayeredEncoder) else 0.0
        """The weight the head was fitted with (0 when the encoder has no middle layer to give)."""

    @property
    def heads(self) -> tuple[Any, TextIntentModel | None]:
        """The fitted embedding head and n-gram model: what signals/fit_cache.py keeps (the encoder is not kept)."""
        return self._model, self._text_model

    def features(self, layers: Matrix) -> Matrix:
        """The head's input from this classifier's encoder's ``encode_layers`` rows (one pass serves every signal)."""
        return _features(layers, self.middle_layer_weight)

    def embed(self, texts: list[str]) -> Matrix:
        """The head's input for ``texts``, computed with this classifier's encoder."""
        return _embed(self.encoder, texts, self.middle_layer_weight)

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
        """Embed the taxonomy's examples, intent names and descriptions (plus off-topic examples); fit the heads.

        With ``config.tuning`` the encoder is first fine-tuned on the customer examples (cached under ``cache_dir``).
        """
        from sklearn.linear_model import LogisticRegression

        config = config or IntentClassifierConfig()
        negatives = list(load_out_of_scope_examples() if out_of_scope is None else out_of_scope)
        texts = [example for intent in taxonomy.intents for example in intent.examples]
        labels = [intent.name for intent in taxonomy.intents for _ in intent.examples]
        customer = len(texts)
        weights = [1.0] * customer
        texts += negatives
        labels += [OUT_OF_SCOPE] * len(negatives)
        # The off-topic set is one broad class: weighted like one average intent, it does not outvote the taxonomy.
        oos_weight = config.out_of_scope_weight * customer / max(len(taxonomy.intents), 1) / max(len(negatives), 1)
        weights += [oos_weight] * len(negatives)
        if config.tuning is not None:
            encoder = tuned_encoder(texts, labels, config.tuning, cache_dir=cache_dir, key=_cache_key(texts, labels))
        candidates = label_texts(taxonomy) if config.label_weight > 0 else []
        middle = config.middle_layer_weight if isinstance(encoder, LayeredEncoder) else 0.0
        vectors = _embed(encoder, texts + [candidate.text for candidate in candidates], middle)
        keep = np.array(
            informative(candidates, vectors[len(texts) :], vectors[:customer], labels[:customer]), dtype=bool
        )
        kept = [candidate for candidate, ok in zip(candidates, keep, strict=True) if ok]
        per_intent = Counter(candidate.intent for candidate in kept)
        vectors = np.vstack([vectors[: len(texts)], vectors[len(texts) :][keep]])
        texts += [candidate.text for candidate in kept]
        labels += [candidate.intent for candidate in kept]
        weights += [config.label_weight / per_intent[candidate.intent] for candidate in kept]
        sample_weight = np.array(weights)
        model = LogisticRegression(C=config.c, max_iter=5000)
        model.fit(vectors, np.array(labels), sample_weight=sample_weight)
        text_model = None
        if config.text_weight > 0:
            classes = [str(label) for label in model.classes_]
            text_model = TextIntentModel.fit(texts, labels, sample_weight, c=config.text_c, classes=classes)
        return cls(taxonomy, model, config, encoder, text_model)

    def predict_vectors(self, vectors: Matrix, texts: Sequence[str] | None = None) -> list[IntentPrediction]:
        """Route each message from its ``features``/``embed`` rows; pass the ``texts`` too to blend in the n-grams."""
        if len(vectors) == 0:
            return []
        probabilities = self._model.predict_proba(vectors)
        if texts is not None and self._text_model is not None:
            if len(texts) != len(vectors):
                raise ValueError(f"{len(texts)} texts for {len(vectors)} vectors")
            share = self._config.text_weight
            probabilities = (1 - share) * probabilities + share * self._text_model.predict_proba(texts)
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
        texts = list(texts)
        return self.predict_vectors(self.embed(texts), texts)


def _features(layers: Matrix, middle_weight: float) -> Matrix:
    half = layers.shape[1] // 2
    if middle_weight <= 0:
        return np.ascontiguousarray(layers[:, :half])
    return np.hstack([layers[:, :half], middle_weight * layers[:, half:]]).astype(np.float32)


def _embed(encoder: Encoder, texts: list[str], middle_weight: float) -> Matrix:
    if middle_weight > 0 and isinstance(encoder, LayeredEncoder):
        return _features(encoder.encode_layers(texts), middle_weight)
    return encoder.encode(texts)


def _cache_key(texts: Sequence[str], labels: Sequence[str]) -> str:
    import hashlib
    import json

    return "intent-" + hashlib.sha256(json.dumps([list(texts), list(labels)]).encode()).hexdigest()[:16]
