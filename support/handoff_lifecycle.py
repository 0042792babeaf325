"""The handoff lifecycle as one explicit state machine: what may happen to a handoff, and what each state means.

One handoff per episode of a person being in charge of a thread::

    waiting --claim--> claimed --reply--> answered --customer writes--> claimed --reply--> answered ...
       |                  |                  |
       +------------------+------------------+--close--> closed      (the bot answers again)
                                             +--handback--> handed_back (the bot answers again)

While a handoff is open (waiting, claimed or answered) the thread is paused in ``interrupt()`` and a
customer's follow-up joins it: it never opens a second handoff, a second ticket or moves teams. Every
state has one ticket status and one thread escalation status that agree with it (:data:`AGREES_WITH`),
which the lifecycle tests assert after every step.
"""

from __future__ import annotations

from typing import Any, Literal

HandoffStatus = Literal["waiting", "claimed", "answered", "handed_back", "closed"]
Event = Literal["claim", "reply", "handback", "close", "customer_message"]

OPEN: tuple[HandoffStatus, ...] = ("waiting", "claimed", "answered")
"""A person is in charge: the thread is paused and the customer's messages join this handoff."""
ENDED: tuple[HandoffStatus, ...] = ("handed_back", "closed")

TRANSITIONS: dict[HandoffStatus, dict[Event, HandoffStatus]] = {
    "waiting": {
        "claim": "claimed",
        "reply": "answered",
        "handback": "handed_back",
        "close": "closed",
        "customer_message": "waiting",
    },
    "claimed": {"reply": "answered", "handback": "handed_back", "close": "closed", "customer_message": "claimed"},
    # The person answered and the customer has the word; when they write, the person owes the next answer.
    "answered": {"reply": "answered", "handback": "handed_back", "close": "closed", "customer_message": "claimed"},
    "handed_back": {},
    "closed": {},
}

STAFF_EVENTS: tuple[Event, ...] = ("claim", "reply", "handback", "close")

TICKET_STATUS: dict[HandoffStatus, tuple[str, ...]] = {
    "waiting": ("open",),
    "claimed": ("in_progress",),
    "answered": ("pending",),  # waiting on the customer
    "handed_back": ("pending",),  # the bot has the conversation; the ticket is not resolved by a hand-back
    "closed": ("resolved", "closed"),
}
"""The ticket statuses that agree with each handoff state (the first is the one the lifecycle sets)."""

THREAD_ESCALATION: dict[HandoffStatus, str] = {
    "waiting": "pending",
    "claimed": "pending",
    "answered": "replied",
    "handed_back": "handed_back",
    "closed": "closed",
}
"""The thread's ``escalation.status`` (graph/state.py) in each handoff state."""


class TransitionError(ValueError):
    """The event is not allowed in the handoff's state."""

    def __init__(self, status: HandoffStatus, event: Event) -> None:
        self.status = status
        self.event = event
        self.allowed = allowed_staff_actions(status)
        super().__init__(f"a {status} handoff cannot take {event}; allowed: {', '.join(self.allowed) or 'none'}")


def next_status(status: HandoffStatus, event: Event) -> HandoffStatus:
    """The state after ``event``; raises TransitionError when the event is not allowed."""
    try:
        return TRANSITIONS[status][event]
    except KeyError:
        raise TransitionError(status, event) from None


def allowed_staff_actions(status: HandoffStatus) -> list[str]:
    """What a person may still do in ``status`` (the inbox shows these and 409s name them)."""
    return [event for event in STAFF_EVENTS if event in TRANSITIONS[status]]


def ticket_status_for(status: HandoffStatus) -> str:
    """The ticket status the lifecycle sets when the handoff enters ``status``."""
    return TICKET_STATUS[status][0]


def person_in_charge(status: str | None) -> bool:
    """True while the handoff is open: the customer's messages go to the person, not the bot."""
    return status in OPEN


def disagreements(handoffs: list[dict[str, Any]], tickets: list[dict[str, Any]], thread: dict[str, Any]) -> list[str]:
    """What does not agree between one thread's handoffs, its customer's tickets and the thread itself.

    ``handoffs`` are the thread's inbox rows (any status), ``tickets`` the customer's tickets and ``thread``
    the LangGraph API's thread (``status``) with its state values under ``values``. An empty list means the
    three tell the same story: who is in charge, and whether the issue is resolved.
    """
    problems: list[str] = []
    open_rows = [h for h in handoffs if h["status"] in OPEN]
    values = thread.get("values") or {}
    escalation = values.get("escalation") or {}
    by_id = {t["id"]: t for t in tickets}
    if len(open_rows) > 1:
        problems.append(f"{len(open_rows)} open handoffs on one thread: {[h['id'] for h in open_rows]}")
    for handoff in open_rows:
        ticket = by_id.get(handoff["ticket_id"])
        if ticket is not None and ticket["status"] not in TICKET_STATUS[handoff["status"]]:
            problems.append(
                f"handoff {handoff['id']} is {handoff['status']} but ticket {ticket['id']} is {ticket['status']}"
            )
    if open_rows:
        handoff = open_rows[0]
        if thread.get("status") != "interrupted":
            problems.append(f"handoff {handoff['id']} is {handoff['status']} but the thread is {thread.get('status')}")
        expected = THREAD_ESCALATION[handoff["status"]]
        if escalation.get("status") != expected or escalation.get("in_charge") != "person":
            problems.append(
                f"handoff {handoff['id']} is {handoff['status']} but the thread says"
                f" {escalation.get('status')}/{escalation.get('in_charge')} (expected {expected}/person)"
            )
        if escalation.get("handoff_id") not in (None, handoff["id"]):
            problems.append(f"the thread names handoff {escalation.get('handoff_id')}, the inbox {handoff['id']}")
    else:
        if thread.get("status") == "interrupted":
            problems.append("the thread waits for a person but no handoff is open")
        if escalation and (escalation.get("in_charge") != "bot" or escalation.get("status") in ("pending", "replied")):
            problems.append(f"no handoff is open but the thread says {escalation.get('status')}")
    for handoff in handoffs:
        if handoff["status"] == "closed" and handoff["ticket_id"] in by_id:
            ticket = by_id[handoff["ticket_id"]]
            still_open = any(h["ticket_id"] == ticket["id"] for h in open_rows)
            if ticket["status"] not in TICKET_STATUS["closed"] and not still_open:
                problems.append(f"handoff {handoff['id']} is closed but ticket {ticket['id']} is {ticket['status']}")
    return problems
