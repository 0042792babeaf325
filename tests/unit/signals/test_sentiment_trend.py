import pytest

from signals.analyzer import fitted_sentiment_classifier, sentiment_encoder
from signals.sentiment import frustration_trend


def test_frustration_rises_when_scores_fall() -> None:
    assert frustration_trend([0.2, -0.1, -0.5, -0.8]) > 0.3


def test_no_trend_from_one_turn_or_steady_calm() -> None:
    assert frustration_trend([-0.9]) == 0.0
    assert frustration_trend([0.1, 0.1, 0.1]) == pytest.approx(0.0, abs=1e-6)


def test_improving_thread_has_negative_frustration() -> None:
    assert frustration_trend([-0.8, -0.3, 0.4]) < 0


def test_sentiment_head_reads_clear_cases() -> None:
    classifier = fitted_sentiment_classifier()
    texts = [
        "this is the worst service ever, I am furious",
        "thank you so much, you were amazing",
        "my order number is 5521",
    ]
    results = classifier.predict(texts, sentiment_encoder().encode(texts))
    assert [r.label for r in results] == ["negative", "positive", "neutral"]
    assert results[0].score < 0 < results[1].score
    assert all(-1.0 <= r.score <= 1.0 for r in results)
