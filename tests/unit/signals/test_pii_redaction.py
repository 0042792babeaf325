import socket
from typing import Any

import pytest

from signals.pii import redact_pii

EMAIL = "maria.lopez@example.com"
PHONE = "+1 415-555-0134"
CARD = "4111 1111 1111 1111"


def test_mask_removes_email_phone_and_card() -> None:
    text = f"I'm Maria, email {EMAIL}, phone {PHONE}, and card {CARD} was charged twice"
    result = redact_pii(text, mode="mask")
    for secret in (EMAIL, PHONE, CARD, "4111"):
        assert secret not in result.text
    assert {"EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD"} <= set(result.types)
    assert "<EMAIL_ADDRESS>" in result.text and "charged twice" in result.text


def test_spans_point_at_the_original_values() -> None:
    text = f"write to {EMAIL} please"
    result = redact_pii(text)
    (span,) = [s for s in result.spans if s.type == "EMAIL_ADDRESS"]
    assert text[span.start : span.end] == EMAIL


@pytest.mark.parametrize(
    ("text", "secret", "kind"),
    [
        ("my IBAN is DE89 3704 0044 0532 0130 00", "DE89 3704", "IBAN_CODE"),
        ("ssn 536-22-1478 for the tax form", "536-22-1478", "NATIONAL_ID"),
        ("ship it to 42 Elm Road, Apt 3B please", "42 Elm Road", "ADDRESS"),
        ("my name is olga ivanova", "olga ivanova", "PERSON"),
    ],
)
def test_other_entity_types_are_redacted(text: str, secret: str, kind: str) -> None:
    result = redact_pii(text)
    assert secret not in result.text
    assert kind in result.types


def test_hash_mode_is_stable_per_value_and_salt() -> None:
    first = redact_pii(f"email {EMAIL}", mode="hash", salt="s1-long-enough-salt")
    again = redact_pii(f"contact: {EMAIL}", mode="hash", salt="s1-long-enough-salt")
    other_value = redact_pii("email other.person@example.com", mode="hash", salt="s1-long-enough-salt")
    other_salt = redact_pii(f"email {EMAIL}", mode="hash", salt="s2-long-enough-salt")
    token = first.text.removeprefix("email ")
    assert EMAIL not in first.text and token.startswith("<EMAIL_ADDRESS:")
    assert token in again.text
    assert token not in other_value.text
    assert token not in other_salt.text


def test_off_mode_keeps_text_but_reports_what_it_saw() -> None:
    result = redact_pii(f"email {EMAIL}", mode="off")
    assert result.text == f"email {EMAIL}"
    assert result.types == ("EMAIL_ADDRESS",)


def test_ordinary_support_text_is_left_alone() -> None:
    text = "where is my order 123456789? it was due on monday"
    assert redact_pii(text).text == text


def test_redaction_never_opens_a_network_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("PII redaction tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    assert "<EMAIL_ADDRESS>" in redact_pii("reach me at someone@company.co.uk").text


def test_order_numbers_survive_but_a_mistyped_card_does_not() -> None:
    kept = redact_pii("please cancel order 370795561790 and purchase #113542617735902")
    assert "370795561790" in kept.text and "113542617735902" in kept.text
    # Fails the Luhn check, still clearly a card number.
    assert "4485 2751" not in redact_pii("full card number 4485 2751 0837 6541").text


def test_sign_off_and_relation_names() -> None:
    assert "Siobhan" not in redact_pii("that fixed it, cheers, Siobhan").text
    assert "Oliver Thompson" not in redact_pii("my son Oliver Thompson used my card").text


def test_a_message_redacted_by_the_guard_is_not_analysed_again_by_classify(monkeypatch: pytest.MonkeyPatch) -> None:
    import signals.pii as pii

    analysed: list[str] = []
    real_find = pii.find_pii

    def counting_find(text: str, **options: Any) -> Any:
        analysed.append(text)
        return real_find(text, **options)

    monkeypatch.setattr(pii, "find_pii", counting_find)
    raw = "Hi, my email is dana.cache-test@example.org and my card is 4111 1111 1111 1111"
    first = pii.redact_pii(raw, mode="mask")
    assert "dana.cache-test@example.org" not in first.text and {"EMAIL_ADDRESS", "CREDIT_CARD"} <= set(first.types)
    again = pii.redact_pii(first.text, mode="mask")  # what the classify node reads back from the checkpoint
    assert again.text == first.text and again.spans == ()
    assert pii.redact_pii(raw, mode="mask") is first
    assert analysed == [raw]
    hashed = pii.redact_pii(raw, mode="hash", salt="s1")  # another mode or salt is its own result
    assert hashed.text != first.text and pii.redact_pii(raw, mode="hash", salt="s2").text != hashed.text


def test_products_places_workspace_and_agent_survive_while_the_customer_does_not() -> None:
    """Policy: products, countries, company/workspace names and the agent's own name are not personal data."""
    customer = ("Oliver Thompson", "oliver.thompson@example.co.uk", "+44 7700 900123", "5555 5555 5555 4444")
    text = (
        "Hi Sam, I'm on Linux at work and a Mac at home, and I'm travelling in Japan next week. "
        "Our workspace Acme Design lost its files. My name is Oliver Thompson, email oliver.thompson@example.co.uk, "
        "phone +44 7700 900123, my card 5555 5555 5555 4444 was charged twice."
    )
    result = redact_pii(text, keep=frozenset({"Sam", "Acme Design"}))
    for kept in ("Sam", "Linux", "Mac", "Japan", "Acme Design"):
        assert kept in result.text, kept
    for secret in customer:
        assert secret not in result.text, secret
    assert "Oliver" not in result.text and "Thompson" not in result.text


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("my card 2720200773194171 was charged without permission", "2720200773194171"),
        ("Please use this card instead: 3040-4633-5356-44, exp 05/29.", "3040-4633-5356-44"),
        ("For the rental I was asked for my driver's license: E8815493.", "E8815493"),
        ("Security question answer is my DOB, July 21, 2008.", "July 21, 2008"),
        ("Please confirm you have deleted my SSN 417968186.", "417968186"),
        ("Someone logged in from 6a1f:6356:9a2d:7e60:f9a2:2a1e:4871:cb8c yesterday", "6a1f:6356"),
    ],
)
def test_identifiers_that_need_their_cue_are_masked(text: str, secret: str) -> None:
    assert secret not in redact_pii(text).text


def test_a_long_number_without_a_card_cue_is_an_order_number() -> None:
    assert "1234567890123" in redact_pii("order 1234567890123 arrived late").text


@pytest.mark.parametrize(
    "text",
    [
        "Our workspace is called Acme Design. How do I transfer ownership of it?",
        "The Acme Design workspace lost its files.",
        "Our company, Brightwater Labs, needs an invoice.",
    ],
)
def test_a_name_given_as_the_workspace_or_company_is_not_masked_without_being_told(text: str) -> None:
    """No ``keep`` list here: the cue next to the name is what says it is an organisation."""
    assert "<PERSON>" not in redact_pii(text).text


def test_a_person_named_near_a_workspace_cue_is_still_masked() -> None:
    text = "Our workspace is fine. My name is Oliver Thompson and I can't sign in."
    assert "Oliver Thompson" not in redact_pii(text).text


def test_capitalised_german_nouns_are_not_names_but_a_named_person_is() -> None:
    """spaCy's English NER reads German nouns as names; outside English only the name cues find a person."""
    question = "Wie installiere ich die App auf dem Rechner?"
    assert redact_pii(question).text == question
    assert "Anna Berg" not in redact_pii("Ich heiße Anna Berg und mein Passwort geht nicht.").text
