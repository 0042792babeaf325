"""Benchmark of the classify step: all signals for one message, timed per message after warm-up.

Covers redaction, intent, sentiment, urgency, language, injection and cues. Prints p50/p95 and throughput.
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path
from typing import Annotated

import typer

DATA_DIR = Path(__file__).resolve().parents[1] / "evals" / "data"


def _messages() -> list[str]:
    texts: list[str] = []
    for name in ("escalation.jsonl", "pii.jsonl", "injection.jsonl"):
        for line in (DATA_DIR / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                texts.append(str(json.loads(line)["text"]))
    return texts


def main(n: Annotated[int, typer.Option("--n", min=1, help="Messages to classify.")] = 500) -> None:
    """Classify ``n`` messages one at a time (as the graph does) and print latency percentiles."""
    from signals.analyzer import get_analyzer

    started = time.perf_counter()
    analyzer = get_analyzer()
    analyzer.warm_up()
    print(f"warm-up (models loaded, classifiers fitted): {time.perf_counter() - started:.1f} s")
    messages = _messages()
    timings: list[float] = []
    wall = time.perf_counter()
    for index in range(n):
        text = messages[index % len(messages)]
        begin = time.perf_counter()
        analyzer.analyze(text)
        timings.append((time.perf_counter() - begin) * 1000)
    elapsed = time.perf_counter() - wall
    timings.sort()
    p95 = timings[min(len(timings) - 1, int(round(0.95 * len(timings))) - 1)]
    print(f"messages: {n} ({len(messages)} distinct)")
    print(f"p50: {statistics.median(timings):.2f} ms")
    print(f"p95: {p95:.2f} ms")
    print(f"max: {timings[-1]:.2f} ms")
    print(f"throughput: {n / elapsed:.0f} messages/s")
    print(json.dumps({"p50_ms": round(statistics.median(timings), 2), "p95_ms": round(p95, 2), "n": n}))
