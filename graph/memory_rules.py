"""Phrase rules that find durable facts in a customer's own words (the offline memory extractor).

Plan ("I'm on the Pro plan"), products and platforms ("we use Nimbus Scribe", "on Android"), preferred contact
channel and answer style. Each fact restates what the customer said; a rule that is unsure finds nothing.
"""

from __future__ import annotations

import re

from graph.facts import Fact

_NAME = r"(?P<name>[A-Za-z][\w+-]*(?:\s[A-Z0-9][\w+-]*)?)"
_PLAN = [
    re.compile(
        r"\b(?:i'?m|i am|we'?re|we are|i'?ve been|we'?ve been)\s+(?:currently\s+|still\s+)?(?:on|using|subscribed to"
        r"|paying for)\s+(?:the\s+|a\s+|an\s+)?" + _NAME + r"\s+(?:plan|tier|subscription|package)\b",
        re.I,
    ),
    re.compile(r"\b(?:my|our)\s+(?:current\s+)?(?:plan|tier|subscription)\s+is\s+(?:the\s+)?" + _NAME, re.I),
    re.compile(
        r"\b(?:i|we)\s+(?:have|got|bought|pay for|upgraded to|switched to|moved to|downgraded to)\s+"
        r"(?:the\s+|a\s+|an\s+)?" + _NAME + r"\s+(?:plan|tier|subscription)\b",
        re.I,
    ),
]
_NOT_A_PLAN = frozenset(
    {
        "my",
        "our",
        "your",
        "this",
        "that",
        "which",
        "what",
        "new",
        "current",
        "same",
        "a",
        "the",
        "wrong",
        "old",
        "other",
        "any",
        "cheaper",
        "better",
        "higher",
        "lower",
        "right",
    }
)
_CHANNEL = re.compile(
    r"\b(?:(?:prefer|rather be contacted|please (?:contact|reach) me|best (?:way )?to reach me)"
    r"\b[^.!?]{0,40}?\b(?P<channel>e-?mail|phone|call|sms|text(?: messages?)?|chat|whatsapp)"
    r"|(?:please|just|only) (?P<verb>e-?mail|call|phone|text) me)\b",
    re.I,
)
_CHANNEL_NAMES = {
    "e-mail": "email",
    "email": "email",
    "phone": "phone",
    "call": "phone",
    "sms": "SMS",
    "chat": "chat",
    "whatsapp": "WhatsApp",
}
_STYLE = re.compile(
    r"\b(?:keep (?:it|answers|replies)|please be|i prefer|i'd prefer|i would prefer|rather have|give me)"
    r"\b[^.!?]{0,30}?\b(?P<style>short|brief|concise|technical|detailed|step[- ]by[- ]step|formal"
    r"|casual|friendly)\b",
    re.I,
)
_STYLE_PERSONA = {
    "short": "professional",
    "brief": "professional",
    "concise": "professional",
    "formal": "professional",
    "technical": "technical",
    "detailed": "technical",
    "step-by-step": "technical",
    "step by step": "technical",
    "casual": "friendly",
    "friendly": "friendly",
}
_PRODUCT = re.compile(
    r"\b(?i:i|we)\s+(?i:use|am using|are using|own|run|bought|purchased)\s+(?i:the\s+|a\s+|an\s+|our\s+"
    r"|my\s+)?(?P<name>(?:[A-Z][\w+-]*|iOS|iPhone|iPad|macOS)(?:\s(?:[A-Z0-9][\w+-]*|app))*)"
)
_PLATFORM = re.compile(r"\bon (?:my |the |our )?(?P<name>iOS|iPhone|iPad|Android|Windows|macOS|Mac|Linux|Chromebook)\b")


def rule_text_facts(text: str) -> list[Fact]:
    """Plan, products, contact channel and answer style stated in the customer's own message."""
    facts: list[Fact] = []
    for pattern in _PLAN:
        match = pattern.search(text)
        if match and match.group("name").split()[0].lower() not in _NOT_A_PLAN and "<" not in match.group("name"):
            name = " ".join(word[:1].upper() + word[1:] for word in match.group("name").split())
            facts.append(Fact("plan", "plan", f"You're on the {name} plan.", extra={"plan": name}))
            break
    if match := _CHANNEL.search(text):
        channel = _CHANNEL_NAMES.get((match.group("channel") or match.group("verb")).lower(), "SMS")
        facts.append(
            Fact("preference", "channel", f"You prefer to be contacted by {channel}.", extra={"channel": channel})
        )
    if match := _STYLE.search(text):
        style = match.group("style").lower()
        persona = _STYLE_PERSONA.get(style, "professional")
        facts.append(Fact("preference", "style", f"You prefer {style} answers.", extra={"persona": persona}))
    for pattern in (_PRODUCT, _PLATFORM):
        for match in pattern.finditer(text):
            name = match.group("name").strip()
            if (
                name
                and "<" not in name
                and not re.search(r"\b(?:plan|tier|subscription)\b", text[match.end() : match.end() + 12])
            ):
                facts.append(Fact("product", name, f"You use {name}."))
    return facts


def persona_for_style(text: str) -> str | None:
    """The persona matching a stated answer-style preference ("keep it short" -> professional), if any."""
    match = _STYLE.search(text) or _STYLE.search(f"i prefer {text}")
    return _STYLE_PERSONA.get(match.group("style").lower(), "professional") if match else None
