"""The handoff state machine as a table, and the agreement check the lifecycle tests rely on."""

from __future__ import annotations

from typing import Any

import pytest

from support.handoff_lifecycle import (
    OPEN,
    TRANSITIONS,
    TransitionError,
    allowed_staff_actions,
    disagreements,
    next_status,
    person_in_charge,
)


def test_a_follow_up_never_ends_or_reopens_a_handoff() -> None:
    assert [next_status(s, "customer_message") for s in OPEN] == ["waiting", "claimed", "claimed"]
    for ended in ("handed_back", "closed"):
        with pytest.raises(TransitionError):
            next_status(ended, "customer_message")  # type: ignore[arg-type]


def test_every_open_state_can_be_closed_or_handed_back_and_ended_states_take_nothing() -> None:
    for status in OPEN:
        assert {"close", "handback", "reply"} <= set(allowed_staff_actions(status))
    assert allowed_staff_actions("closed") == [] and allowed_staff_actions("handed_back") == []
    assert allowed_staff_actions("waiting")[0] == "claim" and "claim" not in allowed_staff_actions("answered")
    assert all(target in TRANSITIONS for row in TRANSITIONS.values() for target in row.values())
    assert person_in_charge("answered") and not person_in_charge("closed") and not person_in_charge(None)


def _thread(status: str, escalation: dict[str, Any] | None) -> dict[str, Any]:
    return {"status": status, "values": {"escalation": escalation}}


def test_agreement_between_handoff_ticket_and_thread() -> None:
    handoff = {"id": 1, "status": "answered", "ticket_id": "T-1"}
    ticket = {"id": "T-1", "status": "pending"}
    replied = {"status": "replied", "in_charge": "person", "handoff_id": 1}
    assert disagreements([handoff], [ticket], _thread("interrupted", replied)) == []
    # Each way the round-1 lifecycle went wrong is named.
    assert disagreements([handoff], [{**ticket, "status": "resolved"}], _thread("interrupted", replied))
    assert disagreements([handoff], [ticket], _thread("idle", replied))
    assert disagreements([handoff, {**handoff, "id": 2}], [ticket], _thread("interrupted", replied))
    closed = {**handoff, "status": "closed"}
    bot = {"status": "closed", "in_charge": "bot", "handoff_id": 1}
    assert disagreements([closed], [{**ticket, "status": "resolved"}], _thread("idle", bot)) == []
    assert disagreements([closed], [{**ticket, "status": "resolved"}], _thread("idle", replied))
    assert disagreements([closed], [ticket], _thread("idle", bot))
    assert disagreements([], [], _thread("interrupted", None))
