"""Fitted heads on disk (signals/fit_cache.py): loaded when every input is the same, fitted again when one changes."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from signals import analyzer as analyzer_module
from signals import fit_cache
from signals.fit_cache import code_and_data_digest, load_or_fit
from signals.intent_classifier import IntentClassifier, IntentClassifierConfig
from signals.taxonomy import load_taxonomy


def test_a_second_process_loads_what_the_first_fitted_and_a_new_key_fits_again(tmp_path: Path) -> None:
    fits: list[str] = []

    def fit(value: str) -> dict[str, str]:
        fits.append(value)
        return {"fitted": value}

    assert load_or_fit(tmp_path, "head", ["a"], lambda: fit("a")) == {"fitted": "a"}
    assert load_or_fit(tmp_path, "head", ["a"], lambda: fit("again")) == {"fitted": "a"}  # from disk
    assert load_or_fit(tmp_path, "head", ["b"], lambda: fit("b")) == {"fitted": "b"}
    assert fits == ["a", "b"]
    assert not list(tmp_path.glob("*.partial"))  # written atomically, nothing half-written left behind


def test_an_unreadable_file_is_fitted_again_and_replaced(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    load_or_fit(tmp_path, "head", ["a"], lambda: 1)
    (stored,) = tmp_path.glob("head-*.pickle")
    stored.write_bytes(b"half a fi")
    with caplog.at_level(logging.WARNING):
        assert load_or_fit(tmp_path, "head", ["a"], lambda: 2) == 2
    assert "fitting again" in caplog.text
    assert load_or_fit(tmp_path, "head", ["a"], lambda: 3) == 2


def test_a_directory_that_cannot_be_written_still_serves_the_fit(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "models"
    blocked.write_text("a file where the directory should be")  # as root, permissions would not stop the write
    with caplog.at_level(logging.WARNING):
        assert load_or_fit(blocked / "heads", "head", ["a"], lambda: {"fitted": 1}) == {"fitted": 1}
    assert "cannot keep the fitted head" in caplog.text


def test_a_changed_source_or_data_file_changes_the_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "signals"
    (package / "data").mkdir(parents=True)
    (package / "model.py").write_text("C = 30\n")
    (package / "data" / "examples.jsonl").write_text('{"text": "hi"}\n')
    monkeypatch.setattr(fit_cache, "_PACKAGES", (package,))
    digests = []
    for change in (None, ("model.py", "C = 10\n"), ("data/examples.jsonl", '{"text": "hello"}\n')):
        if change:
            (package / change[0]).write_text(change[1])
        code_and_data_digest.cache_clear()
        digests.append(code_and_data_digest())
    code_and_data_digest.cache_clear()
    assert len(set(digests)) == 3


def test_the_loaded_intent_classifier_routes_exactly_as_a_fresh_fit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    models = tmp_path / "models"  # where the heads go; the encoder itself is the shared one
    monkeypatch.setattr(analyzer_module, "_models_dir_and_encoder_id", lambda: (models, "encoder-under-test"))
    taxonomy = load_taxonomy()
    analyzer_module.fitted_intent_classifier.cache_clear()
    try:
        first = analyzer_module.fitted_intent_classifier(taxonomy)
        assert len(list(models.glob("intent-heads-*.pickle"))) == 1
        analyzer_module.fitted_intent_classifier.cache_clear()
        loaded = analyzer_module.fitted_intent_classifier(taxonomy)  # as a new process: from the file
    finally:
        analyzer_module.fitted_intent_classifier.cache_clear()
    assert loaded is not first
    fresh = IntentClassifier.fit(taxonomy, analyzer_module.sentiment_encoder(), config=IntentClassifierConfig())
    messages = [
        "I was charged twice this month",
        "how do I reset my password",
        "where is my order, it has not arrived",
        "what's the weather in Paris",
        "I want to talk to a person",
    ]
    expected = [(p.intent, round(p.confidence, 6)) for p in fresh.predict(messages)]
    assert [(p.intent, round(p.confidence, 6)) for p in loaded.predict(messages)] == expected
    assert [(p.intent, round(p.confidence, 6)) for p in first.predict(messages)] == expected
