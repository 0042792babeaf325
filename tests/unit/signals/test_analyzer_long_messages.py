"""The classify step on a message at the length limit: every signal, PII masked end to end."""

from __future__ import annotations

import pytest

from signals.analyzer import SignalAnalyzer

COMPLAINT = (
    "I was charged twice for my annual subscription and nobody has answered my emails for two weeks. "
    "The second payment also made my account overdrawn, and my bank charged me a fee for that. "
)


@pytest.fixture(scope="module")
def analyzer() -> SignalAnalyzer:
    return SignalAnalyzer(tuning_steps=0)


def test_an_8000_character_complaint_is_read_whole(analyzer: SignalAnalyzer) -> None:
    body = (COMPLAINT * 60)[:7_900]
    text = f"{body} Refund it to 4111 1111 1111 1111 or I call my lawyer. jo@example.com"
    signals = analyzer.analyze(text)
    assert len(text) > 7_900
    assert "4111 1111 1111 1111" not in signals.text and "jo@example.com" not in signals.text
    assert {"CREDIT_CARD", "EMAIL_ADDRESS"} <= set(signals.pii_types)
    assert signals.legal_threat  # a cue at the very end still counts
    assert signals.language == "en" and signals.team == "billing"
    assert signals.sentiment == "negative"


def test_an_8000_character_message_in_another_language(analyzer: SignalAnalyzer) -> None:
    text = ("Me han cobrado dos veces la suscripción anual y nadie responde a mis correos desde hace semanas. " * 90)[
        :8_000
    ]
    assert analyzer.analyze(text).language == "es"
