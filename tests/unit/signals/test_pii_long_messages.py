"""PII in a message at the length limit: the recognisers read all of it, the NER model a bounded head and tail."""

from __future__ import annotations

from signals.pii import NER_WINDOW_HEAD, NER_WINDOW_TAIL, find_pii, redact_pii

RAMBLE = (
    "I have been using the app for years and it has always worked well for our small team. "
    "Last week something changed after the update and nothing has been quite right since then. "
    "We tried restarting, reinstalling and waiting a day, as the help pages suggest. "
)


def long_message(head: str, tail: str, length: int = 8_000) -> str:
    filler = (RAMBLE * (length // len(RAMBLE) + 1))[: length - len(head) - len(tail) - 2]
    return f"{head} {filler} {tail}"


def test_a_card_number_at_the_end_of_an_8000_character_message_is_masked() -> None:
    text = long_message("Hello, my name is Maria Gonzalez.", "Please refund it to my card 4111 1111 1111 1111.")
    assert len(text) == 8_000
    result = redact_pii(text)
    assert "4111 1111 1111 1111" not in result.text and "<CREDIT_CARD>" in result.text
    assert "Maria Gonzalez" not in result.text  # a name in the head goes through NER


def test_regex_entities_anywhere_and_names_in_the_head_and_tail_are_found() -> None:
    middle = "You can reach me at jo.smith@example.com or +44 7700 900123 during the day."
    text = long_message("Hi, this is Daniel Fischer from accounting.", "Kind regards, Priya Raman")
    centre = len(text) // 2
    text = f"{text[:centre]} {middle} {text[centre:]}"
    kinds = {(text[r.start : r.end], r.entity_type) for r in find_pii(text)}
    assert ("jo.smith@example.com", "EMAIL_ADDRESS") in kinds
    assert any(kind == "PHONE_NUMBER" and "7700 900123" in value for value, kind in kinds)
    assert {"Daniel Fischer", "Priya Raman"} <= {value for value, kind in kinds if kind == "PERSON"}
    assert len(text) > NER_WINDOW_HEAD + NER_WINDOW_TAIL


def test_a_short_message_is_read_whole_as_before() -> None:
    text = "Please call Anna Schmidt on 555-123-4567 about order 77812."
    kinds = {(text[r.start : r.end], r.entity_type) for r in find_pii(text)}
    assert ("Anna Schmidt", "PERSON") in kinds and ("555-123-4567", "PHONE_NUMBER") in kinds
