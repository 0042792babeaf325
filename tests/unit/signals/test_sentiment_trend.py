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
    results = classifier.predict(texts, sentiment_encoder().encode_layers(texts))
    assert [r.label for r in results] == ["negative", "positive", "neutral"]
    assert results[0].score < 0 < results[1].score
    assert all(-1.0 <= r.score <= 1.0 for r in results)


# Phrasings absent from the training set, many with words a lexicon calls negative (cancel, fee, remove, stop):
# a calm question must not read as angry, or the escalation policy sees frustration that isn't there.
CALM_QUESTIONS = [
    "how can I download all my notes as a PDF?",
    "is it possible to move my billing date to the 15th?",
    "could you explain how refunds work if I cancel?",
    "how do I remove a teammate from my workspace?",
    "can I cancel one item from my order?",
    "how do I stop my subscription from renewing?",
    "do you charge a fee if I downgrade my plan?",
    "can someone explain the late fee on my invoice?",
]


def test_calm_support_questions_read_neutral_and_mild() -> None:
    angry = "why do you keep charging me after I cancelled?! this is theft"
    texts = [*CALM_QUESTIONS, angry]
    results = fitted_sentiment_classifier().predict(texts, sentiment_encoder().encode_layers(texts))
    assert [r.label for r in results[:-1]] == ["neutral"] * len(CALM_QUESTIONS)
    assert all(r.score > -0.3 for r in results[:-1])
    assert results[-1].label == "negative"
    assert results[-1].score < -0.3


def test_calm_questions_are_not_in_the_training_set() -> None:
    # Otherwise the test above would only check that the head memorised its own examples.
    from signals.sentiment import load_training_examples

    trained = {text.lower() for text, _ in load_training_examples()}
    assert not trained & {question.lower() for question in CALM_QUESTIONS}
