from langchain_core.messages import AIMessage, HumanMessage

from graph.routing import after_human, after_remember, after_respond, after_retrieve, escalation_reason
from graph.state import EscalationRecord, State


def _state(**fields: object) -> State:
    return State(messages=[HumanMessage("hello", id="h1")], **fields)  # type: ignore[arg-type]


def _escalation(status: str) -> EscalationRecord:
    return EscalationRecord(
        in_charge="person",
        handoff_id=None,
        status=status,
        reason="asked_for_human",
        team="billing",
        ticket_id="T-1",  # type: ignore[typeddict-item]
        priority="normal",
        agent=None,
        resolution=None,
    )


def test_policy_reasons_reach_the_route() -> None:
    assert escalation_reason(_state(wants_human=True)) == "asked_for_human"
    assert escalation_reason(_state(legal_threat=True)) == "legal_threat"
    assert escalation_reason(_state(refund_amount=950.0)) == "refund_over_threshold"
    assert escalation_reason(_state(low_confidence_streak=2)) == "repeated_failure"
    assert escalation_reason(_state(sentiment="negative", sentiment_score=-0.9, urgency="critical")) == (
        "very_negative_urgent"
    )
    assert escalation_reason(_state(refund_amount=20.0, sentiment="neutral")) is None


def test_after_retrieve() -> None:
    assert after_retrieve(_state()) == "respond"
    assert after_retrieve(_state(wants_human=True)) == "escalate"
    assert after_retrieve(_state(escalation=_escalation("replied"))) == "escalate"  # a person is in charge
    assert after_retrieve(_state(escalation=_escalation("handed_back"))) == "respond"
    assert after_retrieve(_state(wants_human=True, resolved=True)) == "respond"


def test_after_respond_runs_tools_only_when_asked() -> None:
    call = {"name": "list_my_tickets", "args": {}, "id": "c1"}
    assert after_respond(State(messages=[AIMessage("", tool_calls=[call])])) == "tools"
    assert after_respond(State(messages=[AIMessage("done")])) == "remember"


def test_after_remember_waits_for_a_person_then_summarises_long_threads() -> None:
    assert after_remember(_state(escalation=_escalation("pending"))) == "await_human"
    assert after_remember(_state()) == "__end__"
    long = State(messages=[HumanMessage("word " * 3000, id="h")])
    assert after_remember(long) == "summarize"


def test_after_human() -> None:
    assert after_human(_state(escalation=_escalation("handed_back"))) == "respond"
    assert after_human(_state(escalation=_escalation("replied"))) == "remember"
    assert after_human(_state(escalation=_escalation("closed"))) == "remember"
