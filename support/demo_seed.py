"""Demo customers with a few tickets each, for `make run` (idempotent: running it twice changes nothing)."""

from __future__ import annotations

from typing import Any

from db.pool import get_pool
from support.customers import Tier, get_customer, upsert_customer
from support.routing import route_team
from support.tickets import create_ticket, list_tickets, update_ticket

DEMO_CUSTOMERS: tuple[dict[str, Any], ...] = (
    {
        "customer_id": "demo-ana",
        "name": "Ana García",
        "email": "ana.garcia@example.com",
        "tier": "free",
        "language": "es",
        "timezone": "Europe/Madrid",
        "preferences": {"contact": "chat", "tone": "friendly"},
        "tickets": [
            {
                "subject": "Order 4471 has not arrived",
                "category": "shipping",
                "status": "pending",
                "description": "Ordered on the 2nd, tracking has not moved for five days.",
            },
            {
                "subject": "How do I change my delivery address?",
                "category": "shipping",
                "status": "resolved",
                "description": "Moving next week and want the next parcel at the new flat.",
            },
        ],
    },
    {
        "customer_id": "demo-ben",
        "name": "Ben Okafor",
        "email": "ben.okafor@example.com",
        "tier": "premium",
        "language": "en",
        "timezone": "Europe/London",
        "preferences": {"contact": "email", "tone": "brief"},
        "tickets": [
            {
                "subject": "Charged twice for March",
                "category": "billing",
                "status": "open",
                "priority": "high",
                "description": "Two identical charges of 49.00 on 1 March.",
            },
            {
                "subject": "VAT number missing on invoices",
                "category": "billing",
                "status": "in_progress",
                "description": "Please add GB123456789 to all future invoices.",
            },
            {
                "subject": "Cannot export reports to CSV",
                "category": "technical",
                "status": "closed",
                "description": "Export button greyed out in Safari.",
            },
        ],
    },
    {
        "customer_id": "demo-chloe",
        "name": "Chloé Martin",
        "email": "chloe.martin@example.com",
        "tier": "enterprise",
        "language": "fr",
        "timezone": "Europe/Paris",
        "preferences": {"contact": "phone", "account_manager": "Kim"},
        "tickets": [
            {
                "subject": "SSO login fails for new employees",
                "category": "account",
                "status": "open",
                "priority": "urgent",
                "description": "Users created after Monday get 'invalid assertion' from SAML.",
            },
            {
                "subject": "Request for a data-processing agreement",
                "category": "privacy",
                "status": "pending",
                "description": "Legal needs the signed DPA before renewal.",
            },
        ],
    },
)

_PATH = {
    "pending": ("pending",),
    "in_progress": ("in_progress",),
    "resolved": ("resolved",),
    "closed": ("resolved", "closed"),
    "open": (),
}


async def seed_demo(url: str | None = None) -> str:
    """Create the three demo customers and their tickets unless they already exist; says what it did."""
    pool = await get_pool(url)
    created = 0
    for spec in DEMO_CUSTOMERS:
        if await get_customer(pool, "default", spec["customer_id"]) is not None:
            continue
        tier: Tier = spec["tier"]
        await upsert_customer(
            pool,
            tenant="default",
            customer_id=spec["customer_id"],
            name=spec["name"],
            email=spec["email"],
            tier=tier,
            language=spec["language"],
            timezone=spec["timezone"],
            preferences=spec["preferences"],
        )
        for ticket_spec in spec["tickets"]:
            ticket = await create_ticket(
                pool,
                tenant="default",
                customer_id=spec["customer_id"],
                subject=ticket_spec["subject"],
                description=ticket_spec["description"],
                category=ticket_spec["category"],
                priority=ticket_spec.get("priority", "normal"),
                team=await route_team(
                    pool, "default", intent=None, category=ticket_spec["category"], tier=tier, language=spec["language"]
                ),
                actor="demo",
            )
            for status in _PATH[ticket_spec["status"]]:
                await update_ticket(pool, tenant="default", ticket_id=ticket["id"], actor="agent:demo", status=status)
        created += 1
    total = len(await list_tickets(pool, "default", limit=500))
    return f"{created} demo customers created ({len(DEMO_CUSTOMERS) - created} already there), {total} tickets"
