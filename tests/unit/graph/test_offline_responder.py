"""The offline responder answers only from its grounding, with real embeddings (no fake)."""

from __future__ import annotations

import re

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.tools import tool

from graph.grounding import (
    Grounding,
    GroundingArticle,
    GroundingMemory,
    GroundingTicket,
    parse_grounding,
    render_grounding,
)
from graph.offline import OfflineResponder
from graph.offline.sentences import split_units
from prompts.loader import load_persona, load_phrases, phrase

RESET = GroundingArticle(
    "reset-password",
    "Reset a forgotten password",
    0.74,
    "reset-password",
    "If you forgot your password, you can set a new one yourself in a couple of minutes.\n\n## Steps\n\n"
    "1. Go to the sign-in page and click **Forgot password?**.\n"
    "2. Enter the email address you use and click **Send reset link**.\n"
    "3. Open the email and click **Choose a new password**. The link is valid for 60 minutes.\n"
    "4. Sign in with the new password.\n\n"
    "## If the link does not work\n\n"
    "- If you sign in with Google or SSO, you do not have a password. Use the same button you used to sign up.",
)
INVOICES = GroundingArticle(
    "download-invoices",
    "Download invoices",
    0.41,
    "download-invoices",
    "Every payment comes with an invoice. Owners can download all of them at any time.\n\n"
    "1. Open Settings > Billing > Invoices.\n2. Click Download PDF for one invoice.",
)


@pytest.fixture(scope="module")
def responder() -> OfflineResponder:
    return OfflineResponder(default_persona="friendly")


def _ask(responder: OfflineResponder, question: str, grounding: Grounding, *extra: object) -> AIMessage:
    prompt = [SystemMessage(content="Rules...\n" + render_grounding(grounding)), HumanMessage(content=question), *extra]
    answer = responder.invoke(prompt)
    assert isinstance(answer, AIMessage)
    return answer


def _unexplained(text: str, grounding: Grounding) -> str:
    """What is left of ``text`` after removing every KB unit, fact, ticket detail and persona/phrase template."""
    persona = load_persona(grounding.persona)
    pieces: list[str] = []
    for article in grounding.articles:
        pieces += [unit.text for unit in split_units(article.text)]
        pieces.append(f"[{article.id}] {article.title}")
    pieces += [memory.text for memory in grounding.memories]
    pieces += [ticket.details for ticket in grounding.tickets]
    templates = list(load_phrases(grounding.language).values()) + [
        value for table in persona.phrases.values() for value in table.values()
    ]
    for piece in sorted(pieces, key=len, reverse=True):
        text = text.replace(piece, " ")
    for template in sorted(templates, key=len, reverse=True):
        pattern = re.escape(template)
        pattern = re.sub(r"\\\{\w+\\\}", ".+?", pattern)
        text = re.sub(pattern, " ", text)
    return re.sub(r"[\s\-,.]+", "", text.replace("Sources:", ""))


def test_faq_answer_states_the_steps_and_cites_the_article(responder: OfflineResponder) -> None:
    grounding = Grounding(persona="friendly", language="en", kb_confidence=0.74, articles=(RESET, INVOICES))
    answer = _ask(responder, "I forgot my password and can't log in", grounding)
    text = str(answer.content)
    assert "1. Go to the sign-in page" in text and "4. Sign in with the new password." in text
    assert "[reset-password]" in text and "[download-invoices]" not in text
    assert answer.response_metadata["cited_articles"] == ["reset-password"]
    assert _unexplained(text, grounding) == ""


def test_unknown_question_says_so_and_offers_a_person(responder: OfflineResponder) -> None:
    grounding = Grounding(persona="professional", language="en", kb_confidence=0.12, articles=(INVOICES,))
    text = str(_ask(responder, "What is the capital of France?", grounding).content)
    persona = load_persona("professional")
    assert phrase(persona, "en", "dont_know") in text and phrase(persona, "en", "offer_person") in text
    assert "invoice" not in text.lower()
    assert _unexplained(text, grounding) == ""


def test_first_reply_greets_with_the_persona_and_acknowledges_frustration(responder: OfflineResponder) -> None:
    grounding = Grounding(
        persona="technical",
        language="en",
        sentiment="negative",
        first_reply=True,
        kb_confidence=0.74,
        articles=(RESET,),
    )
    text = str(_ask(responder, "I forgot my password, this is so annoying", grounding).content)
    persona = load_persona("technical")
    assert text.startswith(phrase(persona, "en", "greeting"))
    assert phrase(persona, "en", "empathy") in text
    assert text.rstrip().endswith(phrase(persona, "en", "closing"))
    for avoided in persona.avoid:
        assert not re.search(rf"\b{re.escape(avoided)}\b", text.replace(RESET.text, ""), re.IGNORECASE)


def test_memory_question_is_answered_from_memory_only(responder: OfflineResponder) -> None:
    grounding = Grounding(
        persona="friendly",
        language="en",
        kb_confidence=0.2,
        articles=(INVOICES,),
        memories=(
            GroundingMemory("plan", "You're on the Business plan."),
            GroundingMemory("preference", "You prefer to be contacted by email."),
            GroundingMemory(
                "resolution", 'What solved your account access issue on 2025-01-02: "Reset" [reset-password].'
            ),
        ),
    )
    text = str(_ask(responder, "What plan am I on?", grounding).content)
    assert "You're on the Business plan." in text
    assert "contacted by email" not in text
    assert _unexplained(text, grounding) == ""
    tried = str(_ask(responder, "What did we try last time?", grounding).content)
    assert "What solved your account access issue" in tried


def test_returning_customer_is_greeted_with_context(responder: OfflineResponder) -> None:
    grounding = Grounding(
        persona="friendly",
        language="en",
        first_reply=True,
        memories=(
            GroundingMemory("open_issue", 'On 2025-01-02 you told us about your account access issue: "cannot log in"'),
            GroundingMemory("plan", "You're on the Pro plan."),
        ),
    )
    text = str(_ask(responder, "hello again", grounding).content)
    persona = load_persona("friendly")
    assert text.startswith(phrase(persona, "en", "greeting_returning"))
    assert "cannot log in" in text and "Pro plan" in text


def test_ticket_question_without_data_calls_the_tool_then_states_the_result(responder: OfflineResponder) -> None:
    @tool
    def list_my_tickets(status: str | None = None) -> str:
        """List the customer's tickets."""
        return ""

    grounding = Grounding(persona="friendly", language="en")
    bound = responder.bind_tools([list_my_tickets])
    prompt = [
        SystemMessage(content=render_grounding(grounding)),
        HumanMessage(content="What's the status of my tickets?"),
    ]
    first = bound.invoke(prompt)
    assert isinstance(first, AIMessage) and [call["name"] for call in first.tool_calls] == ["list_my_tickets"]
    result = ToolMessage(
        content="T-1042 [open, high] Invoice is wrong (updated 2025-01-02 10:00 UTC)",
        tool_call_id=first.tool_calls[0]["id"],
    )
    second = bound.invoke([*prompt, first, result])
    assert isinstance(second, AIMessage) and not second.tool_calls
    assert "T-1042 [open, high] Invoice is wrong" in str(second.content)


def test_ticket_facts_in_grounding_are_stated_without_a_tool_call(responder: OfflineResponder) -> None:
    ticket = GroundingTicket(
        "T-1042", "pending", "Invoice is wrong", "Ticket T-1042: Invoice is wrong\nStatus: pending"
    )
    grounding = Grounding(persona="friendly", language="en", tickets=(ticket,))
    answer = _ask(responder, "Any update on T-1042?", grounding)
    assert not answer.tool_calls
    persona = load_persona("friendly")
    status = phrase(persona, "en", "ticket_status_pending")
    assert phrase(persona, "en", "ticket_line", id="T-1042", subject="Invoice is wrong", status=status) in answer.text
    assert phrase(persona, "en", "ticket_next_pending") in answer.text


def test_ticket_status_is_told_in_the_customer_language_with_last_update_and_next_step(
    responder: OfflineResponder,
) -> None:
    details = (
        "Ticket T-1042: Charged twice\nStatus: open | priority: high\n"
        "Opened 2026-03-01 09:00 UTC, last updated 2026-03-02 10:30 UTC"
    )
    ticket = GroundingTicket("T-1042", "open", "Charged twice", details)
    grounding = Grounding(persona="friendly", language="es", intent="ticket_status", tickets=(ticket,))
    text = _ask(responder, "¿cómo va mi ticket?", grounding).text
    persona = load_persona("friendly")
    status = phrase(persona, "es", "ticket_status_open")
    assert phrase(persona, "es", "ticket_line", id="T-1042", subject="Charged twice", status=status) in text
    assert phrase(persona, "es", "ticket_updated", updated="2026-03-02 10:30 UTC") in text
    assert phrase(persona, "es", "ticket_next_open") in text
    assert phrase(persona, "en", "ticket_next_open") not in text and "Status: open" not in text


def test_a_ticket_not_found_is_said_so_and_nothing_else_is_claimed(responder: OfflineResponder) -> None:
    missing = GroundingTicket("T-9999", "not found", "", "Ticket T-9999 was not found among this customer's tickets.")
    grounding = Grounding(persona="friendly", language="en", tickets=(missing,))
    text = _ask(responder, "what's the status of T-9999?", grounding).text
    persona = load_persona("friendly")
    assert phrase(persona, "en", "ticket_not_found", id="T-9999") in text
    assert phrase(persona, "en", "tickets_intro") not in text and phrase(persona, "en", "dont_know") not in text


def test_reply_uses_the_customer_language_for_every_fixed_phrase(responder: OfflineResponder) -> None:
    grounding = Grounding(persona="professional", language="es", first_reply=True, kb_confidence=0.1)
    text = str(_ask(responder, "¿Cuál es la capital de Francia?", grounding).content)
    persona = load_persona("professional")
    assert text.startswith(phrase(persona, "es", "greeting"))
    assert phrase(persona, "es", "dont_know") in text
    assert "I'm sorry" not in text


def test_resolution_is_acknowledged(responder: OfflineResponder) -> None:
    grounding = Grounding(persona="friendly", language="en", resolved=True)
    text = str(_ask(responder, "That worked, thanks!", grounding).content)
    assert phrase(load_persona("friendly"), "en", "resolved_ack") in text


def test_vague_message_gets_one_clarifying_question(responder: OfflineResponder) -> None:
    grounding = Grounding(persona="friendly", language="en", kb_confidence=0.1)
    clarify = phrase(load_persona("friendly"), "en", "clarify")
    first = str(_ask(responder, "it doesn't work", grounding).content)
    assert clarify in first
    again = responder.invoke(
        [
            SystemMessage(content=render_grounding(grounding)),
            HumanMessage("it doesn't work"),
            AIMessage(first),
            HumanMessage("still no"),
        ]
    )
    assert clarify not in str(again.content)


def test_sentence_embeddings_are_cached_per_chunk(responder: OfflineResponder) -> None:
    grounding = Grounding(persona="friendly", language="en", kb_confidence=0.74, articles=(RESET,))
    _ask(responder, "How do I reset my password?", grounding)
    size = len(responder.sentence_cache)
    _ask(responder, "password reset link expired", grounding)
    assert len(responder.sentence_cache) == size


def test_usage_metadata_counts_the_prompt(responder: OfflineResponder) -> None:
    grounding = Grounding(persona="friendly", language="en", articles=(RESET,))
    short = _ask(responder, "password?", grounding).usage_metadata
    long = _ask(responder, "password? " + "please help " * 200, grounding).usage_metadata
    assert short is not None and long is not None
    assert long["input_tokens"] > short["input_tokens"] + 300


def test_memory_question_without_a_matching_fact_says_nothing_is_on_record(responder: OfflineResponder) -> None:
    grounding = Grounding(
        persona="friendly",
        language="en",
        memories=(GroundingMemory("preference", "You prefer to be contacted by email."),),
    )
    text = str(_ask(responder, "Which plan am I on?", grounding).content)
    assert phrase(load_persona("friendly"), "en", "no_memory") in text
    assert "email" not in text


def test_memory_facts_are_embedded_once_per_process(responder: OfflineResponder) -> None:
    from graph.vectors import text_vectors

    fact = GroundingMemory("plan", "You're on the Enterprise Gold plan (cache test).")
    grounding = Grounding(persona="friendly", language="en", memories=(fact,))
    _ask(responder, "What plan am I on?", grounding)
    size = len(text_vectors())
    _ask(responder, "Which plan do I have?", grounding)
    assert len(text_vectors()) == size


SPANISH_MEMORIES = (
    GroundingMemory("plan", "You're on the Business plan.", (("plan", "Business"),)),
    GroundingMemory("open_issue", 'On 2025-01-02 you told us about your account access issue: "cannot log in"'),
)


def test_spanish_memory_answer_restates_facts_in_spanish_and_quotes_no_english(responder: OfflineResponder) -> None:
    grounding = Grounding(persona="friendly", language="es", memories=SPANISH_MEMORIES)
    text = str(_ask(responder, "¿Qué plan tengo contratado?", grounding).content)
    assert load_phrases("es")["memory.plan"].format(plan="Business") in text
    for memory in SPANISH_MEMORIES:
        assert memory.text not in text
    assert "cannot log in" not in text


def test_returning_german_customer_sees_no_english_memory_line(responder: OfflineResponder) -> None:
    grounding = Grounding(persona="friendly", language="de", first_reply=True, memories=SPANISH_MEMORIES)
    text = str(_ask(responder, "Hallo, ich bin wieder da", grounding).content)
    assert text.startswith(phrase(load_persona("friendly"), "de", "greeting_returning"))
    assert load_phrases("de")["memory.plan"].format(plan="Business") in text
    assert "You're on" not in text and "cannot log in" not in text


def test_only_free_text_memories_are_not_quoted_into_a_spanish_reply(responder: OfflineResponder) -> None:
    grounding = Grounding(persona="friendly", language="es", memories=SPANISH_MEMORIES[1:])
    text = str(_ask(responder, "¿Qué recuerdas de mis conversaciones anteriores?", grounding).content)
    assert "cannot log in" not in text
    assert load_phrases("es")["memory_in_english"] in text  # not "nothing on record": there is a record


def test_memory_fields_survive_the_grounding_block() -> None:
    grounding = Grounding(persona="friendly", language="es", memories=SPANISH_MEMORIES)
    assert parse_grounding(render_grounding(grounding)) == grounding
