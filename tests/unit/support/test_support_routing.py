from signals.taxonomy import load_taxonomy
from support.routing import INTENT_CATEGORIES, category_for, priority_for


def test_priority_follows_the_policy_and_tolerates_missing_values() -> None:
    assert priority_for("free", "low") == "low"
    assert priority_for("standard", "medium") == "normal"
    assert priority_for("premium", "high") == "urgent"
    assert priority_for("free", "critical") == "urgent"
    assert priority_for(None, None) == "normal"
    assert priority_for("enterprise", None) == "high"


def test_category_from_intent_category_and_reason() -> None:
    assert category_for("refund_request") == "refund"
    assert category_for("get_refund") == "refund"
    assert category_for(None, "SHIPPING_ADDRESS") == "shipping"
    assert category_for("refund_request", "billing") == "billing"
    assert category_for("refund_request", reason="legal_threat") == "legal"
    assert category_for("something_new") == "general"
    assert category_for(None) == "general"


def test_every_taxonomy_intent_has_a_category() -> None:
    names = load_taxonomy().names
    assert set(names) <= set(INTENT_CATEGORIES)
