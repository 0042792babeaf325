"""The length sweeps build distinct messages of exactly the swept lengths from real ones."""

from __future__ import annotations

import pytest

from bench.kb import SWEEP_LENGTHS, questions_of_length
from bench.signals import messages_of_length

SOURCE = ["where is my order?", "I was charged twice for my plan", "how do I reset my password", "cancel please"]


@pytest.mark.parametrize("build", [questions_of_length, messages_of_length])
@pytest.mark.parametrize("length", SWEEP_LENGTHS)
def test_sweep_messages_have_the_length_and_differ(build: object, length: int) -> None:
    built = build(SOURCE, length, 3)  # type: ignore[operator]
    assert [len(text) for text in built] == [length] * 3
    assert len(set(built)) == 3
