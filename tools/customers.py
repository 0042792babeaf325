"""The customer-profile tool: who the talking customer is (tier, language, preferences), from the run's context."""

from __future__ import annotations

import logging
from typing import Any

import psycopg
from langchain.tools import ToolRuntime, tool

from graph.state import Context
from support.customers import get_customer
from support.tickets import OPEN_STATUSES, list_tickets
from tools.tickets import ANONYMOUS, identity

logger = logging.getLogger(__name__)


@tool
async def get_customer_profile(runtime: ToolRuntime[Context, Any]) -> str:
    """Get the customer's profile: name, plan tier, language, timezone, preferences and open tickets."""
    tenant, customer_id = identity(runtime)
    if customer_id == "anonymous":
        return ANONYMOUS
    try:
        customer = await get_customer(None, tenant, customer_id)
        if customer is None:
            return "No profile is on file for this customer yet."
        tickets = await list_tickets(None, tenant, customer_id=customer_id, limit=50)
    except psycopg.Error:
        logger.exception("get_customer_profile failed")
        return "The customer records are unavailable right now. Please try again in a moment."
    open_ids = [t["id"] for t in tickets if t["status"] in OPEN_STATUSES]
    preferences = ", ".join(f"{key}: {value}" for key, value in sorted(customer["preferences"].items())) or "none"
    return "\n".join(
        [
            f"Name: {customer['name'] or 'unknown'}",
            f"Plan tier: {customer['tier']}",
            f"Language: {customer['language']} | timezone: {customer['timezone']}",
            f"Preferences: {preferences}",
            f"Customer since: {customer['created_at']:%Y-%m-%d}",
            f"Open tickets: {', '.join(open_ids) if open_ids else 'none'}",
        ]
    )
