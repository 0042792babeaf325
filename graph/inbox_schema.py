"""The escalation interrupt in LangChain agent-inbox's shape, and the resume values the graph accepts.

agent-inbox reads a paused thread's interrupt value as a list of ``HumanInterrupt`` and resumes it with a
list of ``HumanResponse``. The same TypedDicts ship (deprecated, moved to ``langchain.agents``) in
``langgraph.prebuilt.interrupt``; they are restated here so the graph does not import a deprecated module.

Our handoff record (support/handoff.py ``_record``) travels unchanged in ``action_request.args``. A person
may *respond* (a reply the customer sees) or *ignore* (hand the thread back to the bot); closing, with a
resolution, stays in our own inbox (server/routes/inbox.py), which resumes with a plain action dict.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

HANDOFF_ACTION = "handoff"
"""``action_request.action`` of the escalation interrupt."""
INBOX_AGENT = "agent-inbox"
"""Author of a reply that came through agent-inbox, which names no person."""


class ActionRequest(TypedDict):
    """What the person is asked to act on: the action's name and its arguments."""

    action: str
    args: dict[str, Any]


class HumanInterruptConfig(TypedDict):
    """Which of agent-inbox's buttons apply to this interrupt."""

    allow_ignore: bool
    allow_respond: bool
    allow_edit: bool
    allow_accept: bool


class HumanInterrupt(TypedDict):
    """One request for a person's action, as agent-inbox renders it."""

    action_request: ActionRequest
    config: HumanInterruptConfig
    description: str | None


class HumanResponse(TypedDict):
    """agent-inbox's answer: ``response`` carries text, ``ignore`` none (``accept``/``edit`` are not offered)."""

    type: Literal["accept", "ignore", "response", "edit"]
    args: None | str | ActionRequest


def handoff_interrupt(handoff: dict[str, Any]) -> list[HumanInterrupt]:
    """The interrupt value for a handoff: one ``HumanInterrupt`` whose args are the handoff record."""
    summary = str(handoff.get("summary") or "").strip()
    heading = f"**Handoff** ({handoff.get('priority') or 'normal'} priority, team {handoff.get('team') or '-'})"
    reason = str(handoff.get("reason") or "").replace("_", " ")
    lines = [heading, f"Reason: {reason}" if reason else "", summary]
    return [
        HumanInterrupt(
            action_request=ActionRequest(action=HANDOFF_ACTION, args=dict(handoff)),
            config=HumanInterruptConfig(allow_ignore=True, allow_respond=True, allow_edit=False, allow_accept=False),
            description="\n\n".join(line for line in lines if line),
        )
    ]


def handoff_of(value: Any) -> dict[str, Any] | None:
    """The handoff record inside an interrupt value (either shape: agent-inbox's list or a bare record)."""
    if isinstance(value, list) and value and isinstance(value[0], dict):
        request = value[0].get("action_request") or {}
        args = request.get("args") if isinstance(request, dict) else None
        return args if isinstance(args, dict) else None
    if isinstance(value, dict) and value.get("kind") == "handoff":
        return value
    return None


def from_agent_inbox(answer: Any) -> bool:
    """Whether a resume value is agent-inbox's (a ``HumanResponse`` or a list of them), not our inbox's action."""
    if isinstance(answer, dict):
        return "type" in answer and "action" not in answer
    return isinstance(answer, list)


def as_action(answer: Any) -> Any:
    """Turn an agent-inbox resume value into our action dict; anything else is returned unchanged.

    ``[{"type": "response", "args": text}]`` is a reply, ``[{"type": "ignore"}]`` a hand-back. A list
    with another type (or an empty text) becomes an invalid action, which await_human rejects.
    """
    if isinstance(answer, dict) and "type" in answer and "action" not in answer:
        answer = [answer]
    if not (isinstance(answer, list) and len(answer) == 1 and isinstance(answer[0], dict)):
        return answer
    response = answer[0]
    kind = response.get("type")
    if kind == "response" and isinstance(response.get("args"), str):
        return {"action": "reply", "agent": INBOX_AGENT, "text": response["args"]}
    if kind == "ignore":
        return {"action": "handback", "agent": INBOX_AGENT, "text": ""}
    return {"action": f"unsupported agent-inbox response type {kind!r}"}
