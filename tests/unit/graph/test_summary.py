from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, ToolMessage
from langchain_core.messages.utils import count_tokens_approximately

from graph.summary import choose_cut, extractive_summary


def _conversation(turns: int) -> list[AnyMessage]:
    messages: list[AnyMessage] = []
    for i in range(turns):
        messages.append(HumanMessage(f"question {i} " + "words " * 30, id=f"h{i}"))
        if i % 2:
            call = {"name": "list_my_tickets", "args": {}, "id": f"call{i}"}
            messages.append(AIMessage("", tool_calls=[call], id=f"c{i}"))
            messages.append(ToolMessage("T-1 [open, high] Broken " + "x " * 40, tool_call_id=f"call{i}", id=f"t{i}"))
        messages.append(AIMessage(f"Answer {i}. " + "more " * 30, id=f"a{i}"))
    return messages


def test_cut_lands_on_a_customer_message_and_keeps_tool_pairs() -> None:
    messages = _conversation(12)
    for keep in (50, 120, 300, 600):
        cut = choose_cut(messages, keep)
        assert cut > 0
        assert isinstance(messages[cut], HumanMessage)
        kept = messages[cut:]
        call_ids = {c["id"] for m in kept if isinstance(m, AIMessage) for c in m.tool_calls}
        assert {m.tool_call_id for m in kept if isinstance(m, ToolMessage)} == call_ids


def test_latest_customer_message_is_never_folded() -> None:
    messages = _conversation(3)
    messages.append(HumanMessage("latest " * 500, id="latest"))
    cut = choose_cut(messages, 10)
    assert messages[cut].id == "latest"


def test_nothing_to_fold_with_one_customer_message() -> None:
    assert choose_cut([HumanMessage("hi " * 900, id="only")], 10) == 0


def test_kept_part_is_close_to_the_target() -> None:
    messages = _conversation(20)
    cut = choose_cut(messages, 400)
    assert count_tokens_approximately(messages[cut:]) <= 400


def test_extractive_summary_stays_within_budget_and_keeps_the_opening() -> None:
    messages = _conversation(30)
    summary = ""
    for start in range(0, len(messages), 10):
        summary = extractive_summary(summary, messages[start : start + 10], max_tokens=150)
    assert count_tokens_approximately([HumanMessage(summary)]) <= 150
    lines = summary.splitlines()
    assert lines[0].startswith("- Customer: question 0")
    assert "Answer 29." in summary
    assert not any("T-1 [open" in line for line in lines)  # tool traffic is not summarised
