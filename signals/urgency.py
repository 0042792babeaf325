"""Urgency from cue words (outages, data loss, security, legal, deadlines) adjusted by tone."""

from __future__ import annotations

import re

from signals.types import SentimentLabel, Urgency

# What a customer keeps in a product: losing any of it is data loss, whatever the product calls it.
_STORED = (
    r"(?:data|files|work|database|records|notes|notebooks|documents|docs|photos|pictures|projects|content|history|"
    r"messages|emails|contacts)"
)
_CRITICAL = re.compile(
    rf"\b(?:data loss|lost (?:all )?(?:of )?(?:my |our |the )?(?:\w+ )?{_STORED}|(?:all )?(?:my |our |the )?{_STORED} "
    r"(?:is |are |were |got |have |has )?(?:gone|deleted|wiped|corrupted|lost|disappeared|vanished)|deleted (?:all|"
    r"everything)|wiped|(?:account|"
    r"system)s? (?:was |were |"
    r"has been |got )?(?:hacked|compromised|breached)|security breach|data breach|fraud(?:ulent)?|identity theft|"
    r"production (?:is )?down|(?:whole|entire) (?:site|system|platform|service|company) (?:is )?down|"
    r"complete outage|total outage|nobody can (?:work|log ?in)|all (?:our |my )?(?:users|customers|staff) (?:are|can't|"
    r"cannot)|emergency|life[- ]threatening|ransomware)\b",
    re.IGNORECASE,
)
_HIGH = re.compile(
    r"\b(?:outage|(?:is |are |went |site |server |service |app )down|not working at all|can't access|cannot access|"
    r"locked out|urgent(?:ly)?|asap|immediately|right now|today|tonight|deadline|by (?:tomorrow|monday|"
    r"tuesday|wednesday|"
    r"thursday|friday|end of day|eod)|within (?:the )?(?:hour|day)|lawyer|attorney|legal action|sue|lawsuit|court|"
    r"charged twice|double charged|unauthori[sz]ed|stolen|can't (?:pay|work)|losing (?:money|customers|sales)|"
    r"urgente|dringend|urgent)\b",
    re.IGNORECASE,
)
_MEDIUM = re.compile(
    r"\b(?:broken|error|fail(?:s|ed|ing)?|crash(?:es|ed|ing)?|not working|doesn't work|won't|can't|cannot|"
    r"still (?:waiting|not)|again|late|delayed|missing|wrong|refund|charged|problem|issue|bug|stuck)\b",
    re.IGNORECASE,
)


def detect_urgency(text: str, *, sentiment: SentimentLabel = "neutral", sentiment_score: float = 0.0) -> Urgency:
    """Low/medium/high/critical for one message; a very negative tone raises high cues to critical."""
    if _CRITICAL.search(text):
        return "critical"
    exclamations = text.count("!") >= 3 or (
        len(text) > 12 and sum(c.isupper() for c in text) > 0.6 * sum(c.isalpha() for c in text)
    )
    if _HIGH.search(text):
        return "critical" if sentiment_score <= -0.8 and exclamations else "high"
    if _MEDIUM.search(text):
        return "high" if sentiment == "negative" and (exclamations or sentiment_score <= -0.7) else "medium"
    return "medium" if sentiment == "negative" and sentiment_score <= -0.5 else "low"
