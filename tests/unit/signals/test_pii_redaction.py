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

    def counting_find(text: str) -> Any:
        analysed.append(text)
        return real_find(text)

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
