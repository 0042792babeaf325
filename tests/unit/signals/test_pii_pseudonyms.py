"""Pseudonyms: typed, numbered placeholders stable within a thread, sealed at rest, restored in streamed answers."""

from __future__ import annotations

import json

import pytest
from cryptography.fernet import InvalidToken

from server.pseudonym_restore import restore_event, restore_values
from signals.pii_pseudonyms import Pseudonyms, StreamRestorer, bare_masks, vault_key


def test_the_same_value_keeps_its_placeholder_and_new_values_get_the_next_number() -> None:
    pseudonyms = Pseudonyms()
    first = pseudonyms.pseudonymise("My name is Maria Lindqvist, write to maria.l@example.com please.")
    second = pseudonyms.pseudonymise("Also copy tom.berg@example.org, and maria.l@example.com of course.")
    assert first == "My name is <PERSON_1>, write to <EMAIL_1> please."
    assert second == "Also copy <EMAIL_2>, and <EMAIL_1> of course."
    assert pseudonyms.values == {
        "<PERSON_1>": "Maria Lindqvist",
        "<EMAIL_1>": "maria.l@example.com",
        "<EMAIL_2>": "tom.berg@example.org",
    }


def test_a_known_value_is_replaced_where_the_recognisers_miss_it() -> None:
    pseudonyms = Pseudonyms(values={"<PERSON_1>": "Annabel Quistorp"})
    assert pseudonyms.pseudonymise("It's Annabel Quistorp again.") == "It's <PERSON_1> again."


def test_text_already_pseudonymised_is_left_as_it_is() -> None:
    pseudonyms = Pseudonyms()
    text = pseudonyms.pseudonymise("I'm Maria Lindqvist, I live at 12 Baker Street, London.")
    assert "<PERSON_1>" in text and "<ADDRESS_1>" in text
    assert pseudonyms.pseudonymise(text) == text and len(pseudonyms.values) == 2


def test_restore_replaces_only_placeholders_of_the_map() -> None:
    pseudonyms = Pseudonyms(values={"<PERSON_1>": "Maria"})
    restored = pseudonyms.restore("Hi <PERSON_1>, <PERSON_2> and <PERSON> stay.")
    assert restored == "Hi Maria, <PERSON_2> and <PERSON> stay."


def test_memory_keeps_bare_masks_because_numbers_mean_something_only_in_their_thread() -> None:
    assert bare_masks("Write to <EMAIL_1> or <PHONE_12>, not <PERSON>.") == "Write to <EMAIL> or <PHONE>, not <PERSON>."


def test_a_sealed_map_is_ciphertext_and_opens_only_with_its_key() -> None:
    pseudonyms = Pseudonyms(values={"<EMAIL_1>": "maria.l@example.com"})
    sealed = pseudonyms.seal(vault_key("deployment secret"))
    assert b"maria" not in sealed and b"example" not in sealed
    assert Pseudonyms.unseal(sealed, vault_key("deployment secret")).values == pseudonyms.values
    with pytest.raises(InvalidToken):
        Pseudonyms.unseal(sealed, vault_key("another secret"))


def test_a_placeholder_split_over_streamed_chunks_is_restored() -> None:
    restorer = StreamRestorer(Pseudonyms(values={"<PERSON_1>": "Maria", "<EMAIL_1>": "m@example.com"}))
    parts = ["Hello <", "PER", "SON_", "1>, mail <EMAIL", "_1> now <b"]
    sent = [restorer.chunk("m1", part) for part in parts]
    assert sent[:3] == ["Hello ", "", ""]
    assert "".join(sent) + restorer.flush("m1") == "Hello Maria, mail m@example.com now <b"


def test_every_string_of_a_payload_is_restored_for_a_reader_who_may_see_the_values() -> None:
    restorer = StreamRestorer(Pseudonyms(values={"<PERSON_1>": "Maria"}))
    payload = {
        "messages": [
            {"type": "human", "content": "I am <PERSON_1>"},
            {"type": "ai", "content": [{"type": "text", "text": "Hi <PERSON_1>"}], "id": "<PERSON_2>"},
        ],
        "summary": "<PERSON_1> asked about a refund",
    }
    restored = restore_values(payload, restorer)
    assert restored["messages"][0]["content"] == "I am Maria"
    assert restored["messages"][1] == {
        "type": "ai",
        "content": [{"type": "text", "text": "Hi Maria"}],
        "id": "<PERSON_2>",
    }
    assert restored["summary"] == "Maria asked about a refund"


def test_a_messages_event_is_restored_across_chunks() -> None:
    restorer = StreamRestorer(Pseudonyms(values={"<PERSON_1>": "Maria"}))

    def event(content: str, finish: str | None = None) -> bytes:
        chunk = {"type": "AIMessageChunk", "id": "run-1", "content": content, "response_metadata": {}}
        if finish:
            chunk["response_metadata"] = {"finish_reason": finish}
        return f"event: messages\ndata: {json.dumps([chunk, {'langgraph_node': 'respond'}])}".encode()

    out = [restore_event(event(text, finish), restorer) for text, finish in (("Hi <PER", None), ("SON_1>", "stop"))]
    contents = [json.loads(item.split(b"data: ", 1)[1])[0]["content"] for item in out]
    assert contents == ["Hi ", "Maria"]
    assert out[0].startswith(b"event: messages\n")
