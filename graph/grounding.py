"""The grounding block of the system prompt: what the model may say this turn (articles, tickets, memory).

It is rendered as tagged text a real LLM reads well, and parsed back by the offline responder, which reads its
prompt like any other model instead of getting a side channel.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from prompts.loader import load_snippets

_TURN = re.compile(r"<turn (?P<attrs>[^>]*)/>")
_BLOCK = re.compile(r"<(?P<tag>article|ticket|memory) (?P<attrs>[^>]*)>\n?(?P<body>.*?)\n?</(?P=tag)>", re.DOTALL)
_ATTR = re.compile(r'(\w+)="([^"]*)"')


@dataclass(frozen=True, slots=True)
class GroundingArticle:
    """A knowledge-base chunk the answer may draw on."""

    id: str
    title: str
    score: float
    chunk_id: str
    text: str
    untrusted: bool = False


@dataclass(frozen=True, slots=True)
class GroundingTicket:
    """Facts about one of the customer's tickets."""

    id: str
    status: str
    subject: str
    details: str = ""


@dataclass(frozen=True, slots=True)
class GroundingMemory:
    """A durable fact remembered about the customer."""

    kind: str
    text: str
    extra: tuple[tuple[str, str], ...] = ()
    """The fact's stored fields (plan, channel...), from which it can be restated in another language."""


@dataclass(frozen=True, slots=True)
class Grounding:
    """Everything the answer of this turn may use, plus how to say it."""

    persona: str
    language: str
    sentiment: str | None = None
    intent: str | None = None
    first_reply: bool = False
    injection: bool = False
    resolved: bool = False
    kb_confidence: float = 0.0
    kb_threshold: float = 0.35
    articles: tuple[GroundingArticle, ...] = field(default_factory=tuple)
    tickets: tuple[GroundingTicket, ...] = field(default_factory=tuple)
    memories: tuple[GroundingMemory, ...] = field(default_factory=tuple)


def _attrs(**values: object) -> str:
    return " ".join(f'{key}="{html.escape(str(value), quote=True)}"' for key, value in values.items())


def _parse_attrs(text: str) -> dict[str, str]:
    return {key: html.unescape(value) for key, value in _ATTR.findall(text)}


def render_grounding(grounding: Grounding) -> str:
    """The grounding as prompt text; article bodies are escaped so they cannot close their own tag."""
    lines = [
        "<turn "
        + _attrs(
            persona=grounding.persona,
            language=grounding.language,
            sentiment=grounding.sentiment or "",
            intent=grounding.intent or "",
            first_reply=str(grounding.first_reply).lower(),
            injection=str(grounding.injection).lower(),
            resolved=str(grounding.resolved).lower(),
            kb_confidence=f"{grounding.kb_confidence:.4f}",
            kb_threshold=f"{grounding.kb_threshold:.4f}",
        )
        + "/>"
    ]
    if not grounding.articles:
        lines.append(load_snippets("system_rules")["no_articles"])
    for article in grounding.articles:
        attrs = _attrs(
            id=article.id,
            title=article.title,
            score=f"{article.score:.4f}",
            chunk=article.chunk_id,
            untrusted=str(article.untrusted).lower(),
        )
        lines.append(f"<article {attrs}>\n{html.escape(article.text, quote=False)}\n</article>")
    for ticket in grounding.tickets:
        attrs = _attrs(id=ticket.id, status=ticket.status, subject=ticket.subject)
        lines.append(f"<ticket {attrs}>\n{html.escape(ticket.details, quote=False)}\n</ticket>")
    for memory in grounding.memories:
        attrs = _attrs(kind=memory.kind, **{key: value for key, value in memory.extra if key != "kind"})
        lines.append(f"<memory {attrs}>\n{html.escape(memory.text, quote=False)}\n</memory>")
    return "\n".join(lines)


def parse_grounding(text: str) -> Grounding | None:
    """The grounding rendered into ``text`` (a system prompt), or None when it holds none."""
    turn = _TURN.search(text)
    if turn is None:
        return None
    head = _parse_attrs(turn.group("attrs"))
    articles: list[GroundingArticle] = []
    tickets: list[GroundingTicket] = []
    memories: list[GroundingMemory] = []
    for block in _BLOCK.finditer(text, turn.end()):
        attrs = _parse_attrs(block.group("attrs"))
        body = html.unescape(block.group("body"))
        if block.group("tag") == "article":
            articles.append(
                GroundingArticle(
                    id=attrs.get("id", ""),
                    title=attrs.get("title", ""),
                    score=float(attrs.get("score", "0") or 0),
                    chunk_id=attrs.get("chunk", ""),
                    text=body,
                    untrusted=attrs.get("untrusted") == "true",
                )
            )
        elif block.group("tag") == "ticket":
            tickets.append(
                GroundingTicket(attrs.get("id", ""), attrs.get("status", ""), attrs.get("subject", ""), body)
            )
        else:
            extra = tuple(sorted((key, value) for key, value in attrs.items() if key != "kind"))
            memories.append(GroundingMemory(kind=attrs.get("kind", ""), text=body, extra=extra))
    return Grounding(
        persona=head.get("persona", ""),
        language=head.get("language", "en"),
        sentiment=head.get("sentiment") or None,
        intent=head.get("intent") or None,
        first_reply=head.get("first_reply") == "true",
        injection=head.get("injection") == "true",
        resolved=head.get("resolved") == "true",
        kb_confidence=float(head.get("kb_confidence", "0") or 0),
        kb_threshold=float(head.get("kb_threshold", "0.35") or 0.35),
        articles=tuple(articles),
        tickets=tuple(tickets),
        memories=tuple(memories),
    )
