"""Sentiment (negative/neutral/positive with a -1..1 score) and the frustration trend across a thread.

Features are the message's sentence embedding, a middle layer of the same encoder pass (it keeps the words' tone
that the last layer averages away; see ``knowledge.onnx_encoder``), and two lexicons (VADER's scores, TextBlob's
polarity and subjectivity). The linear head is fitted on our own 2,231 sentences (signals/data/sentiment_train.jsonl:
hand-written and template-generated, general and customer-service, calm and angry questions) plus 4,200 real tweets
rated by 20 people each (VADER's ground truth, signals/data/vader_tweets.jsonl, MIT; a mean rating within
``NEUTRAL_BAND`` of 0 counts as neutral). Measured on TweetEval validation (2,000 tweets, never trained on): VADER
alone 0.58 macro-F1 at its best threshold, embeddings alone 0.55, our sentences with the last layer 0.634, now 0.663
(accuracy 0.674); our own support tweets (evals/data) 0.88 -> 0.90. Each part alone does not help: the rated tweets
with the last layer only 0.633, the middle layer with our sentences only 0.61-0.63 (they overfit it). The middle
layer (4 of 6) and the band (0.5 of 0.25-1.0) were chosen on that validation set, so expect a little less elsewhere.
The fitted head is cached under the data directory, keyed by its training data and encoder.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from scipy.special import softmax  # type: ignore[import-untyped]

from signals.intent_classifier import Matrix
from signals.types import SentimentLabel, SentimentResult

TRAINING_PATH = Path(__file__).with_name("data") / "sentiment_train.jsonl"
RATED_TWEETS_PATH = Path(__file__).with_name("data") / "vader_tweets.jsonl"
NEUTRAL_BAND = 0.5
"""Rated tweets whose mean rating (-4..4) is closer to 0 than this are neutral."""
FEATURES = "sentence+middle-layer+lexicon-v1"
LABELS: tuple[SentimentLabel, ...] = ("negative", "neutral", "positive")
LEXICON_WEIGHT = 1.0


LEXICON_COLUMNS = 6
COMPOUND_COLUMN = 3


@lru_cache(maxsize=1)
def _vader() -> Any:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer  # type: ignore[import-untyped]

    return SentimentIntensityAnalyzer()


@lru_cache(maxsize=1)
def _pattern() -> Any:
    # The lexicon itself, not PatternAnalyzer: that builds a namedtuple class per call, and the garbage it leaves
    # triggers collector pauses of several ms (measured p95 4 ms per message vs 0.1 ms).
    from textblob.en import sentiment  # type: ignore[import-untyped]

    return sentiment


def lexicon_features(texts: Sequence[str]) -> Matrix:
    """Lexicon scores for each text: VADER's neg/neu/pos/compound, then TextBlob's polarity and subjectivity.

    VADER handles negation, intensifiers, caps, emoticons and emoji; TextBlob's (pattern) adjective lexicon is
    larger and adds subjectivity, which separates opinions from news-like statements (+0.014 macro-F1 measured).
    """
    vader, pattern = _vader(), _pattern()
    rows = []
    for text in texts:
        scores = vader.polarity_scores(text)
        polarity, subjectivity = pattern(text)
        rows.append([scores["neg"], scores["neu"], scores["pos"], scores["compound"], polarity, subjectivity])
    shape = (len(rows), LEXICON_COLUMNS)
    matrix: Matrix = np.asarray(rows, dtype=np.float32).reshape(shape) * np.float32(LEXICON_WEIGHT)
    return matrix


def load_training_examples(
    path: Path = TRAINING_PATH, rated: Path | None = RATED_TWEETS_PATH
) -> list[tuple[str, SentimentLabel]]:
    """Our own shipped sentences, then the rated tweets labelled by their mean rating."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    examples: list[tuple[str, SentimentLabel]] = [(str(r["text"]), r["label"]) for r in rows if r["label"] in LABELS]
    if rated is not None:
        for line in rated.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                examples.append((str(row["text"]), _rated_label(float(row["rating"]))))
    return examples


def _rated_label(rating: float) -> SentimentLabel:
    if rating <= -NEUTRAL_BAND:
        return "negative"
    return "positive" if rating >= NEUTRAL_BAND else "neutral"


class LayerEncoder(Protocol):
    """An encoder that returns [sentence vector | middle-layer vector] rows (LocalEmbeddings does)."""

    def encode_layers(self, texts: list[str]) -> Matrix:
        """One row per text."""
        ...


@dataclass(frozen=True)
class _LinearHead:
    """A multinomial logistic regression's weights: small enough to cache as plain arrays, no pickle."""

    coef: Matrix
    intercept: Matrix
    labels: tuple[str, ...]

    def probabilities(self, features: Matrix) -> Matrix:
        result: Matrix = softmax(features @ self.coef.T + self.intercept, axis=1).astype(np.float32)
        return result


class SentimentClassifier:
    """A linear head over the encoder's layers and the lexicon scores, fitted on our shipped examples."""

    def __init__(self, head: _LinearHead) -> None:
        self._head = head

    @classmethod
    def fit(
        cls,
        encoder: LayerEncoder,
        examples: Sequence[tuple[str, SentimentLabel]] | None = None,
        *,
        cache_dir: Path | None = None,
        encoder_id: str = "",
    ) -> SentimentClassifier:
        """Fit on ``examples`` (default: the shipped sets), or load the head fitted on them before.

        ``encoder_id`` names the encoder's weights in the cache key, so another model never reuses a head.
        """
        rows = list(examples) if examples is not None else load_training_examples()
        key = hashlib.sha256(json.dumps([FEATURES, encoder_id, rows]).encode()).hexdigest()[:16]
        cached = cache_dir / f"sentiment-head-{key}.npz" if cache_dir is not None else None
        if cached is not None and cached.exists():
            with np.load(cached) as saved:
                return cls(_LinearHead(saved["coef"], saved["intercept"], tuple(str(x) for x in saved["labels"])))
        head = _fit_head(encoder, rows)
        if cached is not None:
            cached.parent.mkdir(parents=True, exist_ok=True)
            partial = cached.with_suffix(f".{os.getpid()}.partial.npz")
            np.savez(partial, coef=head.coef, intercept=head.intercept, labels=np.array(head.labels))
            os.replace(partial, cached)
        return cls(head)

    def predict(self, texts: Sequence[str], layers: Matrix) -> list[SentimentResult]:
        """Label and score for each message, given its encoder layers (``LayerEncoder.encode_layers``)."""
        if len(texts) == 0:
            return []
        lexicon = lexicon_features(texts)
        probabilities = self._head.probabilities(np.hstack([layers, lexicon]))
        labels = self._head.labels
        negative, neutral, positive = (labels.index(label) for label in LABELS)
        results: list[SentimentResult] = []
        for row, compound in zip(probabilities, lexicon[:, COMPOUND_COLUMN] / LEXICON_WEIGHT, strict=True):
            label: SentimentLabel = LABELS[LABELS.index(labels[int(np.argmax(row))])]
            # The head's margin says which way; VADER's compound says how strongly ("furious!!!" vs "meh"). The
            # compound counts only as far as the head thinks the message is not neutral: a calm question full of
            # lexicon words ("can I cancel and get a refund?") must not read as angry and trip escalation.
            strength = float(compound) * (1.0 - float(row[neutral]))
            score = 0.5 * float(row[positive] - row[negative]) + 0.5 * strength
            results.append(SentimentResult(label=label, score=max(-1.0, min(1.0, score))))
        return results


def _fit_head(encoder: LayerEncoder, rows: Sequence[tuple[str, SentimentLabel]]) -> _LinearHead:
    from sklearn.linear_model import LogisticRegression

    texts = [text for text, _ in rows]
    layers = np.vstack([encoder.encode_layers(texts[i : i + 512]) for i in range(0, len(texts), 512)])
    model = LogisticRegression(C=1.0, max_iter=5000, class_weight="balanced")
    model.fit(np.hstack([layers, lexicon_features(texts)]), np.array([label for _, label in rows]))
    coef = np.asarray(model.coef_, dtype=np.float32)
    intercept = np.asarray(model.intercept_, dtype=np.float32)
    return _LinearHead(coef, intercept, tuple(str(label) for label in model.classes_))


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
