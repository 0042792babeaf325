"""Escalation eval: precision, recall and F1 of the single-message escalation decision."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

from evals.jsonl import emit_metrics, progress, read_jsonl

DEFAULT_DATA = Path(__file__).with_name("data") / "escalation.jsonl"


def evaluate_escalation(rows: Sequence[tuple[str, bool]], *, refund_threshold: float = 200.0) -> dict[str, Any]:
    """``rows`` are ``(text, should_escalate)``; each message is judged alone (no thread history)."""
    from graph.policy import EscalationInputs, decide_escalation
    from signals.analyzer import SignalAnalyzer

    analyzer = SignalAnalyzer()
    true_positive = false_positive = false_negative = 0
    mistakes: list[dict[str, Any]] = []
    for text, expected in rows:
        decision = decide_escalation(EscalationInputs(analyzer.analyze(text), refund_threshold=refund_threshold))
        if decision.escalate and expected:
            true_positive += 1
        elif decision.escalate:
            false_positive += 1
            mistakes.append({"text": text, "expected": expected, "reason": decision.reason})
        elif expected:
            false_negative += 1
            mistakes.append({"text": text, "expected": expected, "reason": None})
    precision = true_positive / max(1, true_positive + false_positive)
    recall = true_positive / max(1, true_positive + false_negative)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "n": len(rows),
        "mistakes": mistakes,
    }


def main(
    data: Annotated[Path, typer.Option("--data", exists=True, dir_okay=False, help="JSONL {text,escalate}")] = (
        DEFAULT_DATA
    ),
) -> None:
    """Score escalation decisions; the last stdout line is the metrics JSON."""
    rows = read_jsonl(data, required=("text", "escalate"))
    progress(f"deciding {len(rows)} messages")
    metrics = evaluate_escalation([(str(row["text"]), bool(row["escalate"])) for row in rows])
    for mistake in metrics["mistakes"]:
        progress(f"mistake: {mistake}")
    emit_metrics(metrics)
