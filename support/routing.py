"""Which team gets an escalated conversation, its ticket category, and its priority.

Teams and their rules live in the ``teams`` and ``routing_rules`` tables so an operator can change them
without a release; the intent -> category map below follows the intent taxonomy of ``signals``.
"""

from __future__ import annotations

from graph.policy import priority_for as policy_priority
from support.connections import Db, fetch_all

# Intent -> ticket category (the routing rules match on either).
INTENT_CATEGORIES: dict[str, str] = {
    # signals/intents.yaml
    "account_access": "account",
    "account_update": "account",
    "billing_invoice": "billing",
    "refund_request": "refund",
    "cancel_subscription": "billing",
    "pricing_plans": "sales",
    "installation_setup": "technical",
    "integrations": "technical",
    "outage_status": "technical",
    "data_privacy": "privacy",
    "security_concern": "security",
    "shipping_delivery": "shipping",
    "order_change": "order",
    "returns_exchange": "order",
    "ticket_status": "general",
    "talk_to_human": "general",
    "feedback_complaint": "feedback",
    "greeting": "general",
    # the Bitext development set's intents
    "create_account": "account",
    "delete_account": "account",
    "edit_account": "account",
    "recover_password": "account",
    "registration_problems": "account",
    "switch_account": "account",
    "newsletter_subscription": "account",
    "check_cancellation_fee": "billing",
    "check_invoice": "billing",
    "get_invoice": "billing",
    "check_payment_methods": "billing",
    "payment_issue": "billing",
    "billing_dispute": "billing",
    "check_refund_policy": "refund",
    "get_refund": "refund",
    "track_refund": "refund",
    "cancel_order": "order",
    "change_order": "order",
    "place_order": "order",
    "track_order": "order",
    "delivery_options": "shipping",
    "delivery_period": "shipping",
    "change_shipping_address": "shipping",
    "set_up_shipping_address": "shipping",
    "complaint": "feedback",
    "review": "feedback",
    "contact_customer_service": "general",
    "contact_human_agent": "general",
    "legal_threat": "legal",
    "account_compromised": "security",
    "fraud": "security",
    "security_issue": "security",
    "technical_issue": "technical",
    "bug_report": "technical",
}

# The dataset's upper-case categories, accepted as they are.
_DATASET_CATEGORIES: dict[str, str] = {
    "ACCOUNT": "account",
    "CANCELLATION_FEE": "billing",
    "CONTACT": "general",
    "DELIVERY": "shipping",
    "FEEDBACK": "feedback",
    "INVOICE": "billing",
    "NEWSLETTER": "account",
    "ORDER": "order",
    "PAYMENT": "billing",
    "REFUND": "refund",
    "SHIPPING_ADDRESS": "shipping",
}

_PRIORITIES = ("low", "normal", "high", "urgent")
PRIORITY_RANK = {name: rank for rank, name in enumerate(_PRIORITIES)}


def category_for(intent: str | None, category: str | None = None, *, reason: str | None = None) -> str:
    """The ticket category: legal when the reason is a legal threat, else the given category, else the intent's."""
    if reason and "legal" in reason.lower():
        return "legal"
    if category:
        return _DATASET_CATEGORIES.get(category, category.lower())
    if intent:
        return INTENT_CATEGORIES.get(intent, "general")
    return "general"


def priority_for(tier: str | None, urgency: str | None) -> str:
    """Ticket priority from tier and urgency by the escalation policy's rule (unknown values count as typical)."""
    return policy_priority(tier or "standard", urgency or "medium")


async def route_team(
    db: Db | None, tenant: str, *, intent: str | None, category: str | None, tier: str | None, language: str | None
) -> str:
    """The team whose first matching rule (by position) fits the intent or category, tier and language.

    Rules of the tenant come before the default ones; "general" when nothing matches.
    """
    rows = await fetch_all(
        db,
        "SELECT team FROM routing_rules"
        " WHERE tenant IN (%s, 'default')"
        " AND ((cardinality(intents) = 0 AND cardinality(categories) = 0)"
        "      OR %s = ANY(intents) OR %s = ANY(categories))"
        " AND (cardinality(tiers) = 0 OR %s = ANY(tiers))"
        " AND (cardinality(languages) = 0 OR %s = ANY(languages))"
        " ORDER BY (tenant = %s) DESC, position, id LIMIT 1",
        (tenant, intent, category, tier, (language or "en").lower()[:2], tenant),
    )
    return str(rows[0]["team"]) if rows else "general"
