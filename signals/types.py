"""The result types every signal detector returns; plain frozen dataclasses so they cross module boundaries cheaply."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

SentimentLabel = Literal["negative", "neutral", "positive"]
Urgency = Literal["low", "medium", "high", "critical"]
PiiMode = Literal["mask", "hash", "off"]
OUT_OF_SCOPE = "out_of_scope"


@dataclass(frozen=True, slots=True)
class Signals:
    """Everything the graph needs to know about one customer message."""

    text: str
    """The message after PII redaction: the only form that may be stored or sent to an external model."""
    intent: str
    """Taxonomy label, or ``"out_of_scope"``."""
    intent_confidence: float
    team: str | None
    sentiment: SentimentLabel
    sentiment_score: float
    """-1 (very negative) .. 1 (very positive)."""
    urgency: Urgency
    language: str
    """ISO 639-1 code."""
    pii_types: tuple[str, ...]
    injection: bool
    injection_reasons: tuple[str, ...]
    wants_human: bool
    legal_threat: bool
    refund_amount: float | None
    escalation_cue: str | None = None
    """What the escalation model heard (signals.escalation_model): asked_for_human, formal_complaint, money_dispute."""


@dataclass(frozen=True, slots=True)
class PiiSpan:
    """One redacted entity, with offsets into the original text."""

    start: int
    end: int
    type: str


@dataclass(frozen=True, slots=True)
class RedactionResult:
    """The redacted text and what was found in the original."""

    text: str
    spans: tuple[PiiSpan, ...]

    @property
    def types(self) -> tuple[str, ...]:
        """The distinct entity types found, sorted."""
        return tuple(sorted({span.type for span in self.spans}))


@dataclass(frozen=True, slots=True)
class InjectionResult:
    """Whether text tries to steer the assistant, and which patterns fired."""

    flagged: bool
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class IntentPrediction:
    """The routing decision for one message."""

    intent: str
    confidence: float
    team: str | None


@dataclass(frozen=True, slots=True)
class SentimentResult:
    """Sentiment label and a signed score in -1..1."""

    label: SentimentLabel
    score: float
