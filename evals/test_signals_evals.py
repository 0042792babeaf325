"""The signals eval suites as LangSmith pytest evals: offline by default, uploaded when LANGSMITH_API_KEY is set.

Run with `make evals` (pytest evals). Targets are the issue's; third-party dev data is read from ../shared/data.
"""

from __future__ import annotations

import json
import os
import random
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from langsmith import testing as t

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("LANGSMITH_TEST_TRACKING", "false" if not os.environ.get("LANGSMITH_API_KEY") else "true")

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
OWN = Path(__file__).with_name("data")


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _shared(relative: str) -> Path:
    path = SHARED / relative
    if not path.exists():
        pytest.skip(f"development data not found at {path}")
    return path


def _few_shot(rows: list[dict[str, Any]], per_label: int, seed: int) -> list[tuple[str, str]]:
    by_label: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        by_label[row["label"]].append(row["text"])
    rng = random.Random(seed)
    return [(text, label) for label in sorted(by_label) for text in rng.sample(by_label[label], per_label)]


@pytest.mark.langsmith
def test_routing_bitext_10_per_intent() -> None:
    from evals.routing import evaluate_routing
    from settings import get_settings
    from signals.encoder_tuning import TuningConfig
    from signals.intent_classifier import IntentClassifierConfig

    examples = _few_shot(_rows(_shared("routing/bitext_train.jsonl")), per_label=10, seed=0)
    data = [(r["text"], r["label"]) for r in _rows(_shared("routing/bitext_dev.jsonl"))]
    data += [(r["text"], r["label"]) for r in _rows(_shared("routing/clinc_oos_val.jsonl"))]
    t.log_inputs({"examples": len(examples), "data": len(data), "tuning_steps": TuningConfig().steps})
    metrics = evaluate_routing(
        examples,
        data,
        config=IntentClassifierConfig(tuning=TuningConfig()),
        cache_dir=get_settings().data_dir / "models",
    )
    t.log_outputs(metrics)
    t.log_feedback(key="in_scope_accuracy", score=metrics["in_scope_accuracy"])
    t.log_feedback(key="out_of_scope_f1", score=metrics["out_of_scope_f1"])
    assert metrics["in_scope_accuracy"] >= 0.97
    assert metrics["out_of_scope_f1"] >= 0.85


@pytest.mark.langsmith
@pytest.mark.parametrize(("per_intent", "floor"), [(10, 0.96), (5, 0.925)])
def test_routing_default_over_samples(per_intent: int, floor: float) -> None:
    """The untuned default, averaged over three few-shot samples (one sample moves accuracy by a point).

    Bitext dev is harder than the held-out retail set (nearest centroid 0.90 here vs 0.935 there); measured over five
    samples: 10 per intent 0.968, 5 per intent 0.938 (a proxy for the 77-intent set), out-of-scope F1 0.97.
    """
    from evals.routing import evaluate_routing

    train = _rows(_shared("routing/bitext_train.jsonl"))
    data = [(r["text"], r["label"]) for r in _rows(_shared("routing/bitext_dev.jsonl"))]
    data += [(r["text"], r["label"]) for r in _rows(_shared("routing/clinc_oos_val.jsonl"))]
    runs = [evaluate_routing(_few_shot(train, per_label=per_intent, seed=seed), data) for seed in range(3)]
    accuracy = sum(run["in_scope_accuracy"] for run in runs) / len(runs)
    out_of_scope_f1 = sum(run["out_of_scope_f1"] for run in runs) / len(runs)
    t.log_outputs({"in_scope_accuracy": accuracy, "out_of_scope_f1": out_of_scope_f1, "runs": runs})
    t.log_feedback(key="in_scope_accuracy", score=accuracy)
    t.log_feedback(key="out_of_scope_f1", score=out_of_scope_f1)
    assert accuracy >= floor
    assert out_of_scope_f1 >= 0.85


@pytest.mark.langsmith
def test_routing_frozen_head_beats_centroid_baseline() -> None:
    from evals.routing import evaluate_routing

    examples = _few_shot(_rows(_shared("routing/bitext_train.jsonl")), per_label=10, seed=1)
    data = [(r["text"], r["label"]) for r in _rows(_shared("routing/bitext_dev.jsonl"))]
    metrics = evaluate_routing(examples, data)
    t.log_outputs(metrics)
    t.log_feedback(key="accuracy", score=metrics["accuracy"])
    assert metrics["accuracy"] > 0.935  # nearest centroid on the same data


@pytest.mark.langsmith
def test_sentiment_tweets() -> None:
    from evals.sentiment import evaluate_sentiment

    rows = [(r["text"], r["label"]) for r in _rows(_shared("sentiment/tweeteval_val.jsonl"))]
    metrics = evaluate_sentiment(rows)
    t.log_outputs(metrics)
    t.log_feedback(key="macro_f1", score=metrics["macro_f1"])
    assert metrics["macro_f1"] >= 0.65


@pytest.mark.langsmith
def test_sentiment_support_own_set() -> None:
    # Our own customer-service tweets (airline, delivery, telecom, apps), written apart from the training set.
    from evals.sentiment import evaluate_sentiment

    rows = [(r["text"], r["label"]) for r in _rows(OWN / "sentiment_support.jsonl")]
    metrics = evaluate_sentiment(rows)
    t.log_outputs(metrics)
    t.log_feedback(key="macro_f1", score=metrics["macro_f1"])
    assert metrics["macro_f1"] >= 0.85  # measured 0.88 (0.83 before the customer-service training sentences)


@pytest.mark.langsmith
def test_escalation_own_set() -> None:
    from evals.escalation import evaluate_escalation

    rows = [(r["text"], bool(r["escalate"])) for r in _rows(OWN / "escalation.jsonl")]
    metrics = evaluate_escalation(rows)
    t.log_outputs({key: value for key, value in metrics.items() if key != "mistakes"})
    t.log_feedback(key="f1", score=metrics["f1"])
    assert metrics["f1"] >= 0.9


@pytest.mark.langsmith
def test_pii_leak_rate() -> None:
    from evals.pii import evaluate_pii

    rows = [(r["text"], [(s["start"], s["end"], s["type"]) for s in r["spans"]]) for r in _rows(OWN / "pii.jsonl")]
    metrics = evaluate_pii(rows)
    t.log_outputs(metrics)
    t.log_feedback(key="leak_rate", score=metrics["leak_rate"])
    assert metrics["leak_rate"] <= 0.05
    for kind in ("EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD"):
        assert metrics["leak_rate_by_type"][kind] <= 0.01, kind


@pytest.mark.langsmith
@pytest.mark.parametrize("name", ["injection.jsonl", "injection_holdout.jsonl"])
def test_injection_flags(name: str) -> None:
    from evals.injection import evaluate_injection

    metrics = evaluate_injection([(r["text"], r["label"]) for r in _rows(OWN / name)])
    t.log_outputs({key: value for key, value in metrics.items() if key not in ("missed", "false_alarms")})
    t.log_feedback(key="recall", score=metrics["recall"])
    t.log_feedback(key="false_positive_rate", score=metrics["false_positive_rate"])
    assert metrics["recall"] >= 0.80, metrics["missed"]
    assert metrics["false_positive_rate"] <= 0.02, metrics["false_alarms"]


@pytest.mark.langsmith
def test_confirmation_precision_and_recall() -> None:
    """Resolution confirmations: our six-language held-out set, and labelled third-party thanks and requests."""
    from evals.confirmation import evaluate_confirmation, resolve_texts

    _shared("routing/bitext_dev.jsonl")
    holdout = evaluate_confirmation(resolve_texts(_rows(OWN / "confirmation_holdout.jsonl"), SHARED))
    others = [
        row for name in ("confirmation_third_party.jsonl", "confirmation_requests.jsonl") for row in _rows(OWN / name)
    ]
    third_party = evaluate_confirmation(resolve_texts(others, SHARED))
    t.log_outputs({"holdout": holdout, "third_party": third_party})
    t.log_feedback(key="precision", score=holdout["precision"])
    t.log_feedback(key="recall", score=holdout["recall"])
    t.log_feedback(key="third_party_false_positive_rate", score=third_party["false_positive_rate"])
    # A false confirmation closes a customer's ticket: precision and the false-positive rate matter most.
    assert holdout["precision"] >= 0.9
    assert holdout["recall"] >= 0.75
    assert third_party["false_positive_rate"] <= 0.02
