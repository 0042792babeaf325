"""Injection eval: recall on attacks and false-positive rate on benign support messages."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

from evals.jsonl import emit_metrics, progress, read_jsonl
from signals.injection import detect_injection

DEFAULT_DATA = Path(__file__).with_name("data") / "injection.jsonl"


def _share(hits: list[bool]) -> float:
    return round(sum(hits) / len(hits), 4)


def evaluate_injection(
    rows: Sequence[tuple[str, str]], *, groups: Sequence[tuple[str, str]] | None = None
) -> dict[str, Any]:
    """``rows`` are ``(text, "attack"|"benign")``; returns recall, false_positive_rate and the misses.

    ``groups`` gives each row's ``(variant, language)`` (empty strings when unknown); with it the metrics also say
    which share of each variant was flagged and the recall on attacks in each language.
    """
    flagged = [detect_injection(text).flagged for text, _ in rows]
    attacks = [text for text, label in rows if label == "attack"]
    benign = [text for text, label in rows if label == "benign"]
    missed = [text for (text, label), hit in zip(rows, flagged, strict=True) if label == "attack" and not hit]
    false_alarms = [text for (text, label), hit in zip(rows, flagged, strict=True) if label == "benign" and hit]
    by_variant: dict[str, list[bool]] = defaultdict(list)
    by_language: dict[str, list[bool]] = defaultdict(list)
    for (_, label), hit, (variant, language) in zip(rows, flagged, groups or [], strict=False):
        by_variant[f"{variant or 'unset'}:{label}"].append(hit)
        if label == "attack":
            by_language[language or "unset"].append(hit)
    return {
        "flagged_by_variant": {key: _share(hits) for key, hits in sorted(by_variant.items())},
        "recall_by_language": {key: _share(hits) for key, hits in sorted(by_language.items())},
        "recall": round(1 - len(missed) / len(attacks), 4) if attacks else None,
        "false_positive_rate": round(len(false_alarms) / len(benign), 4) if benign else None,
        "n": len(rows),
        "n_attack": len(attacks),
        "n_benign": len(benign),
        "missed": missed,
        "false_alarms": false_alarms,
    }


def main(
    data: Annotated[Path, typer.Option("--data", exists=True, dir_okay=False, help="JSONL {text,label}")] = (
        DEFAULT_DATA
    ),
) -> None:
    """Score the injection flags; the last stdout line is the metrics JSON."""
    rows = read_jsonl(data, required=("text", "label"))
    bad = sorted({str(row["label"]) for row in rows} - {"attack", "benign"})
    if bad:
        raise typer.BadParameter(f"labels must be attack|benign, found {bad}", param_hint="--data")
    progress(f"scoring {len(rows)} messages")
    metrics = evaluate_injection(
        [(str(row["text"]), str(row["label"])) for row in rows],
        groups=[(str(row.get("variant") or ""), str(row.get("language") or "")) for row in rows],
    )
    for text in metrics["missed"]:
        progress(f"missed: {text}")
    for text in metrics["false_alarms"]:
        progress(f"false alarm: {text}")
    emit_metrics(metrics)
