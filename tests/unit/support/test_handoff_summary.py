from langchain_core.messages import AIMessage, HumanMessage

from support.handoff_summary import build_summary, explain_reason, normalise_transcript


def test_reason_codes_are_explained() -> None:
    assert explain_reason("legal_threat")[0] == "Legal threat"
    assert explain_reason("repeated_failure")[0].startswith("The bot could not answer")
    assert explain_reason("low_confidence_twice")[0].startswith("The bot could not answer")
    assert explain_reason("repeat_contact")[0].startswith("Contacted again")
    assert explain_reason("refund_over_threshold")[0].startswith("Refund")
    assert explain_reason("something_else")[0] == "something else"


def test_transcript_from_messages_dicts_and_strings() -> None:
    turns = normalise_transcript(
        [HumanMessage("hi"), AIMessage([{"type": "text", "text": "hello"}]), {"role": "user", "content": " x "}, "y"]
    )
    assert turns == [
        {"role": "customer", "content": "hi"},
        {"role": "assistant", "content": "hello"},
        {"role": "customer", "content": "x"},
        {"role": "customer", "content": "y"},
    ]


def test_summary_quotes_last_customer_message_and_lists_open_tickets() -> None:
    text = build_summary(
        customer={"id": "c1", "name": None, "email": None, "tier": "free", "language": "en"},
        ticket_id="T-1001",
        ticket_is_new=True,
        team="billing",
        priority="high",
        reason="human_requested",
        intent="refund_request",
        category="refund",
        urgency="high",
        sentiment="negative",
        language=None,
        bot_summary=None,
        transcript=[{"role": "customer", "content": "first"}, {"role": "customer", "content": "word " * 100}],
        other_open_tickets=[{"id": "T-9", "category": "order", "status": "pending"}],
    )
    lines = text.splitlines()
    assert lines[0] == "HIGH · billing · ticket T-1001 (new)"
    assert "Customer: c1 — free tier" in text
    quote = next(line for line in lines if line.startswith("Customer said"))
    assert "first" not in quote and len(quote) < 270 and quote.endswith('…"')
    assert "T-9 (order, pending)" in text
    assert lines[-1].startswith("Next step:")


def test_summary_leaves_out_the_profile_email_and_redacts_free_text() -> None:
    text = build_summary(
        customer={"id": "c2", "name": "Ana", "email": "ana.private@example.com", "tier": "free", "language": "en"},
        ticket_id="T-1002",
        ticket_is_new=False,
        team="billing",
        priority="normal",
        reason="human_requested",
        intent=None,
        category="billing",
        urgency=None,
        sentiment=None,
        language="en",
        bot_summary="Customer gave card 4111 1111 1111 1111 and phone +44 20 7946 0958.",
        transcript=[{"role": "customer", "content": "write to ana.private@example.com please"}],
        other_open_tickets=[],
    )
    assert "ana.private@example.com" not in text
    assert "4111" not in text and "7946" not in text
    assert "Customer: Ana — free tier" in text and "Customer said" in text
