"""bench turns words every message differently, so caches keyed by the text do not flatter the figures."""

from __future__ import annotations

from bench.turns import QUESTIONS, message


def test_every_message_of_a_run_is_distinct_and_asks_its_question() -> None:
    sent = [message(index) for index in range(512)]
    assert len(set(sent)) == 512
    assert all(QUESTIONS[index % len(QUESTIONS)] in text for index, text in enumerate(sent))


def test_repeat_sends_the_questions_word_for_word() -> None:
    assert [message(index, repeat=True) for index in range(16)] == [*QUESTIONS, *QUESTIONS]
