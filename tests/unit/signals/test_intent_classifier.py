import json
import random
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

from knowledge.embeddings import get_local_embeddings
from signals.intent_classifier import IntentClassifier, IntentClassifierConfig
from signals.taxonomy import Taxonomy, load_taxonomy
from signals.types import OUT_OF_SCOPE


def _split(shared_data: Path, per_intent: int) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    rows = [json.loads(line) for line in (shared_data / "routing" / "bitext_train.jsonl").read_text().splitlines()]
    by_label: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        by_label[row["label"]].append(row["text"])
    rng = random.Random(7)
    train: list[tuple[str, str]] = []
    test: list[tuple[str, str]] = []
    for label in sorted(by_label):
        texts = rng.sample(by_label[label], per_intent + 12)
        train += [(text, label) for text in texts[:per_intent]]
        test += [(text, label) for text in texts[per_intent:]]
    return train, test


def test_linear_head_beats_nearest_centroid(shared_data: Path) -> None:
    train, test = _split(shared_data, per_intent=5)
    encoder = get_local_embeddings()
    classifier = IntentClassifier.fit(Taxonomy.from_examples(train), encoder, out_of_scope=[])
    predictions = classifier.predict([text for text, _ in test])
    head_accuracy = np.mean([p.intent == label for p, (_, label) in zip(predictions, test, strict=True)])

    vectors = encoder.encode([text for text, _ in train])
    labels = sorted({label for _, label in train})
    rows_of = {label: [i for i, (_, gold) in enumerate(train) if gold == label] for label in labels}
    centroids = np.stack([vectors[rows_of[label]].mean(0) for label in labels])
    nearest = (encoder.encode([text for text, _ in test]) @ centroids.T).argmax(1)
    centroid_accuracy = np.mean([labels[j] == label for j, (_, label) in zip(nearest, test, strict=True)])
    assert head_accuracy > centroid_accuracy


def test_names_and_ngram_blend_beat_the_plain_head(shared_data: Path) -> None:
    train, test = _split(shared_data, per_intent=5)
    encoder = get_local_embeddings()
    taxonomy = Taxonomy.from_examples(train)
    texts = [text for text, _ in test]
    plain = IntentClassifier.fit(
        taxonomy, encoder, config=IntentClassifierConfig(label_weight=0, text_weight=0, middle_layer_weight=0)
    )
    default = IntentClassifier.fit(taxonomy, encoder)

    def accuracy(classifier: IntentClassifier) -> float:
        predictions = classifier.predict_vectors(classifier.embed(texts), texts)
        return float(np.mean([p.intent == label for p, (_, label) in zip(predictions, test, strict=True)]))

    assert accuracy(default) > accuracy(plain) + 0.01


def test_the_middle_layer_adds_to_the_sentence_vector(shared_data: Path) -> None:
    train, test = _split(shared_data, per_intent=5)
    encoder = get_local_embeddings()
    taxonomy = Taxonomy.from_examples(train)
    texts = [text for text, _ in test]
    layered = IntentClassifier.fit(taxonomy, encoder)
    sentence_only = IntentClassifier.fit(taxonomy, encoder, config=IntentClassifierConfig(middle_layer_weight=0))
    assert layered.embed(texts[:2]).shape[1] == 2 * sentence_only.embed(texts[:2]).shape[1]
    # The analyzer hands over the layers of its one encoder pass: the same rows as the classifier's own.
    assert np.allclose(layered.features(encoder.encode_layers(texts[:2])), layered.embed(texts[:2]))

    def accuracy(classifier: IntentClassifier) -> float:
        predictions = classifier.predict(texts)
        return float(np.mean([p.intent == label for p, (_, label) in zip(predictions, test, strict=True)]))

    assert accuracy(layered) > accuracy(sentence_only)


@pytest.fixture(scope="module")
def default_classifier() -> IntentClassifier:
    return IntentClassifier.fit(load_taxonomy(), get_local_embeddings())


def test_default_taxonomy_routes_to_teams(default_classifier: IntentClassifier) -> None:
    reset, parcel, human = default_classifier.predict(
        ["I can't log in, the password reset link is broken", "my parcel never arrived", "let me talk to a person"]
    )
    assert (reset.intent, reset.team) == ("account_access", "accounts")
    assert (parcel.intent, parcel.team) == ("shipping_delivery", "logistics")
    assert human.intent == "talk_to_human"
    assert 0.0 < reset.confidence <= 1.0


def test_off_topic_requests_are_out_of_scope(default_classifier: IntentClassifier) -> None:
    predictions = default_classifier.predict(["what's the capital of peru", "give me a pancake recipe"])
    assert all(p.intent == OUT_OF_SCOPE and p.team is None for p in predictions)


def test_taxonomy_fingerprint_follows_content() -> None:
    base = Taxonomy.from_examples([("hi", "greeting"), ("refund me", "refund")])
    same = Taxonomy.from_examples([("hi", "greeting"), ("refund me", "refund")])
    other = Taxonomy.from_examples([("hello", "greeting"), ("refund me", "refund")])
    assert base.fingerprint() == same.fingerprint() != other.fingerprint()


def test_malformed_taxonomy_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "intents.yaml"
    path.write_text("intents:\n  - name: billing\n    examples: []\n")
    with pytest.raises(ValueError, match="intent #0"):
        load_taxonomy(path)


def test_shipped_taxonomy_has_teams_and_examples() -> None:
    taxonomy = load_taxonomy()
    assert len(taxonomy.intents) >= 15
    assert all(intent.team and len(intent.examples) >= 8 for intent in taxonomy.intents)


def test_text_blend_needs_one_text_per_vector(default_classifier: IntentClassifier) -> None:
    texts = ["my parcel never arrived", "I can't log in"]
    vectors = default_classifier.embed(texts)
    blended = default_classifier.predict_vectors(vectors, texts)
    vectors_only = default_classifier.predict_vectors(vectors)
    assert [p.intent for p in blended] == [p.intent for p in vectors_only]
    assert [p.confidence for p in blended] != [p.confidence for p in vectors_only]
    with pytest.raises(ValueError, match="1 texts for 2 vectors"):
        default_classifier.predict_vectors(vectors, texts[:1])
