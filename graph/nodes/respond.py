"""respond: the chat model answers from the persona prompt, the retrieved grounding and the customer's memory.

Bound to the tools, it may call them (the graph's ToolNode runs them and loops back here) for at most
MAX_TOOL_ROUNDS rounds per turn; after that it is called without tools and must answer. Tool calls whose
arguments are not JSON come back to the model as tool errors (the node loops to itself).
"""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from langchain_core.messages import AIMessage, AnyMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.tools import BaseTool
from langgraph.runtime import Runtime

from graph.answer import answer_with_fallbacks, usage_of
from graph.clock import now
from graph.costs import add_usage
from graph.grounding import Grounding, GroundingArticle, GroundingMemory, GroundingTicket, render_grounding
from graph.messages import text_of
from graph.model_placeholders import with_known_placeholders
from graph.models import ModelChoice
from graph.persona import resolve_persona
from graph.state import CitedArticle, Context, State
from prompts.loader import Persona, load_snippets, load_template, normalize_language
from settings import get_settings

ArticleText = Callable[[str, Sequence[str]], Awaitable[dict[str, str]]]
FULL_TEXT_ARTICLES = 2
"""Top trusted hits whose whole article goes into the prompt."""
_CITATION = re.compile(r"\[([^\[\]\s]{1,80})\]")


def is_first_reply(state: State) -> bool:
    """No answer has been given in this thread yet (a summary means earlier answers were folded away)."""
    return not state.summary and not any(isinstance(m, AIMessage) and text_of(m).strip() for m in state.messages)


def build_grounding(state: State, persona: Persona, bodies: Mapping[str, str] | None = None) -> Grounding:
    """What this turn's answer may use: the state retrieve filled in, with whole articles where ``bodies`` has them."""
    bodies = bodies or {}
    return Grounding(
        persona=persona.name,
        language=normalize_language(state.language),
        sentiment=state.sentiment,
        intent=state.intent,
        first_reply=is_first_reply(state),
        injection=state.injection,
        resolved=state.resolved,
        kb_confidence=state.kb_confidence,
        kb_threshold=get_settings().kb_low_confidence,
        articles=tuple(
            GroundingArticle(
                a["id"],
                a["title"],
                a["score"],
                a["id"] if a["id"] in bodies else a["chunk_id"],  # the sentence cache is keyed by what the text is
                bodies.get(a["id"]) or a["snippet"],
                a.get("untrusted", False),
            )
            for a in state.articles
        ),
        tickets=tuple(
            # A ticket question answered "no tickets" or "unavailable" has no id; the answer must still say so.
            GroundingTicket(t["id"], t["status"], t["subject"], t["details"])
            for t in state.tickets
            if t["id"] or t["status"] in ("none", "unavailable")
        ),
        memories=tuple(
            GroundingMemory(m["kind"], m["text"], tuple(sorted(m.get("extra", {}).items()))) for m in state.memories
        ),
    )


def system_prompt(state: State, persona: Persona, grounding: Grounding, context: Context) -> SystemMessage:
    """The persona's system prompt (prompts/system.md) with the summary and grounding filled in.

    The rules come first and never change, then the persona; what changes every turn (time, summary,
    grounding) comes last, so that the provider's prompt cache keeps the stable prefix.
    """
    rules = load_snippets("system_rules")
    if not grounding.first_reply:
        greeting_rule = rules["greeting_again"]
    else:
        greeting_rule = rules["greeting_first_returning" if grounding.memories else "greeting_first"]
    text = load_template("system").format(
        channel=context.channel,
        now=now(context.now).strftime("%Y-%m-%d %H:%M UTC"),
        persona_name=persona.name,
        persona_tone=persona.tone,
        persona_style=persona.style,
        persona_avoid=", ".join(f'"{phrase}"' for phrase in persona.avoid) or "none",
        greeting_rule=greeting_rule,
        language=grounding.language,
        # Escaped: the summary holds customer words and must not be able to forge grounding tags.
        summary=html.escape(state.summary, quote=False) or "(none yet)",
        grounding=render_grounding(grounding),
    )
    return SystemMessage(content=text)


def model_messages(state: State) -> list[BaseMessage]:
    """The conversation as the model sees it: messages flagged as injection attempts are quoted as data."""
    from signals import quote_untrusted

    flagged = set(state.flagged_message_ids)
    out: list[BaseMessage] = []
    for message in state.messages:
        if isinstance(message, HumanMessage) and str(message.id) in flagged:
            out.append(HumanMessage(content=quote_untrusted(text_of(message)), id=message.id))
        else:
            out.append(message)
    return out


def citations(answer: AnyMessage, state: State) -> list[CitedArticle]:
    """The retrieved articles the answer cites by id in square brackets."""
    cited = set(_CITATION.findall(text_of(answer)))
    return [CitedArticle(id=a["id"], title=a["title"]) for a in state.articles if a["id"] in cited]


def grounded(answer: AIMessage, state: State) -> bool:
    """The offline responder said something from the KB, the customer's tickets or this turn's tool results."""
    if answer.tool_calls or answer.response_metadata.get("cited_articles") or state.tickets:
        return True
    latest = max((i for i, m in enumerate(state.messages) if m.type == "human"), default=-1)
    return any(isinstance(m, ToolMessage) for m in state.messages[latest + 1 :])


def tool_call_errors(answer: AIMessage) -> tuple[AIMessage, list[ToolMessage]]:
    """Tool calls whose arguments were not valid JSON, answered as tool errors the model can fix next round."""
    calls = [{**call, "id": call.get("id") or f"call_{uuid.uuid4().hex[:12]}"} for call in answer.invalid_tool_calls]
    fixed = answer.model_copy(update={"invalid_tool_calls": calls})
    errors = [
        ToolMessage(
            content=f"Error: the arguments for {call.get('name') or 'this tool'} were not valid JSON "
            f"({call.get('error') or 'could not parse'}). Call it again with a JSON object of its parameters.",
            tool_call_id=str(call["id"]),
            name=call.get("name") or "unknown",
            status="error",
        )
        for call in calls
    ]
    return fixed, errors


def make_respond(models: ModelChoice, tools: Sequence[BaseTool], article_text: ArticleText | None = None) -> Any:
    """The respond node over ``tools`` with models from ``models``.

    ``article_text`` fetches whole articles for the top hits (a chunk alone often misses the steps around it);
    they go into the prompt only, not into the checkpointed state. The answer comes from the fallback chain
    (graph/answer.py); when nothing grounded can be said the turn goes to a person (``answered_by="handoff"``).
    """
    max_rounds = get_settings().max_tool_rounds

    async def respond(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
        """Ask the model for the answer (or for tool calls, while rounds remain)."""
        context = runtime.context
        persona = resolve_persona(context.persona, state.memories)
        top = [a["id"] for a in state.articles if not a.get("untrusted")][:FULL_TEXT_ARTICLES]
        bodies = await article_text(context.tenant, top) if article_text and top else {}
        grounding = build_grounding(state, persona, bodies)
        prompt = [system_prompt(state, persona, grounding, context), *model_messages(state)]
        prompt = await with_known_placeholders(prompt, context.model)
        usable = tools if state.tool_rounds < max_rounds else ()
        steps = models.answer_steps(context.model, usable)
        if state.model_failure:  # a remote model already failed this turn: don't make the customer wait again
            steps = [step for step in steps if not step.remote] or steps
        outcome = await answer_with_fallbacks(prompt, steps, deadline_s=get_settings().llm_timeout_s)
        failure = "; ".join(f for f in (state.model_failure, *outcome.failures) if f) or None
        answer, step = outcome.message, outcome.step
        if answer is None or step is None or (failure and step.role == "offline" and not grounded(answer, state)):
            return {"answered_by": "handoff", "model_failure": failure or "offline:ungrounded"}
        update: dict[str, Any] = {
            "answered_by": step.role,
            "model_failure": failure,
            "turn_usage": add_usage(state.turn_usage, step.model, usage_of(answer, prompt)),
        }
        if answer.invalid_tool_calls and not answer.tool_calls:
            answer, errors = tool_call_errors(answer)
            return update | {"messages": [answer, *errors], "tool_rounds": state.tool_rounds + 1}
        update["messages"] = [answer]
        if answer.tool_calls:
            update["tool_rounds"] = state.tool_rounds + 1
            return update
        cited = citations(answer, state)
        update["turn_citations"] = cited
        if cited:
            update["last_citations"] = cited
        return update

    return respond
