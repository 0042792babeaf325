"""named_entities: the memory writer reuses the PII pass's parse of a message instead of running spaCy again."""

from __future__ import annotations

import threading

from signals import pii


def _without_the_pipeline(text: str) -> pii.NamedEntities | None:
    """named_entities(text) while this thread holds spaCy's lock: only an answer from the memo comes back."""
    answer: list[pii.NamedEntities] = []
    with pii._NLP_LOCK:  # a parse would have to wait for this lock
        worker = threading.Thread(target=lambda: answer.append(pii.named_entities(text)), daemon=True)
        worker.start()
        worker.join(timeout=5)
        answered_while_held = not worker.is_alive()
    worker.join()
    return answer[0] if answered_while_held else None


def test_a_message_the_pii_pass_parsed_is_not_parsed_again() -> None:
    text = "Our workspace at Globex Corporation stopped syncing with Dropbox on Tuesday."
    pii.redact_pii(text)
    answered = _without_the_pipeline(text)
    assert answered is not None, "named_entities waited for spaCy: the PII pass's parse was not reused"
    assert ("ORG", "Dropbox") in answered
    nlp = pii.get_pii_analyzer().nlp_engine.get_nlp(pii.LANGUAGE)  # type: ignore[attr-defined]
    assert answered == tuple((ent.label_, ent.text) for ent in nlp(text).ents)


def test_a_new_text_is_parsed() -> None:
    text = "We moved our billing to Initech last March."
    assert ("DATE", "last March") in pii.named_entities(text)
