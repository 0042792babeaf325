"""Confirmation eval: precision and recall of "the customer says it is solved" on labelled messages.

Rows are ``{"text", "confirms"}`` (our hand-written held-out set, evals/data/confirmation_holdout.jsonl, six
languages) or ``{"file", "line", "confirms"}``: a label for a line of a third-party file under ``--shared``
(evals/data/confirmation_third_party.jsonl labels thanks, demands, complaints and questions drawn from the
development data; the rows themselves stay there). The detector never saw any of them
(signals/data/confirmation.yaml holds its training clauses).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

from evals.jsonl import DataFileError, emit_metrics, progress, read_jsonl

DEFAULT_SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def resolve_texts(rows: Sequence[dict[str, Any]], shared: Path) -> list[tuple[str, bool]]:
    """``(text, confirms)`` for each row, reading labelled third-party lines from ``shared``."""
    cache: dict[str, list[str]] = {}
    out: list[tuple[str, bool]] = []
    for row in rows:
        if "text" in row:
            out.append((str(row["text"]), bool(row["confirms"])))
            continue
        name = str(row["file"])
        if name not in cache:
            path = shared / name
            if not path.is_file():
                raise DataFileError(f"{path}: labelled third-party file not found (is --shared right?)")
            cache[name] = path.read_text(encoding="utf-8").splitlines()
        record = json.loads(cache[name][int(row["line"]) - 1])
        out.append((str(record.get("text") or record.get("query") or ""), bool(row["confirms"])))
    return out


def evaluate_confirmation(rows: Sequence[tuple[str, bool]]) -> dict[str, Any]:
    """Precision, recall and F1 of ``confirms_resolution`` on ``(text, gold)`` rows, and the errors."""
    from graph.confirmation import confirms_resolution

    tp = fp = fn = tn = 0
    false_positives: list[str] = []
    false_negatives: list[str] = []
    for text, gold in rows:
        predicted = confirms_resolution(text)
        if predicted and gold:
            tp += 1
        elif predicted:
            fp += 1
            false_positives.append(text[:120])
        elif gold:
            fn += 1
            false_negatives.append(text[:120])
        else:
            tn += 1
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "false_positive_rate": round(fp / (fp + tn), 4) if fp + tn else 0.0,
        "n": len(rows),
        "positives": tp + fn,
        "false_positives": false_positives[:20],
        "false_negatives": false_negatives[:20],
    }


def main(
    data: Annotated[
        list[Path], typer.Option("--data", exists=True, dir_okay=False, help="JSONL {text|file,line; confirms}")
    ],
    shared: Annotated[Path, typer.Option("--shared", help="Where labelled third-party files live")] = DEFAULT_SHARED,
) -> None:
    """Score resolution confirmations; the last stdout line is the metrics JSON."""
    rows = [row for path in data for row in read_jsonl(path, required=("confirms",))]
    texts = resolve_texts(rows, shared)
    progress(f"reading {len(texts)} messages")
    emit_metrics(evaluate_confirmation(texts))
