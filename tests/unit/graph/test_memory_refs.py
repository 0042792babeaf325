"""References, organisations and reported problems read from a customer's message (spaCy, no model)."""

from graph.memory_refs import organisation_facts, text_facts


def test_a_ticket_id_is_remembered_only_when_it_is_the_customers_own() -> None:
    text = "what's the status of T-1099?"
    assert text_facts(text, "", day="2026-12-06") == []  # someone else's, or no one's
    own = {fact.key for fact in text_facts(text, "", day="2026-12-06", own_tickets=frozenset({"T-1099"}))}
    assert own == {"reference:ticket-t-1099", "open_issue:ticket-t-1099"}


def test_an_order_number_and_what_went_wrong_are_remembered_without_a_ticket() -> None:
    facts = {f.key: f.text for f in text_facts("My order 732201349959 never arrived.", "", day="2026-12-06")}
    assert facts["reference:order-732201349959"] == "Your order number is 732201349959."
    assert "never arrived" in facts["open_issue:order-732201349959"]


def test_an_id_is_not_taken_for_the_customers_company() -> None:
    assert organisation_facts("Any news on T-1099 for me?") == []


def test_a_workspace_named_with_called_is_the_customers_company() -> None:
    [fact] = organisation_facts("Our workspace is called Acme Design. How do I transfer it?")
    assert fact.extra == {"organisation": "Acme Design"}
