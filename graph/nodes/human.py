"""await_human: pause the thread until a person acts in the handoff inbox, then apply what they did.

The interrupt value is agent-inbox's ``[HumanInterrupt]`` with the handoff record in ``action_request.args``
(graph/inbox_schema.py). Resume value: {"action": "reply"|"handback"|"close", "agent": str, "text": str,
"resolution": str | None} from our inbox, or agent-inbox's ``[HumanResponse]`` (``response`` is a reply,
``ignore`` a hand-back).
The person's text (a reply, or the last words of a close or hand-back) is appended to the thread as their
own AIMessage (name = agent), so the customer sees it and it is persisted with the conversation. After a
reply the thread pauses here again (graph/routing.after_remember): the person stays in charge until they
close or hand back, and the customer's follow-ups join the same handoff (support/handoff_lifecycle.py).
An agent-inbox answer comes through the LangGraph API without our inbox routes, so the node records it on the
handoff row and the ticket itself (support/inbox_resume.py), once per resumed step.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from langchain_core.messages import AIMessage
from langchain_core.runnables import RunnableConfig
from langgraph.runtime import Runtime
from langgraph.types import interrupt

from graph.inbox_schema import as_action, from_agent_inbox, handoff_interrupt
from graph.messages import BOT_NAME
from graph.persona import resolve_persona
from graph.state import Context, EscalationRecord, EscalationStatus, State
from prompts.loader import phrase

_STATUS: dict[str, EscalationStatus] = {"reply": "replied", "handback": "handed_back", "close": "closed"}
_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def author_name(agent: str) -> str:
    """The agent as a message author name that every chat API accepts (letters, digits, - and _)."""
    return _NAME_UNSAFE.sub("_", agent).strip("_")[:64] or "agent"


RecordResume = Callable[..., Awaitable[str]]
"""support.inbox_resume.record_direct_resume: records an agent-inbox action, returns who acted."""


def resumer(config: RunnableConfig) -> dict[str, str | None]:
    """Who resumed the run, from Aegra's user, as ``record_direct_resume``'s keyword arguments.

    Role and subject name the credential in the audit log; the staff account is set when it was a signed-in
    person (not a key or a customer).
    """
    user = (config.get("configurable") or {}).get("langgraph_auth_user")
    if user is None:
        return {"actor_role": None, "actor_subject": None, "staff_account_id": None}
    role, subject, proof = (_field(user, "role"), _field(user, "subject"), _field(user, "proof"))
    return {
        "actor_role": str(role) if role else None,
        "actor_subject": str(subject) if subject else None,
        "staff_account_id": str(subject) if proof == "staff_session" and subject else None,
    }


def _field(user: Any, name: str) -> Any:
    """A field of Aegra's user (a model in the server process, a dict where the run was handed to a worker)."""
    return user.get(name) if isinstance(user, dict) else getattr(user, name, None)


def make_await_human(record_resume: RecordResume | None = None) -> Any:
    """The await_human node; ``record_resume`` records agent-inbox's answers (None: not recorded)."""

    async def await_human(state: State, runtime: Runtime[Context], config: RunnableConfig) -> dict[str, Any]:
        """Interrupt with the handoff record; on resume, apply the person's action."""
        handoff = state.handoff or {"kind": "handoff", "customer_id": runtime.context.customer_id}
        resumed = interrupt(handoff_interrupt(handoff))
        answer = as_action(resumed)
        if not isinstance(answer, dict) or answer.get("action") not in _STATUS:
            raise ValueError(f'resume with {{"action": "reply"|"handback"|"close", "agent", "text"}}, not {answer!r}')
        action = str(answer["action"])
        agent = str(answer.get("agent") or "agent")
        text = str(answer.get("text") or "").strip()
        if action == "reply" and not text:
            raise ValueError("a reply needs non-empty text")
        previous = state.escalation
        handoff_id = (previous.get("handoff_id") if previous else None) or handoff.get("handoff_id")
        if record_resume is not None and handoff_id and from_agent_inbox(resumed):
            step = runtime.execution_info
            agent = await record_resume(
                tenant=runtime.context.tenant,
                handoff_id=int(handoff_id),
                action=action,
                agent=agent,
                text=text,
                resume_key=f"{step.checkpoint_id}:{step.task_id}" if step is not None else None,
                **resumer(config),
            )
        status = _STATUS[action]
        record = EscalationRecord(
            status=status,
            in_charge="person" if status == "replied" else "bot",
            handoff_id=handoff_id,
            reason=previous["reason"] if previous else "",
            team=previous["team"] if previous else "",
            ticket_id=previous["ticket_id"] if previous else None,
            priority=previous["priority"] if previous else "",
            agent=agent,
            resolution=(answer.get("resolution") or None) if action == "close" else None,
        )
        messages: list[AIMessage] = []
        if text:
            metadata = {"agent": agent, "action": action}
            messages.append(AIMessage(content=text, name=author_name(agent), response_metadata=metadata))
        elif action == "close":
            persona = resolve_persona(runtime.context.persona, state.memories)
            closed = phrase(persona, state.language, "closed", resolution=str(record["resolution"] or "resolved"))
            messages.append(AIMessage(content=closed, name=BOT_NAME))
        return {"escalation": record, "messages": messages}

    return await_human


await_human = make_await_human()
"""The node without recording agent-inbox's answers (graphs built without the support database)."""
