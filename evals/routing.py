"""Routing eval: fit the intent classifier on labelled examples, score accuracy, macro-F1 and out-of-scope F1."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

from evals.jsonl import emit_metrics, progress, read_jsonl
from signals.encoder_tuning import TuningConfig
from signals.intent_classifier import IntentClassifierConfig
from signals.types import OUT_OF_SCOPE


def evaluate_routing(
    examples: Sequence[tuple[str, str]],
    data: Sequence[tuple[str, str]],
    *,
    config: IntentClassifierConfig | None = None,
    cache_dir: Path | None = None,
) -> dict[str, Any]:
    """Fit on ``examples`` ``(text, label)`` and score predictions on ``data`` (labels may include out_of_scope)."""
    from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

    from knowledge.embeddings import get_local_embeddings
    from signals.intent_classifier import IntentClassifier
    from signals.taxonomy import Taxonomy

    encoder = get_local_embeddings()
    taxonomy = Taxonomy.from_examples((text, label) for text, label in examples if label != OUT_OF_SCOPE)
    progress(f"fitting on {len(examples)} examples, {len(taxonomy.intents)} intents")
    classifier = IntentClassifier.fit(taxonomy, encoder, config=config, cache_dir=cache_dir)
    progress(f"predicting {len(data)} messages")
    predictions = [p.intent for p in classifier.predict([text for text, _ in data])]
    gold = [label for _, label in data]
    precision, recall, f1, _ = precision_recall_fscore_support(
        gold, predictions, labels=[OUT_OF_SCOPE], average=None, zero_division=0
    )
    in_scope = [i for i, label in enumerate(gold) if label != OUT_OF_SCOPE]
    return {
        "accuracy": round(float(accuracy_score(gold, predictions)), 4),
        "in_scope_accuracy": _accuracy([gold[i] for i in in_scope], [predictions[i] for i in in_scope]),
        "macro_f1": round(float(f1_score(gold, predictions, average="macro", zero_division=0)), 4),
        "out_of_scope_precision": round(float(precision[0]), 4),
        "out_of_scope_recall": round(float(recall[0]), 4),
        "out_of_scope_f1": round(float(f1[0]), 4),
        "recall_by_label": _recall_by_label(gold, predictions),
        "n": len(data),
        "n_examples": len(examples),
        "n_intents": len(taxonomy.intents),
    }


def _accuracy(gold: list[str], predicted: list[str]) -> float | None:
    if not gold:
        return None
    return round(sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(gold), 4)


def _recall_by_label(gold: list[str], predicted: list[str]) -> dict[str, float]:
    """Share of each label's messages routed to it: which intents the few-shot sample serves badly."""
    totals: dict[str, list[int]] = {}
    for g, p in zip(gold, predicted, strict=True):
        totals.setdefault(g, [0, 0])
        totals[g][0] += g == p
        totals[g][1] += 1
    return {label: round(hit / count, 4) for label, (hit, count) in sorted(totals.items())}


def _pairs(rows: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(str(row["text"]), str(row["label"])) for row in rows]


def few_shot(pairs: Sequence[tuple[str, str]], per_label: int, seed: int) -> list[tuple[str, str]]:
    """``per_label`` examples of each label drawn with ``seed`` (all of a label's examples when it has fewer)."""
    import random

    by_label: dict[str, list[str]] = {}
    for text, label in pairs:
        by_label.setdefault(label, []).append(text)
    rng = random.Random(seed)
    return [
        (text, label)
        for label in sorted(by_label)
        for text in rng.sample(by_label[label], min(per_label, len(by_label[label])))
    ]


def main(
    data: Annotated[Path, typer.Option("--data", exists=True, dir_okay=False, help="JSONL {text,label} to score.")],
    examples: Annotated[
        Path, typer.Option("--examples", exists=True, dir_okay=False, help="JSONL {text,label}: the taxonomy.")
    ],
    extra_data: Annotated[
        list[Path] | None, typer.Option("--extra-data", exists=True, help="More JSONL to score (e.g. OOS).")
    ] = None,
    tune: Annotated[
        bool | None,
        typer.Option(
            "--tune/--no-tune", help="Contrastively fine-tune the encoder first (default: as the server does)."
        ),
    ] = None,
    steps: Annotated[int | None, typer.Option("--steps", min=1, help="Fine-tuning steps (with --tune).")] = None,
    per_label: Annotated[
        int | None, typer.Option("--per-label", min=1, help="Fit on this many examples per intent (sampled).")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the --per-label sample.")] = 0,
) -> None:
    """Score intent routing; the last stdout line is the metrics JSON.

    By default this measures what the server runs: tuning only when INTENT_TUNING_STEPS is set (off by default).
    """
    from settings import get_settings

    configured = get_settings().intent_tuning_steps
    tune = configured > 0 if tune is None else tune
    scored = _pairs(read_jsonl(data, required=("text", "label")))
    for path in extra_data or []:
        scored += _pairs(read_jsonl(path, required=("text", "label")))
    config = IntentClassifierConfig(
        tuning=TuningConfig(steps=steps or configured or TuningConfig().steps) if tune else None
    )
    taxonomy = _pairs(read_jsonl(examples, required=("text", "label")))
    if per_label is not None:
        taxonomy = few_shot(taxonomy, per_label, seed)
    metrics = evaluate_routing(
        taxonomy,
        scored,
        config=config,
        cache_dir=get_settings().data_dir / "models",
    )
    metrics["tuned"] = tune
    emit_metrics(metrics)
