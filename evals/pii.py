"""PII eval: per-type recall and precision of the detector, and how much gold PII survives redaction."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

from evals.jsonl import emit_metrics, progress, read_jsonl

DEFAULT_DATA = Path(__file__).with_name("data") / "pii.jsonl"
KEPT_BY_POLICY = frozenset({"LOCATION", "ORGANIZATION"})
"""Gold types the product does not mask on their own (a country, city or company is not a direct identifier; a whole
street address is, and is annotated STREET_ADDRESS). Their leak is still reported, apart from the direct ones."""
COVERED = 0.8
"""A gold span counts as found (and not leaked) when this share of its non-space characters is redacted."""


def _coverage(start: int, end: int, found: Sequence[tuple[int, int]], text: str) -> float:
    wanted = [i for i in range(start, end) if not text[i].isspace()]
    if not wanted:
        return 1.0
    hit = sum(1 for i in wanted if any(s <= i < e for s, e in found))
    return hit / len(wanted)


def evaluate_pii(rows: Sequence[tuple[str, Sequence[tuple[int, int, str]]]]) -> dict[str, Any]:
    """``rows`` are ``(text, [(start, end, type), ...])``; scores redact_pii in mask mode."""
    from signals.pii import redact_pii

    gold_total: dict[str, int] = defaultdict(int)
    gold_found: dict[str, int] = defaultdict(int)
    leaked: dict[str, int] = defaultdict(int)
    predicted_total: dict[str, int] = defaultdict(int)
    predicted_right: dict[str, int] = defaultdict(int)
    for text, spans in rows:
        result = redact_pii(text, mode="mask")
        found = [(span.start, span.end) for span in result.spans]
        for start, end, kind in spans:
            gold_total[kind] += 1
            if _coverage(start, end, found, text) >= COVERED:
                gold_found[kind] += 1
            # Leak: the gold text is still readable in what we would store.
            if text[start:end] in result.text or _coverage(start, end, found, text) < COVERED:
                leaked[kind] += 1
        for span in result.spans:
            predicted_total[span.type] += 1
            overlaps = any(span.start < end and start < span.end for start, end, _ in spans)
            if overlaps:
                predicted_right[span.type] += 1
    n_gold = sum(gold_total.values())
    direct = [kind for kind in gold_total if kind not in KEPT_BY_POLICY]
    n_direct = sum(gold_total[kind] for kind in direct)
    return {
        "direct_identifier_leak_rate": round(sum(leaked[kind] for kind in direct) / n_direct, 4) if n_direct else 0.0,
        "kept_by_policy": sorted(KEPT_BY_POLICY & set(gold_total)),
        "recall": {kind: round(gold_found[kind] / total, 4) for kind, total in sorted(gold_total.items())},
        "precision": {kind: round(predicted_right[kind] / total, 4) for kind, total in sorted(predicted_total.items())},
        "leak_rate": round(sum(leaked.values()) / n_gold, 4) if n_gold else 0.0,
        "leak_rate_by_type": {kind: round(leaked[kind] / total, 4) for kind, total in sorted(gold_total.items())},
        "overall_recall": round(sum(gold_found.values()) / n_gold, 4) if n_gold else None,
        "overall_precision": round(sum(predicted_right.values()) / max(1, sum(predicted_total.values())), 4),
        "n": len(rows),
        "n_spans": n_gold,
    }


def main(
    data: Annotated[Path, typer.Option("--data", exists=True, dir_okay=False, help="JSONL {text,spans}")] = (
        DEFAULT_DATA
    ),
) -> None:
    """Score PII redaction; the last stdout line is the metrics JSON."""
    rows = []
    for row in read_jsonl(data, required=("text", "spans")):
        spans = [(int(s["start"]), int(s["end"]), str(s["type"])) for s in row["spans"]]
        rows.append((str(row["text"]), spans))
    progress(f"redacting {len(rows)} messages")
    emit_metrics(evaluate_pii(rows))
