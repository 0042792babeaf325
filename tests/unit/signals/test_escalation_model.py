"""The escalation-cue model: its shipped data, and that it hears cues in phrasings its examples do not contain."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from signals.analyzer import fitted_escalation_model, sentiment_encoder
from signals.escalation_model import TRAINING_PATH, EscalationModel, load_training_examples


def test_shipped_examples_cover_every_cue_and_near_misses() -> None:
    labels = {label for _, label in load_training_examples()}
    assert labels == {"asked_for_human", "formal_complaint", "money_dispute", "none"}


def test_unknown_label_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"text": "hi", "label": "angry"}) + "\n")
    with pytest.raises(ValueError, match="angry"):
        load_training_examples(bad)


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("i have to lodge a grievence against ur firm", "formal_complaint"),
        ("could somebody from your staff phone me, the assistant isn't helping", "asked_for_human"),
        ("I topped up 40 euros last night and my balance still shows zero", "money_dispute"),
        ("which countries do you ship to?", None),
        ("what time does your support line open on saturdays", None),
    ],
)
def test_cues_in_unseen_phrasings(text: str, cue: str | None) -> None:
    shipped = {example.lower() for example, _ in load_training_examples(TRAINING_PATH)}
    assert text.lower() not in shipped
    model = fitted_escalation_model()
    prediction = model.predict_vectors(sentiment_encoder().encode([text]), [text])[0]
    assert prediction.cue == cue


def test_vectors_and_texts_must_align() -> None:
    model = EscalationModel.fit(
        sentiment_encoder(),
        examples=[
            ("talk to a person", "asked_for_human"),
            ("file a complaint", "formal_complaint"),
            ("money missing from my wallet", "money_dispute"),
            ("where is my parcel", "none"),
        ],
        negatives=["what are your opening hours"],
    )
    with pytest.raises(ValueError, match="texts"):
        model.predict_vectors(sentiment_encoder().encode(["a", "b"]), ["a"])
