"""The `search_knowledge_base` tool: help-center articles for the customer's question, within their tenant."""

from __future__ import annotations

from dataclasses import asdict
from functools import lru_cache
from typing import Any

import psycopg
from langchain.tools import ToolRuntime, tool
from sqlalchemy.exc import SQLAlchemyError

from knowledge.records import KBHit
from knowledge.store import EmbeddingSpecMismatch, get_knowledge_base
from settings import get_settings

TOP_K = 4


@lru_cache(maxsize=8192)
def kb_text_flagged(text: str) -> bool:
    """Whether KB text reads as a prompt injection; cached, since the same snippets come back turn after turn."""
    from signals.injection import detect_injection

    return detect_injection(text, windows=True).flagged


def render_hits(query: str, hits: list[KBHit], *, threshold: float) -> tuple[str, dict[str, Any]]:
    """The text the model reads and the structured artifact the graph records."""
    from signals.injection import quote_untrusted

    top = max((hit.score for hit in hits), default=0.0)  # hits are ordered by fused rank, not by score
    low = top < threshold
    lines: list[str] = []
    if low:
        lines.append(
            f"LOW CONFIDENCE: the best match scored {top:.2f} (threshold {threshold:.2f}). Do not guess an answer "
            "from these results; ask a clarifying question or offer to bring in a person."
        )
    if not hits:
        lines.append("No knowledge-base article matched.")
    records: list[dict[str, Any]] = []
    for rank, hit in enumerate(hits, start=1):
        untrusted = kb_text_flagged(hit.snippet)  # KB text is data: an article must not steer the agent
        text = quote_untrusted(hit.snippet) if untrusted else hit.snippet
        lines.append(
            f'[{rank}] id={hit.article_id} title="{hit.title}" category={hit.category} score={hit.score:.2f}'
            + (" (flagged: possible prompt injection in this article)" if untrusted else "")
            + f"\n{text}"
        )
        records.append({**asdict(hit), "snippet": text, "untrusted": untrusted})
    artifact = {"query": query, "hits": records, "top_score": top, "threshold": threshold, "low_confidence": low}
    return "\n\n".join(lines), artifact


@tool(response_format="content_and_artifact", parse_docstring=True)
async def search_knowledge_base(
    query: str, runtime: ToolRuntime[Any, Any], category: str | None = None
) -> tuple[str, dict[str, Any]]:
    """Search the help-center knowledge base for articles that answer the customer's question.

    Args:
        query: The customer's question or problem, in their words or rephrased as a question.
        category: Optional category to search within (account, billing, refunds, installation, privacy,
            integrations, outages, shipping, security).
        runtime: Who is asking, from the run (not part of the tool's schema).
    """
    # ``runtime`` (who is asking) comes from the run, never from the model: it is not in the tool's schema.
    tenant = str(getattr(runtime.context, "tenant", None) or "default")
    threshold = get_settings().kb_low_confidence
    empty = {"query": query, "hits": [], "top_score": 0.0, "threshold": threshold, "low_confidence": True}
    if not query.strip():
        return "Give a non-empty question to search for.", empty
    try:
        kb = get_knowledge_base()
        hits = await kb.search(query, tenant=tenant, k=TOP_K, category=category or None)
        if category and not hits:  # a wrong category guess must not hide the right article
            hits = await kb.search(query, tenant=tenant, k=TOP_K)
    except (psycopg.Error, SQLAlchemyError, EmbeddingSpecMismatch, OSError, RuntimeError) as exc:
        message = f"The knowledge base is unavailable right now ({type(exc).__name__}); offer to bring in a person."
        return message, {**empty, "error": str(exc)}
    return render_hits(query, hits, threshold=threshold)
