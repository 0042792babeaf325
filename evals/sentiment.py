"""Sentiment eval: accuracy and macro-F1 of the shipped sentiment classifier on labelled messages."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

from evals.jsonl import emit_metrics, progress, read_jsonl

LABELS = ("negative", "neutral", "positive")


def evaluate_sentiment(rows: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """``rows`` are ``(text, label)``; the classifier is fitted only on the shipped training set."""
    from sklearn.metrics import accuracy_score, f1_score

    from signals.analyzer import fitted_sentiment_classifier, sentiment_encoder

    classifier = fitted_sentiment_classifier()
    texts = [text for text, _ in rows]
    predicted = [result.label for result in classifier.predict(texts, sentiment_encoder().encode_layers(texts))]
    gold = [label for _, label in rows]
    per_class = f1_score(gold, predicted, labels=list(LABELS), average=None, zero_division=0)
    return {
        "accuracy": round(float(accuracy_score(gold, predicted)), 4),
        "macro_f1": round(float(f1_score(gold, predicted, labels=list(LABELS), average="macro", zero_division=0)), 4),
        "f1_by_label": {label: round(float(score), 4) for label, score in zip(LABELS, per_class, strict=True)},
        "n": len(rows),
    }


def main(
    data: Annotated[Path, typer.Option("--data", exists=True, dir_okay=False, help="JSONL {text,label}")],
) -> None:
    """Score sentiment; the last stdout line is the metrics JSON."""
    rows = read_jsonl(data, required=("text", "label"))
    bad = sorted({str(row["label"]) for row in rows} - set(LABELS))
    if bad:
        raise typer.BadParameter(f"labels must be one of {LABELS}, found {bad}", param_hint="--data")
    progress(f"classifying {len(rows)} messages")
    emit_metrics(evaluate_sentiment([(str(row["text"]), str(row["label"])) for row in rows]))
