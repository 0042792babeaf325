"""A conversation in Spanish or German is answered in that language end to end: handoff notice and memory lines.

Real Postgres checkpointer and store, the seeded KB, the real signals and the offline model (the harness).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from prompts.loader import load_persona, load_phrases, phrase, team_label
from tests.integration.graph.conftest import Harness

pytestmark = pytest.mark.integration

FRIENDLY = load_persona("friendly")


async def test_spanish_handoff_names_the_team_in_spanish(harness: Harness) -> None:
    values = await harness.say("es-human", "Quiero hablar con una persona de verdad, por favor. Necesito ayuda ya.")
    escalation = values["escalation"]
    assert values["language"] == "es" and escalation["status"] == "pending"
    reply = str(values["messages"][-1].content)
    team = escalation["team"]
    expected = phrase(FRIENDLY, "es", "handoff", team=team_label(team, "es"), ticket_id=str(escalation["ticket_id"]))
    assert expected in reply
    assert team_label(team, "es") != team and team not in reply  # never the raw routing id


async def test_returning_german_customer_hears_remembered_facts_in_german(harness: Harness) -> None:
    await harness.say("de-1", "Hi! We're on the Business plan. Please email me.", customer="cust-de")
    later = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    values = await harness.say(
        "de-2", "Hallo, mein Passwort funktioniert nicht mehr, was soll ich tun?", customer="cust-de", now=later
    )
    assert values["language"] == "de"
    reply = str(values["messages"][-1].content)
    assert reply.startswith(phrase(FRIENDLY, "de", "greeting_returning"))
    assert "You're on" not in reply and "You prefer" not in reply  # no English memory sentence
    german = load_phrases("de")
    assert german["memory.plan"].format(plan="Business") in reply
