"""The escalation interrupt follows agent-inbox's schema, and agent-inbox's answers resume the thread.

The payload of a real escalation (the graph on real Postgres, the seeded KB, the offline model) is checked
against langgraph's own ``HumanInterrupt`` TypedDict, strictly: no missing, extra or mistyped keys.
"""

from __future__ import annotations

from typing import Any

import pytest
from langgraph.prebuilt.interrupt import HumanInterrupt
from pydantic import ConfigDict, TypeAdapter

from graph.inbox_schema import INBOX_AGENT, handoff_of
from tests.integration.graph.conftest import Harness

pytestmark = pytest.mark.integration

STRICT = ConfigDict(strict=True, extra="forbid")


async def _escalate(harness: Harness, thread: str) -> Any:
    values = await harness.say(thread, "I want to talk to a real person please")
    assert values["escalation"]["status"] == "pending"
    state = await harness.graph.aget_state(harness.config(thread))  # type: ignore[arg-type]
    [pending] = state.interrupts
    return pending.value


async def test_escalation_interrupt_is_an_agent_inbox_human_interrupt(harness: Harness) -> None:
    value = await _escalate(harness, "schema")
    requests = TypeAdapter(list[HumanInterrupt], config=STRICT).validate_python(value)
    assert len(requests) == 1
    request = requests[0]
    assert request["action_request"]["action"] == "handoff"
    allowed = {name for name, allow in request["config"].items() if allow}
    assert allowed == {"allow_ignore", "allow_respond"}
    assert request["description"] and "asked for human" in request["description"]
    args = request["action_request"]["args"]
    assert args == handoff_of(value)
    assert args["kind"] == "handoff" and args["customer_id"] == "cust-1" and args["ticket_id"] and args["handoff_id"]


async def test_wrong_shapes_fail_the_strict_check() -> None:
    adapter = TypeAdapter(list[HumanInterrupt], config=STRICT)
    good = {
        "action_request": {"action": "handoff", "args": {}},
        "config": {"allow_ignore": True, "allow_respond": True, "allow_edit": False, "allow_accept": False},
        "description": None,
    }
    adapter.validate_python([good])
    for bad in ({**good, "extra": 1}, {k: v for k, v in good.items() if k != "config"}, {"kind": "handoff"}):
        with pytest.raises(ValueError):
            adapter.validate_python([bad])


async def test_agent_inbox_response_replies_and_ignore_hands_back(harness: Harness) -> None:
    await _escalate(harness, "inbox")
    after = await harness.resume("inbox", [{"type": "response", "args": "Hello, a person here."}])
    assert after["messages"][-1].content == "Hello, a person here."
    assert after["escalation"]["status"] == "replied" and after["escalation"]["agent"] == INBOX_AGENT
    back = await harness.resume("inbox", [{"type": "ignore", "args": None}])
    assert back["escalation"]["status"] == "handed_back" and back["escalation"]["in_charge"] == "bot"


async def test_agent_inbox_accept_is_refused(harness: Harness) -> None:
    await _escalate(harness, "accept")
    with pytest.raises(ValueError, match="unsupported agent-inbox response type 'accept'"):
        await harness.resume("accept", [{"type": "accept", "args": None}])
