"""The escalation decision and ticket priority, as pure functions over signals and thread history."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from signals.types import Signals

Priority = Literal["low", "normal", "high", "urgent"]
EscalationReason = Literal[
    "asked_for_human",
    "legal_threat",
    "formal_complaint",
    "money_dispute",
    "refund_over_threshold",
    "very_negative_urgent",
    "repeated_failure",
    "repeat_contact",
    "frustration_rising",
]

VERY_NEGATIVE = -0.6
"""Sentiment score at or below which an urgent message is escalated."""
REPEATED_FAILURE_STREAK = 2
"""Consecutive low-confidence answers (including this one) that hand the thread to a person."""
FRUSTRATION_LIMIT = 0.5
"""Frustration trend (see signals.frustration_trend) above which a still-negative thread is escalated."""
_URGENT = ("high", "critical")


@dataclass(frozen=True)
class EscalationInputs:
    """What the policy looks at for one turn."""

    signals: Signals
    low_confidence_streak: int = 0
    """Consecutive low-confidence answers, including this turn's."""
    repeat_contact_open_issue: bool = False
    """The customer already has an open ticket about the same issue and is contacting us again."""
    frustration: float = 0.0
    refund_threshold: float = 200.0
    tier: str = "standard"


@dataclass(frozen=True)
class EscalationDecision:
    """Whether to hand off, and the first rule that fired."""

    escalate: bool
    reason: EscalationReason | None


def _refund_over_threshold(inputs: EscalationInputs) -> bool:
    amount = inputs.signals.refund_amount
    return amount is not None and amount > inputs.refund_threshold


def _very_negative_and_urgent(signals: Signals) -> bool:
    # A critical issue (data loss, breach, outage) reported in a negative tone needs a person even when the
    # sentiment model's score is only moderately negative.
    if signals.urgency == "critical" and signals.sentiment == "negative":
        return True
    return signals.sentiment_score <= VERY_NEGATIVE and signals.urgency in _URGENT


def decide_escalation(inputs: EscalationInputs) -> EscalationDecision:
    """Apply the escalation rules in order of how clearly a person is needed."""
    signals = inputs.signals
    rules: tuple[tuple[bool, EscalationReason], ...] = (
        (signals.wants_human or signals.escalation_cue == "asked_for_human", "asked_for_human"),
        (signals.legal_threat, "legal_threat"),
        (signals.escalation_cue == "formal_complaint", "formal_complaint"),
        # Coming back about an issue that already has an open ticket says more than the kind of issue:
        # the person who picks it up sees the earlier ticket and that the customer had to write again.
        (inputs.repeat_contact_open_issue, "repeat_contact"),
        (signals.escalation_cue == "money_dispute", "money_dispute"),
        (_refund_over_threshold(inputs), "refund_over_threshold"),
        (_very_negative_and_urgent(signals), "very_negative_urgent"),
        (inputs.low_confidence_streak >= REPEATED_FAILURE_STREAK, "repeated_failure"),
        (inputs.frustration >= FRUSTRATION_LIMIT and signals.sentiment == "negative", "frustration_rising"),
    )
    for fired, reason in rules:
        if fired:
            return EscalationDecision(escalate=True, reason=reason)
    return EscalationDecision(escalate=False, reason=None)


_BASE_PRIORITY: dict[str, Priority] = {"low": "low", "medium": "normal", "high": "high", "critical": "urgent"}
_ORDER: tuple[Priority, ...] = ("low", "normal", "high", "urgent")
_TIER_BOOST = {"free": -1, "standard": 0, "pro": 0, "premium": 1, "business": 1, "enterprise": 1, "vip": 1}


def priority_for(tier: str, urgency: str) -> Priority:
    """Ticket priority from urgency, raised one step for premium tiers and lowered one for free ones."""
    base = _BASE_PRIORITY.get(urgency, "normal")
    boost = _TIER_BOOST.get(tier.lower(), 0)
    # A free customer's critical issue (data loss, breach) is still urgent: never lower "urgent".
    if base == "urgent":
        return "urgent"
    index = min(max(_ORDER.index(base) + boost, 0), len(_ORDER) - 1)
    return _ORDER[index]
