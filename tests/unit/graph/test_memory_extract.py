from datetime import UTC, datetime

from graph.memory_extract import TurnRecord, signal_facts, topic_label
from graph.memory_rules import persona_for_style, rule_text_facts
from graph.state import EscalationRecord

NOW = datetime(2025, 3, 4, 12, 0, tzinfo=UTC)


def _facts(text: str) -> dict[str, str]:
    return {fact.key: fact.text for fact in rule_text_facts(text)}


def test_plan_channel_style_and_products_from_the_customers_words() -> None:
    facts = _facts(
        "Hi, we're on the Business plan. I use Nimbus Scribe on Android. Please email me, and keep it short."
    )
    assert facts["plan:plan"] == "You're on the Business plan."
    assert facts["preference:channel"] == "You prefer to be contacted by email."
    assert facts["preference:style"] == "You prefer short answers."
    assert facts["product:nimbus-scribe"] == "You use Nimbus Scribe."
    assert facts["product:android"] == "You use Android."


def test_questions_about_plans_are_not_facts() -> None:
    assert "plan:plan" not in _facts("Which plan should I pick? What does the Pro plan cost?")
    assert _facts("I use the app every day") == {}


def test_style_preference_selects_a_persona() -> None:
    assert persona_for_style("Please be more technical") == "technical"
    assert persona_for_style("keep answers brief") == "professional"
    assert persona_for_style("hello") is None


def test_issue_attempt_and_frustration_from_a_turn() -> None:
    turn = TurnRecord(
        customer_text="I can't log in since yesterday, this is infuriating",
        answer_text="...",
        now=NOW,
        intent="account_access",
        topic="account_access",
        sentiment="negative",
        sentiment_score=-0.8,
        language="en",
        cited=[("reset-password", "Reset a forgotten password")],
    )
    facts = {fact.key: fact for fact in signal_facts(turn).facts}
    assert facts["open_issue:account-access"].text.startswith(
        "On 2025-03-04 you told us about your account access issue"
    )
    assert not facts["open_issue:account-access"].replace_text
    assert '"Reset a forgotten password" [reset-password]' in facts["attempt:account-access"].text
    assert "frustrated" in facts["sentiment:recent"].text


def test_confirmed_resolution_records_what_worked_and_forgets_the_open_issue() -> None:
    turn = TurnRecord(
        customer_text="that worked, thanks",
        answer_text="Great!",
        now=NOW,
        intent="greeting",
        topic="account_access",
        sentiment="positive",
        resolved=True,
        previous_cited=[("reset-password", "Reset a forgotten password")],
    )
    extraction = signal_facts(turn)
    facts = {fact.key: fact.text for fact in extraction.facts}
    assert facts["resolution:account-access"] == (
        'What solved your account access issue on 2025-03-04: "Reset a forgotten password" [reset-password].'
    )
    assert set(extraction.forget) == {"open_issue:account-access", "attempt:account-access"}


def test_escalated_issue_names_its_ticket() -> None:
    escalation = EscalationRecord(
        in_charge="person",
        handoff_id=None,
        status="pending",
        reason="asked_for_human",
        team="billing",
        ticket_id="T-1042",
        priority="high",
        agent=None,
        resolution=None,
    )
    turn = TurnRecord(
        customer_text="I want a person",
        answer_text="",
        now=NOW,
        intent="billing_invoice",
        topic="billing_invoice",
        escalation=escalation,
    )
    texts = [fact.text for fact in signal_facts(turn).facts]
    assert "Your billing invoice issue is open as ticket T-1042 with our billing team (since 2025-03-04)." in texts


def test_non_english_language_is_remembered() -> None:
    turn = TurnRecord(customer_text="No puedo entrar en mi cuenta desde ayer", answer_text="", now=NOW, language="es")
    facts = {fact.key: fact for fact in signal_facts(turn).facts}
    assert facts["preference:language"].extra == {"language": "es"}


def test_topic_labels_read_naturally() -> None:
    assert topic_label("refund_request") == "refund request"
    assert topic_label("technical_issue") == "technical issue"
    assert topic_label("billing_invoice") == "billing invoice issue"


async def test_a_real_llm_extracts_text_facts_through_structured_output() -> None:
    from langchain_core.messages import AIMessage

    from graph.memory_extract import model_text_facts
    from tests.scripted_chat import ScriptedChatModel

    facts_call = {
        "name": "ExtractedFacts",
        "args": {
            "facts": [
                {"kind": "preference", "subject": "style", "text": "You prefer technical answers."},
                {"kind": "plan", "subject": "plan", "text": "You're on the Team plan."},
            ]
        },
        "id": "x1",
    }
    model = ScriptedChatModel(script=[AIMessage("", tool_calls=[facts_call])])
    turn = TurnRecord(customer_text="We're on Team. Give me the technical details.", answer_text="Sure.", now=NOW)
    facts = await model_text_facts(model, turn, known=["You use Android."])
    assert [(f.key, f.text) for f in facts] == [
        ("preference:style", "You prefer technical answers."),
        ("plan:plan", "You're on the Team plan."),
    ]
    assert facts[0].extra == {"persona": "technical"}
    prompt = str(model.prompts[0][-1].content)
    assert "- You use Android." in prompt and "Customer: We're on Team." in prompt
    assert model.tools_seen == [["ExtractedFacts"]]
