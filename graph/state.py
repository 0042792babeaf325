"""The support graph's typed state (what one conversation remembers) and runtime context (who is talking)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, TypedDict

from langchain_core.messages import AnyMessage
from langgraph.graph import add_messages

from graph.costs import TurnUsage

Channel = Literal["chat", "email", "phone", "social"]
Sentiment = Literal["negative", "neutral", "positive"]
Urgency = Literal["low", "medium", "high", "critical"]
EscalationStatus = Literal["pending", "replied", "handed_back", "closed"]
InCharge = Literal["person", "bot"]
AnsweredBy = Literal["primary", "fallback", "offline", "handoff"]


class RetrievedArticle(TypedDict):
    """One knowledge-base hit as the retrieve step saw it."""

    id: str
    title: str
    score: float
    snippet: str
    chunk_id: str
    untrusted: bool


class TicketRef(TypedDict):
    """A ticket this conversation is about, with the facts the lookup returned."""

    id: str
    status: str
    subject: str
    details: str


class MemoryFact(TypedDict):
    """A durable fact about the customer recalled from the store (see graph/memory.py)."""

    key: str
    kind: str
    text: str
    updated_at: str
    extra: dict[str, str]


class CitedArticle(TypedDict):
    """An article an answer cited."""

    id: str
    title: str


class EscalationRecord(TypedDict):
    """What happened when the conversation was handed to a person, and who is in charge of it now.

    ``status`` follows the handoff (support/handoff_lifecycle.THREAD_ESCALATION): pending while the person
    owes an answer, replied once they answered, then closed or handed_back when the bot has it again.
    """

    status: EscalationStatus
    in_charge: InCharge
    handoff_id: int | None
    reason: str
    team: str
    ticket_id: str | None
    priority: str
    agent: str | None
    resolution: str | None


@dataclass(kw_only=True)
class Context:
    """Who is talking and how: set per run by the client (`context={...}`), never by the model."""

    customer_id: str = field(default="anonymous", metadata={"description": "The customer's id in our records."})
    tenant: str = field(default="default", metadata={"description": "The support organisation (data isolation)."})
    channel: Channel = field(default="chat", metadata={"description": "Where the customer writes from."})
    persona: str | None = field(
        default=None,
        metadata={"description": "Persona name in prompts/personas; unset = customer preference or default."},
    )
    model: str | None = field(
        default=None, metadata={"description": '"offline" or "provider:model"; unset = LLM_MODEL.'}
    )
    now: str | None = field(
        default=None,
        metadata={"description": "ISO-8601 time to act at (tests and replays); unset = the system clock."},
    )


@dataclass(kw_only=True)
class InputState:
    """What a client sends: new messages."""

    messages: Annotated[Sequence[AnyMessage], add_messages] = field(default_factory=list)


@dataclass(kw_only=True)
class State(InputState):
    """Everything one conversation carries between turns (checkpointed per thread)."""

    customer_id: str | None = None
    # Signals of the latest customer message (signals/).
    intent: str | None = None
    intent_confidence: float = 0.0
    team: str | None = None
    sentiment: Sentiment | None = None
    sentiment_score: float = 0.0
    sentiment_history: list[float] = field(default_factory=list)
    urgency: Urgency | None = None
    language: str | None = None
    injection: bool = False
    flagged_message_ids: list[str] = field(default_factory=list)
    pii_types: list[str] = field(default_factory=list)
    wants_human: bool = False
    legal_threat: bool = False
    refund_amount: float | None = None
    escalation_cue: str | None = None
    # What retrieve found for this turn.
    articles: list[RetrievedArticle] = field(default_factory=list)
    kb_confidence: float = 0.0
    tickets: list[TicketRef] = field(default_factory=list)
    memories: list[MemoryFact] = field(default_factory=list)
    repeat_contact: bool = False
    # What the answers did.
    turn_citations: list[CitedArticle] = field(default_factory=list)
    last_citations: list[CitedArticle] = field(default_factory=list)
    # Conversation bookkeeping.
    topic: str | None = None
    escalation: EscalationRecord | None = None
    handoff: dict[str, Any] | None = None
    summary: str = ""
    turn_count: int = 0
    recorded_turn: int = 0
    turn_started_at: float = 0.0
    low_confidence_streak: int = 0
    """Low-confidence answers in a row including this turn's, as the escalation policy counts them."""
    failed_answers: int = 0
    """Earlier answers in a row that had nothing to go on (low confidence and nothing cited)."""
    resolved: bool = False
    tool_rounds: int = 0
    # How this turn was answered (graph/answer.py), for analytics.
    answered_by: AnsweredBy | None = None
    model_failure: str | None = None
    """The failures of the answer's fallback chain this turn ("primary:timeout; fallback:http_500")."""
    turn_usage: TurnUsage | None = None
