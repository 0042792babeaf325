"""The erased customer's turns become tombstones; everybody else's messages and lines stay as they were."""

from __future__ import annotations

from langchain_core.messages import AIMessage, HumanMessage

from support.erasure_scrub import ERASED, TOMBSTONE, Needles, mentions, scrub_messages, scrub_text, scrub_value

LONG = "My notebooks will not open after the update. " * 8  # longer than the handoff note quotes (240)
NEEDLES = Needles.build(
    "dup-1",
    profile=("Zebulon Quartz", "zeb@example.net"),
    texts=["How do I export my notes, says Zebulon?", LONG],
    message_ids=["m-a"],
)


def test_their_turn_becomes_one_tombstone_and_other_turns_stay() -> None:
    messages = [
        HumanMessage("My sync stopped.", id="m-v1"),
        AIMessage("Try signing out and in.", id="r-v1"),
        HumanMessage("How do I export my notes, says Zebulon?", id="m-a"),
        AIMessage("Zebulon, use File > Export.", id="r-a"),
        HumanMessage("Thanks, and installing?", id="m-v2"),
    ]
    kept = scrub_messages(messages, NEEDLES)
    assert [m.id for m in kept] == ["m-v1", "r-v1", "m-a", "m-v2"]
    assert kept[2].content == TOMBSTONE and kept[0] is messages[0] and kept[3] is messages[4]


def test_messages_without_ids_are_found_by_text_and_dicts_too() -> None:
    transcript = [
        {"role": "customer", "content": "How do I export   my notes, says Zebulon?"},
        {"role": "assistant", "content": "Use File > Export."},
        {"role": "customer", "content": "Other person here"},
    ]
    assert scrub_value(transcript, NEEDLES) == [{"role": "customer", "content": TOMBSTONE}, transcript[2]]


def test_lines_naming_them_go_and_the_id_only_as_a_whole_word() -> None:
    note = f'Customer: Zebulon Quartz\nIssue: sync\nCustomer said: "{LONG[:239]}…"'
    assert scrub_text(note, NEEDLES) == f"{ERASED}\nIssue: sync\n{ERASED}"
    assert scrub_text("customer dup-10 and dup-1x", NEEDLES) == "customer dup-10 and dup-1x"
    assert scrub_text("customer dup-1 wrote", NEEDLES) == ERASED
    assert mentions({"summary": "mail ZEB@example.net"}, NEEDLES)
    assert not mentions({"summary": "nothing here"}, NEEDLES)
