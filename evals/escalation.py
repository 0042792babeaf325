"""Escalation eval: precision, recall and F1 of the single-message escalation decision, per variant and reason.

A row's optional ``reason`` (e.g. ``hint3:curekart:test:CHAT_WITH_AGENT``) names its source; its first two
fields are the variant the figures are split by. ``by_rule`` counts which policy rule fired on the true
positives and on the false alarms, so a regression points at the rule that caused it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

from evals.jsonl import emit_metrics, progress, read_jsonl

DEFAULT_DATA = Path(__file__).with_name("data") / "escalation.jsonl"


def _scores(true_positive: int, false_positive: int, false_negative: int) -> dict[str, float]:
    precision = true_positive / max(1, true_positive + false_positive)
    recall = true_positive / max(1, true_positive + false_negative)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def _variant_scores(counts: Counter[str]) -> dict[str, float]:
    """F1 where the variant has positives; for every variant its size and false-alarm rate on its negatives."""
    positives = counts["true_positive"] + counts["false_negative"]
    negatives = counts["false_positive"] + counts["true_negative"]
    scores = _scores(counts["true_positive"], counts["false_positive"], counts["false_negative"]) if positives else {}
    return scores | {
        "n": positives + negatives,
        "false_positive_rate": round(counts["false_positive"] / negatives, 4) if negatives else 0.0,
    }


def variant_of(reason: str) -> str:
    """``hint3:curekart:test:CHAT_WITH_AGENT`` -> ``hint3:curekart``; rows without a reason are ``all``."""
    return ":".join(reason.split(":")[:2]) if reason else "all"


def evaluate_escalation(
    rows: Sequence[tuple[str, bool]], *, refund_threshold: float = 200.0, variants: Sequence[str] | None = None
) -> dict[str, Any]:
    """``rows`` are ``(text, should_escalate)``; each message is judged alone (no thread history).

    ``variants`` (same order as ``rows``) splits the figures by source.
    """
    from graph.policy import EscalationInputs, decide_escalation
    from signals.analyzer import SignalAnalyzer

    analyzer = SignalAnalyzer()
    counts: dict[str, Counter[str]] = defaultdict(Counter)  # variant -> tp/fp/fn
    by_rule: dict[str, Counter[str]] = {"true_positive": Counter(), "false_positive": Counter()}
    mistakes: list[dict[str, Any]] = []
    for index, (text, expected) in enumerate(rows):
        decision = decide_escalation(EscalationInputs(analyzer.analyze(text), refund_threshold=refund_threshold))
        variant = variants[index] if variants is not None else "all"
        outcome = "true_negative"
        if decision.escalate and expected:
            outcome = "true_positive"
        elif decision.escalate:
            outcome = "false_positive"
        elif expected:
            outcome = "false_negative"
        counts[variant][outcome] += 1
        if outcome == "true_negative":
            continue
        if decision.reason is not None:
            by_rule[outcome][decision.reason] += 1
        if outcome != "true_positive":
            mistakes.append({"text": text, "expected": expected, "reason": decision.reason, "variant": variant})
    total: Counter[str] = sum(counts.values(), Counter())
    by_variant = {variant: _variant_scores(c) for variant, c in sorted(counts.items())}
    return {
        **_scores(total["true_positive"], total["false_positive"], total["false_negative"]),
        "n": len(rows),
        "by_variant": by_variant,
        "by_rule": {outcome: dict(rules) for outcome, rules in by_rule.items()},
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
    metrics = evaluate_escalation(
        [(str(row["text"]), bool(row["escalate"])) for row in rows],
        variants=[variant_of(str(row.get("reason", ""))) for row in rows],
    )
    for mistake in metrics.pop("mistakes"):
        progress(f"mistake: {mistake}")
    emit_metrics(metrics)
