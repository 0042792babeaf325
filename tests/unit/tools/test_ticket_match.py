"""A description finds the ticket it is about through the real sentence encoder, not shared keywords."""

from __future__ import annotations

from typing import Any

import pytest

from knowledge.embeddings import get_local_embeddings
from tools.ticket_match import closest_ticket


def _ticket(ticket_id: str, subject: str, description: str) -> dict[str, Any]:
    return {"id": ticket_id, "subject": subject, "description": description}


TICKETS = [
    _ticket("T-1", "Charged twice for March", "Two identical charges of 49.00 on 1 March."),
    _ticket("T-2", "VAT number missing on invoices", "Please add our VAT number to all future invoices."),
    _ticket("T-3", "Cannot export reports to CSV", "Export button greyed out in Safari."),
]


@pytest.mark.parametrize(
    ("about", "expected"),
    [
        ("Is there already a ticket for my double charge?", "T-1"),  # no word in common with the subject
        ("any news on the VAT problem?", "T-2"),
        ("did you open a case about my CSV export?", "T-3"),
    ],
)
def test_a_description_finds_its_ticket(about: str, expected: str) -> None:
    found = closest_ticket(about, TICKETS, get_local_embeddings().encode)
    assert found is not None and found["id"] == expected


@pytest.mark.parametrize("about", ["what's the status of my ticket?", "is there a ticket about my password?"])
def test_a_question_that_describes_no_ticket_matches_none(about: str) -> None:
    assert closest_ticket(about, TICKETS, get_local_embeddings().encode) is None


def test_no_tickets_or_no_words_match_nothing() -> None:
    encode = get_local_embeddings().encode
    assert closest_ticket("my double charge", [], encode) is None
    assert closest_ticket("  ", TICKETS, encode) is None
