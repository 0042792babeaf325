import dataclasses

import pytest

from graph.policy import EscalationInputs, decide_escalation, priority_for
from signals.types import Signals

CALM = Signals(
    text="where is my order?",
    intent="shipping_delivery",
    intent_confidence=0.9,
    team="logistics",
    sentiment="neutral",
    sentiment_score=0.0,
    urgency="low",
    language="en",
    pii_types=(),
    injection=False,
    injection_reasons=(),
    wants_human=False,
    legal_threat=False,
    refund_amount=None,
)


def _with(**changes: object) -> Signals:
    return dataclasses.replace(CALM, **changes)  # type: ignore[arg-type]


def test_calm_message_stays_with_the_assistant() -> None:
    assert decide_escalation(EscalationInputs(CALM)) == decide_escalation(EscalationInputs(CALM, tier="vip"))
    assert not decide_escalation(EscalationInputs(CALM)).escalate


@pytest.mark.parametrize(
    ("inputs", "reason"),
    [
        (EscalationInputs(_with(wants_human=True)), "asked_for_human"),
        (EscalationInputs(_with(legal_threat=True)), "legal_threat"),
        (EscalationInputs(_with(escalation_cue="asked_for_human")), "asked_for_human"),
        (EscalationInputs(_with(escalation_cue="formal_complaint")), "formal_complaint"),
        (EscalationInputs(_with(escalation_cue="money_dispute")), "money_dispute"),
        (EscalationInputs(_with(refund_amount=250.0)), "refund_over_threshold"),
        (EscalationInputs(_with(sentiment="negative", sentiment_score=-0.8, urgency="high")), "very_negative_urgent"),
        (
            EscalationInputs(_with(sentiment="negative", sentiment_score=-0.3, urgency="critical")),
            "very_negative_urgent",
        ),
        (EscalationInputs(CALM, low_confidence_streak=2), "repeated_failure"),
        (EscalationInputs(CALM, repeat_contact_open_issue=True), "repeat_contact"),
        (EscalationInputs(_with(sentiment="negative", sentiment_score=-0.4), frustration=0.7), "frustration_rising"),
    ],
)
def test_each_rule_fires(inputs: EscalationInputs, reason: str) -> None:
    decision = decide_escalation(inputs)
    assert decision.escalate and decision.reason == reason


@pytest.mark.parametrize(
    "inputs",
    [
        EscalationInputs(_with(refund_amount=150.0)),
        EscalationInputs(_with(refund_amount=250.0), refund_threshold=500.0),
        EscalationInputs(_with(sentiment="negative", sentiment_score=-0.9, urgency="low")),
        EscalationInputs(_with(sentiment="negative", sentiment_score=-0.3, urgency="high")),
        EscalationInputs(CALM, low_confidence_streak=1),
        EscalationInputs(_with(sentiment="neutral"), frustration=0.9),
    ],
)
def test_rules_do_not_fire_below_their_thresholds(inputs: EscalationInputs) -> None:
    assert decide_escalation(inputs).escalate is False


def test_first_matching_rule_names_the_reason() -> None:
    both = EscalationInputs(_with(wants_human=True, legal_threat=True))
    assert decide_escalation(both).reason == "asked_for_human"


@pytest.mark.parametrize(
    ("tier", "urgency", "priority"),
    [
        ("standard", "low", "low"),
        ("standard", "medium", "normal"),
        ("standard", "high", "high"),
        ("standard", "critical", "urgent"),
        ("enterprise", "medium", "high"),
        ("enterprise", "high", "urgent"),
        ("free", "high", "normal"),
        ("free", "critical", "urgent"),
        ("unknown-tier", "low", "low"),
    ],
)
def test_priority_for(tier: str, urgency: str, priority: str) -> None:
    assert priority_for(tier, urgency) == priority
