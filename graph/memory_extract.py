"""Which durable facts one turn teaches us about the customer (the memory writer stores them).

Facts from signals (language, sentiment, open issue, what we tried, what worked) are derived by rule from
the turn's structured data. Facts from what the customer wrote (plan, products, contact and style
preferences) come from phrase rules offline, or from structured-output extraction with a real LLM.
Every fact text restates the customer's or the agent's own words; nothing is inferred.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from langchain_core.language_models import BaseChatModel
from pydantic import BaseModel, Field

from graph.facts import Extraction, Fact, FactKind
from graph.internal_calls import internal_structured
from graph.memory_rules import persona_for_style
from graph.state import EscalationRecord, TicketRef
from prompts.loader import load_template, team_label

TEXT_KINDS: tuple[FactKind, ...] = ("preference", "product", "plan", "open_issue")
NON_ISSUE_INTENTS = frozenset({"greeting", "talk_to_human", "out_of_scope", "ticket_status"})
LANGUAGE_NAMES = {
    "es": "Spanish",
    "fr": "French",
    "de": "German",
    "pt": "Portuguese",
    "it": "Italian",
    "nl": "Dutch",
    "pl": "Polish",
    "sv": "Swedish",
    "ja": "Japanese",
    "zh": "Chinese",
}
_SNIPPET_CHARS = 160


@dataclass(frozen=True, slots=True)
class TurnRecord:
    """What the memory writer needs to know about one finished turn (all text already PII-redacted)."""

    customer_text: str
    answer_text: str
    now: datetime
    intent: str | None = None
    topic: str | None = None
    sentiment: str | None = None
    sentiment_score: float = 0.0
    language: str | None = None
    cited: Sequence[tuple[str, str]] = ()
    """(article id, title) of the articles the answer cited."""
    previous_cited: Sequence[tuple[str, str]] = ()
    """Articles cited by the answer before this one (what the customer says "worked")."""
    resolved: bool = False
    """The customer confirmed the fix in this message (graph/confirmation.py), never assumed."""
    tickets: Sequence[TicketRef] = ()
    escalation: EscalationRecord | None = None
    thread_id: str = ""
    turn: int = 0
    """The customer message's turn number in the thread (provenance of what is learnt)."""
    message_id: str | None = None


def topic_label(topic: str) -> str:
    """An intent name as the issue it names ("account_access" -> "account access issue")."""
    words = topic.replace("_", " ")
    return words if words.endswith(("issue", "problem", "request", "status", "complaint")) else f"{words} issue"


def _snippet(text: str) -> str:
    from graph.memory_refs import mask_account_numbers

    text = mask_account_numbers(" ".join(text.split()))
    return text if len(text) <= _SNIPPET_CHARS else text[: _SNIPPET_CHARS - 1].rstrip() + "…"


PROBLEM_INTENTS = frozenset(
    {
        "account_access",
        "technical_issue",
        "outage_status",
        "refund_request",
        "shipping_delivery",
        "returns_exchange",
        "feedback_complaint",
        "security_concern",
    }
)
"""Intents that name something wrong; a how-to question ("how do I connect Slack?") is not an open issue."""


def _is_problem(turn: TurnRecord) -> bool:
    return turn.intent in PROBLEM_INTENTS or turn.sentiment == "negative" or turn.escalation is not None


def signal_facts(turn: TurnRecord) -> Extraction:
    """Facts that follow from the turn's signals and outcome, whatever model answered."""
    out = Extraction()
    day = turn.now.date().isoformat()
    words = len(re.findall(r"\w{3,}", turn.customer_text))
    if turn.language and turn.language != "en" and turn.language in LANGUAGE_NAMES and words >= 4:
        out.facts.append(
            Fact(
                "preference",
                "language",
                f"You write to us in {LANGUAGE_NAMES[turn.language]}.",
                extra={"language": turn.language},
            )
        )
    topic = turn.topic if turn.topic and turn.topic not in NON_ISSUE_INTENTS else None
    if turn.resolved and topic:
        label = topic_label(topic)
        worked = list(turn.previous_cited) or list(turn.cited)
        text = (
            f'What solved your {label} on {day}: "{worked[0][1]}" [{worked[0][0]}].'
            if worked
            else f"Your {label} was resolved on {day}."
        )
        out.facts.append(Fact("resolution", topic, text))
        out.forget += [Fact("open_issue", topic, "").key, Fact("attempt", topic, "").key]
        # The customer's own words are the outcome; nothing about their satisfaction is inferred.
        out.facts.append(
            Fact(
                "sentiment",
                "recent",
                f'On {day} you confirmed your {label} was solved: "{_snippet(turn.customer_text)}"',
            )
        )
        return out
    if not topic:
        return out
    label = topic_label(topic)
    if turn.escalation and turn.escalation.get("ticket_id"):
        team = team_label(turn.escalation.get("team") or "support", "en")  # a display name, never "trust_and_safety"
        out.facts.append(
            Fact(
                "open_issue",
                topic,
                f"Your {label} is open as ticket {turn.escalation['ticket_id']} with our {team} team (since {day}).",
            )
        )
    elif turn.intent == topic and words >= 3 and _is_problem(turn):
        out.facts.append(
            Fact(
                "open_issue",
                topic,
                f'On {day} you told us about your {label}: "{_snippet(turn.customer_text)}"',
                replace_text=False,
            )
        )
    if turn.cited and turn.intent == topic:
        article_id, title = turn.cited[0]
        out.facts.append(Fact("attempt", topic, f'On {day} we suggested "{title}" [{article_id}] for your {label}.'))
    if turn.sentiment == "negative" and turn.sentiment_score <= -0.5:
        out.facts.append(Fact("sentiment", "recent", f"On {day}, you were frustrated about your {label}."))
    return out


class ExtractedFact(BaseModel):
    """One fact proposed by the LLM."""

    kind: Literal["preference", "product", "plan", "open_issue"]
    subject: str = Field(description='Short lowercase name of what the fact is about, e.g. "plan", "channel".')
    text: str = Field(description="The fact, addressed to the customer in the second person.")


class ExtractedFacts(BaseModel):
    """The facts worth remembering from one exchange (empty when there are none)."""

    facts: list[ExtractedFact] = Field(default_factory=list)


async def model_text_facts(model: BaseChatModel, turn: TurnRecord, known: Sequence[str]) -> list[Fact]:
    """Structured-output extraction with a real LLM (the prompt is prompts/memory_extract.md)."""
    prompt = load_template("memory_extract").format(
        kinds=", ".join(TEXT_KINDS),
        known="\n".join(f"- {text}" for text in known) or "(none)",
        exchange=f"Customer: {turn.customer_text}\nAgent: {turn.answer_text}",
    )
    result = await internal_structured(model, ExtractedFacts, "extract_memory").ainvoke(prompt)
    extracted = result if isinstance(result, ExtractedFacts) else ExtractedFacts.model_validate(result)
    facts: list[Fact] = []
    for item in extracted.facts:
        extra: dict[str, str] = {}
        if item.kind == "preference" and (persona := persona_for_style(item.text)):
            extra["persona"] = persona
        facts.append(Fact(item.kind, item.subject, item.text.strip(), extra=extra))
    return facts
