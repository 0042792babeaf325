"""What kind of question the offline responder is looking at: about the customer's past, or their tickets.

Phrase rules catch the common wordings in the languages we ship phrases for; the embedding prototypes
(checked in the responder's one batched embedding call) catch English paraphrases.
"""

from __future__ import annotations

import re

TICKET_ID = re.compile(r"\bT-\d{3,}\b", re.IGNORECASE)

_MEMORY = re.compile(
    r"\b(?:last time|previous(?:ly)?|remember|on record|told you|what do you know about me"
    r"|(?:what|which)\s+(?:plan|subscription|tier|package)|what(?:'s| is| was) my\s+(?:plan|subscription|tier)"
    r"|(?:what|which)\s+(?:products?|devices?|apps?|platforms?)\s+(?:do|did)\s+(?:i|we)\b"
    r"|(?:what|which)\s+\w+\s+am i on|how do (?:you|i) prefer"
    r"|my preferences|la última vez|recuerdas?|recuerda usted|qué plan|cuál es mi plan"
    r"|la dernière fois|vous souvenez|quel (?:forfait|abonnement)"
    r"|letztes mal|erinnern|welche[nrs]? (?:tarif|plan|abo))\b",
    re.IGNORECASE,
)
_TICKETS = re.compile(
    r"\b(?:(?:my|our|the|open|existing)\s+(?:support\s+)?(?:tickets?|cases?|requests?)"
    r"|ticket\s+status|status of (?:my|the|our)\s+\w+|any (?:update|news) on"
    r"|mis tickets|mi ticket|estado de mi|mes tickets|mon ticket|meine tickets|mein ticket)\b",
    re.IGNORECASE,
)

MEMORY_PROTOTYPES: tuple[str, ...] = (
    "What plan am I on?",
    "What did we try last time?",
    "Do you remember what I told you before?",
    "What do you know about me?",
    "What was my problem last time?",
    "Which subscription do I have?",
    "What fixed it last time?",
    "How do I prefer to be contacted?",
)


def asks_about_memory(text: str) -> bool:
    """The customer refers to earlier conversations or to facts about themselves."""
    return bool(_MEMORY.search(text))


def asks_about_tickets(text: str) -> bool:
    """The customer asks about their tickets (by id or in general)."""
    return bool(TICKET_ID.search(text) or _TICKETS.search(text))


TICKET_INTENT = "ticket_status"


def is_ticket_question(text: str, intent: str | None) -> bool:
    """This turn is about the customer's tickets: the intent router says so, or a ticket is named or asked for.

    The router (signals/intents.yaml, ``ticket_status``) catches paraphrases ("is there already a ticket for my
    double charge?"); the phrase rules catch short wordings in the other languages we ship phrases for.
    """
    return intent == TICKET_INTENT or asks_about_tickets(text)


def ticket_ids(text: str) -> list[str]:
    """Ticket ids mentioned in ``text``, normalised to upper case, in order, without repeats."""
    seen: list[str] = []
    for match in TICKET_ID.findall(text):
        ticket_id = match.upper()
        if ticket_id not in seen:
            seen.append(ticket_id)
    return seen


def content_words(text: str) -> int:
    """How many words of three letters or more: a rough measure of how much the message says."""
    return len(re.findall(r"\w{3,}", text))
