"""The sentiment head's training data (own sentences plus rated tweets) and its cache."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from signals.analyzer import sentiment_encoder
from signals.sentiment import (
    NEUTRAL_BAND,
    RATED_TWEETS_PATH,
    TRAINING_PATH,
    SentimentClassifier,
    load_training_examples,
)

EXAMPLES = [
    ("I love this, thank you so much", "positive"),
    ("what a great update, well done", "positive"),
    ("this is awful, nothing works", "negative"),
    ("terrible support, I am so angry", "negative"),
    ("the meeting is at noon", "neutral"),
    ("my order number is 5521", "neutral"),
]


def test_rated_tweets_are_labelled_by_their_mean_rating(tmp_path: Path) -> None:
    rated = tmp_path / "rated.jsonl"
    ratings = [-2.5, -NEUTRAL_BAND, -0.2, 0.0, NEUTRAL_BAND - 0.01, 3.1]
    rated.write_text(
        "".join(json.dumps({"id": i, "rating": r, "text": f"tweet {i}"}) + "\n" for i, r in enumerate(ratings))
    )
    own = load_training_examples(TRAINING_PATH, rated=None)
    examples = load_training_examples(TRAINING_PATH, rated=rated)
    assert examples[: len(own)] == own
    assert [label for _, label in examples[len(own) :]] == [
        "negative",
        "negative",
        "neutral",
        "neutral",
        "neutral",
        "positive",
    ]


def test_the_shipped_training_data_includes_every_rated_tweet() -> None:
    rated = sum(1 for line in RATED_TWEETS_PATH.read_text(encoding="utf-8").splitlines() if line.strip())
    assert rated == 4200
    assert len(load_training_examples()) == len(load_training_examples(rated=None)) + rated


def test_a_fitted_head_is_cached_and_reloaded_with_the_same_predictions(tmp_path: Path) -> None:
    encoder = sentiment_encoder()
    texts = ["you people are useless", "cheers, that fixed it", "the invoice is attached"]
    fitted = SentimentClassifier.fit(encoder, EXAMPLES, cache_dir=tmp_path, encoder_id="test")
    files = sorted(tmp_path.iterdir())
    assert len(files) == 1 and files[0].suffix == ".npz"

    reloaded = SentimentClassifier.fit(encoder, EXAMPLES, cache_dir=tmp_path, encoder_id="test")
    layers = encoder.encode_layers(texts)
    assert fitted.predict(texts, layers) == reloaded.predict(texts, layers)
    assert [r.label for r in fitted.predict(texts, layers)] == ["negative", "positive", "neutral"]

    # Other examples, or another encoder, never reuse that head.
    SentimentClassifier.fit(encoder, EXAMPLES[:-1], cache_dir=tmp_path, encoder_id="test")
    SentimentClassifier.fit(encoder, EXAMPLES, cache_dir=tmp_path, encoder_id="another model")
    assert len(list(tmp_path.iterdir())) == 3


def test_head_probabilities_are_the_logistic_regression_ones() -> None:
    from sklearn.linear_model import LogisticRegression

    from signals.sentiment import _LinearHead

    rng = np.random.default_rng(0)
    features = rng.normal(size=(60, 5)).astype(np.float32)
    labels = np.array(["negative", "neutral", "positive"] * 20)
    model = LogisticRegression(max_iter=1000).fit(features, labels)
    head = _LinearHead(model.coef_.astype(np.float32), model.intercept_.astype(np.float32), tuple(model.classes_))
    np.testing.assert_allclose(head.probabilities(features), model.predict_proba(features), atol=1e-5)
