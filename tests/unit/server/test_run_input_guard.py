from __future__ import annotations

import pytest

from server.run_input_guard import InputProblem, check_run_input, message_text
from server.runs.admission import assign_message_ids


def _body(*messages: object) -> dict[str, object]:
    return {"assistant_id": "support", "input": {"messages": list(messages)}}


def test_text_content_and_blocks() -> None:
    assert message_text("hi") == "hi"
    assert message_text([{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]) == "ab"
    assert message_text({"oops": 1}) is None


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (_body({"role": "user", "content": ""}), 422),
        (_body({"role": "user", "content": " \n\t"}), 422),
        (_body({"role": "user", "content": [{"type": "text", "text": "  "}]}), 422),
        (_body({"role": "user", "content": "ok"}, 5), 422),
        ({"input": "text"}, 422),
        ({"input": {"messages": {"role": "user"}}}, 422),
        (_body({"role": "user", "content": "x" * 11}), 413),
    ],
)
def test_rejects(body: object, status: int) -> None:
    with pytest.raises(InputProblem) as problem:
        check_run_input(body, max_chars=10)
    assert problem.value.status == status


@pytest.mark.parametrize(
    "body",
    [
        _body({"role": "user", "content": "x" * 10}),
        {"assistant_id": "support", "input": None, "command": {"resume": "yes"}},
        {"assistant_id": "support"},
        "not an object",
    ],
)
def test_accepts(body: object) -> None:
    check_run_input(body, max_chars=10)


def test_message_ids_are_added_once_and_kept() -> None:
    run_input: dict[str, object] = {"messages": [{"role": "user", "content": "a"}, {"id": "keep", "content": "b"}]}
    assign_message_ids(run_input)
    messages = run_input["messages"]
    assert isinstance(messages, list)
    first_id = messages[0]["id"]
    assert first_id and messages[1]["id"] == "keep"
    assign_message_ids(run_input)
    assert messages[0]["id"] == first_id


def test_redaction_rewrites_every_text_message() -> None:
    from server.run_input_guard import redact_run_input

    body = _body(
        {"role": "user", "content": "Email me at jane.doe@example.com please"},
        {"role": "user", "content": [{"type": "text", "text": "card 4111 1111 1111 1111"}]},
    )
    assert redact_run_input(body, mode="mask")
    text = str(body)
    assert "jane.doe@example.com" not in text and "4111 1111 1111 1111" not in text
    assert "Email me at" in text


def test_redaction_off_and_clean_text_change_nothing() -> None:
    from server.run_input_guard import redact_run_input

    body = _body({"role": "user", "content": "jane.doe@example.com"})
    assert not redact_run_input(body, mode="off")
    assert not redact_run_input(_body({"role": "user", "content": "How do I reset my password?"}), mode="mask")
