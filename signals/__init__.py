"""Customer signals: intent, sentiment, urgency, language, PII redaction and prompt-injection flags.

Importing this package loads no model; the analyzer builds its models on first use.
"""

from signals.analyzer import SignalAnalyzer, get_analyzer
from signals.injection import detect_injection, quote_untrusted
from signals.pii import redact_pii
from signals.sentiment import frustration_trend
from signals.taxonomy import Intent, Taxonomy, load_taxonomy
from signals.types import (
    OUT_OF_SCOPE,
    InjectionResult,
    IntentPrediction,
    PiiSpan,
    RedactionResult,
    SentimentResult,
    Signals,
)

__all__ = [
    "OUT_OF_SCOPE",
    "InjectionResult",
    "Intent",
    "IntentPrediction",
    "PiiSpan",
    "RedactionResult",
    "SentimentResult",
    "SignalAnalyzer",
    "Signals",
    "Taxonomy",
    "detect_injection",
    "frustration_trend",
    "get_analyzer",
    "load_taxonomy",
    "quote_untrusted",
    "redact_pii",
]
