"""Ticket questions through the real server: answered from the asking customer's own tickets, never escalated.

Two customers each have tickets; each asks about them (by description, by id, in Spanish), and one asks about the
other's ticket id, which must read exactly like an id that does not exist.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from langgraph_sdk import get_client

from prompts.loader import load_persona, phrase
from server.launcher import ServerProcess

pytestmark = pytest.mark.integration


async def _customer_with_tickets(
    http: httpx.AsyncClient, customer_id: str, language: str, tickets: list[tuple[str, str]]
) -> list[str]:
    created = await http.post("/customers", json={"id": customer_id, "name": "Test Customer", "language": language})
    assert created.status_code == 201, created.text
    ids = []
    for subject, description in tickets:
        ticket = await http.post(
            "/tickets", json={"customer_id": customer_id, "subject": subject, "description": description}
        )
        assert ticket.status_code == 201, ticket.text
        ids.append(str(ticket.json()["id"]))
    return ids


async def _ask(server: ServerProcess, customer_id: str, text: str) -> dict[str, Any]:
    client = get_client(url=server.url, headers=server.customer_headers(customer_id))
    thread = await client.threads.create()
    result = await client.runs.wait(
        thread["thread_id"], "support", input={"messages": [{"role": "user", "content": text}]}
    )
    assert isinstance(result, dict), result
    return result


def _answer(result: dict[str, Any]) -> str:
    return str(result["messages"][-1]["content"])


async def _ticket_count(http: httpx.AsyncClient, customer_id: str) -> int:
    listed = await http.get(f"/customers/{customer_id}/tickets")
    assert listed.status_code == 200, listed.text
    return len(listed.json()["tickets"])


async def test_ticket_questions_are_answered_from_the_customers_own_tickets(live_server: ServerProcess) -> None:
    tag = uuid.uuid4().hex[:8]
    ben, ana = f"tq-ben-{tag}", f"tq-ana-{tag}"
    persona = load_persona("friendly")
    async with httpx.AsyncClient(base_url=live_server.url, timeout=300, headers=live_server.headers) as http:
        charge, vat = await _customer_with_tickets(
            http,
            ben,
            "en",
            [
                ("Charged twice for March", "Two identical charges of 49.00 on 1 March."),
                ("VAT number missing on invoices", "Please add our VAT number to all future invoices."),
            ],
        )
        (parcel,) = await _customer_with_tickets(
            http, ana, "es", [("Order 4471 has not arrived", "Tracking has not moved for five days.")]
        )

        # By description: the double charge is the ticket "Charged twice for March" (no shared keyword).
        found = await _ask(live_server, ben, "Is there already a ticket for my double charge?")
        text = _answer(found)
        status = phrase(persona, "en", "ticket_status_open")
        assert phrase(persona, "en", "ticket_line", id=charge, subject="Charged twice for March", status=status) in text
        assert phrase(persona, "en", "ticket_next_open") in text
        assert vat not in text and parcel not in text
        assert found.get("escalation") is None  # a status question is answered, not handed to a person

        # By id, and in the customer's language.
        by_id = _answer(await _ask(live_server, ben, f"what's the status of {vat}?"))
        assert vat in by_id and "VAT number missing on invoices" in by_id and charge not in by_id
        spanish = _answer(await _ask(live_server, ana, "¿cómo va mi ticket?"))
        assert parcel in spanish and phrase(persona, "es", "ticket_next_open") in spanish
        assert charge not in spanish and vat not in spanish

        # Another customer's ticket reads exactly like one that does not exist; nothing leaks, nothing opens.
        before = await _ticket_count(http, ben), await _ticket_count(http, ana)
        others = await _ask(live_server, ben, f"what's the status of {parcel}?")
        missing_id = "T-99999"  # no ticket has this id (the sequence starts at T-1000)
        missing = _answer(await _ask(live_server, ben, f"what's the status of {missing_id}?"))
        assert _answer(others) == missing.replace(missing_id, parcel)
        assert phrase(persona, "en", "ticket_not_found", id=parcel) in _answer(others)
        assert "Order 4471" not in _answer(others) and others.get("escalation") is None
        assert (await _ticket_count(http, ben), await _ticket_count(http, ana)) == before
