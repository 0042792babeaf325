"""Support write paths replace identifiers and financial data, keep names, and follow PII_MODE."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from settings import get_settings
from support.redaction import redact_text, redact_value

RAW = "card 4111 1111 1111 1111, iban DE89 3704 0044 0532 0130 00, mail kim.raw@example.org, +44 20 7946 0958"


@pytest.fixture
def pii_mode(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def test_identifiers_are_masked_and_names_kept(pii_mode: pytest.MonkeyPatch) -> None:
    pii_mode.setenv("PII_MODE", "mask")
    assert redact_text(f"Hi Priya, I'm Kim. {RAW}") == (
        "Hi Priya, I'm Kim. card <CREDIT_CARD>, iban <IBAN_CODE>, mail <EMAIL_ADDRESS>, <PHONE_NUMBER>"
    )
    assert redact_text("ticket T-1001 on Windows") == "ticket T-1001 on Windows"
    assert redact_text(None) is None


def test_hash_mode_gives_stable_tokens_and_off_keeps_text(pii_mode: pytest.MonkeyPatch) -> None:
    pii_mode.setenv("PII_MODE", "hash")
    first, again = redact_text("mail kim.raw@example.org"), redact_text("write kim.raw@example.org")
    assert "kim.raw" not in first and first.split()[-1] == again.split()[-1].rstrip()
    assert first.split()[-1].startswith("<EMAIL_ADDRESS:")
    get_settings.cache_clear()
    pii_mode.setenv("PII_MODE", "off")
    assert redact_text(RAW) == RAW


def test_values_keep_ids_and_roles(pii_mode: pytest.MonkeyPatch) -> None:
    pii_mode.setenv("PII_MODE", "mask")
    value = {"messages": [{"id": "4111111111111111", "type": "human", "content": RAW}], "summary": RAW}
    redacted = redact_value(value)
    assert redacted["messages"][0]["id"] == "4111111111111111" and redacted["messages"][0]["type"] == "human"
    assert "4111" not in redacted["messages"][0]["content"] and "7946" not in redacted["summary"]
