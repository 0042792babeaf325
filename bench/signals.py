"""Benchmark of the classify step: all signals for one message, timed per message after warm-up.

Covers redaction, intent, sentiment, urgency, language, injection and cues. Prints p50/p95 and throughput, then a
message-length sweep (100, 1,000 and 8,000 characters, the message limit) with each stage's median, because a
message's length must not decide the latency.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from signals.analyzer import SignalAnalyzer

DATA_DIR = Path(__file__).resolve().parents[1] / "evals" / "data"
SWEEP_LENGTHS = (100, 1_000, 8_000)


def _messages() -> list[str]:
    texts: list[str] = []
    for name in ("escalation.jsonl", "pii.jsonl", "injection.jsonl"):
        for line in (DATA_DIR / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                texts.append(str(json.loads(line)["text"]))
    return texts


def main(
    n: Annotated[int, typer.Option("--n", min=1, help="Messages to classify.")] = 500,
    sweep_n: Annotated[int, typer.Option("--sweep-n", min=0, help="Messages per length in the sweep.")] = 20,
) -> None:
    """Classify ``n`` messages one at a time (as the graph does) and print latency percentiles."""
    from signals.analyzer import get_analyzer

    started = time.perf_counter()
    analyzer = get_analyzer()
    analyzer.warm_up()
    print(f"warm-up (models loaded, classifiers fitted): {time.perf_counter() - started:.1f} s")
    messages = _messages()
    timings: list[float] = []
    cpu_timings: list[float] = []
    wall = time.perf_counter()
    for index in range(n):
        text = messages[index % len(messages)]
        begin, begin_cpu = time.perf_counter(), time.process_time()
        analyzer.analyze(text)
        timings.append((time.perf_counter() - begin) * 1000)
        cpu_timings.append((time.process_time() - begin_cpu) * 1000)
    elapsed = time.perf_counter() - wall
    p50, p95 = _percentile(timings, 0.5), _percentile(timings, 0.95)
    print(f"messages: {n} ({len(messages)} distinct), load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"wall p50: {p50:.2f} ms  p95: {p95:.2f} ms  max: {max(timings):.2f} ms")
    # CPU time is what the step costs when the machine is not shared; wall time includes waiting for a core.
    print(f"cpu  p50: {_percentile(cpu_timings, 0.5):.2f} ms  p95: {_percentile(cpu_timings, 0.95):.2f} ms")
    print(f"throughput: {n / elapsed:.0f} messages/s")
    _stages(messages[: min(len(messages), 200)])
    sweep = _length_sweep(analyzer, messages, sweep_n) if sweep_n else {}
    print(json.dumps({"p50_ms": round(p50, 2), "p95_ms": round(p95, 2), "n": n, "by_length": sweep}))


def messages_of_length(messages: list[str], length: int, count: int) -> list[str]:
    """``count`` distinct messages of exactly ``length`` characters, made by joining real ones in turn."""
    built: list[str] = []
    for start in range(count):
        parts: list[str] = []
        index = start
        while sum(len(part) + 1 for part in parts) < length:
            parts.append(messages[index % len(messages)])
            index += 7  # a stride, so consecutive messages differ
        built.append(" ".join(parts)[:length])
    return built


def _length_sweep(analyzer: SignalAnalyzer, messages: list[str], count: int) -> dict[str, dict[str, float]]:
    """Classify p50/p95 and stage medians at each sweep length (uncached texts: each one is new)."""
    result: dict[str, dict[str, float]] = {}
    for length in SWEEP_LENGTHS:
        texts = messages_of_length(messages, length, count)
        timings = []
        for text in texts:
            begin = time.perf_counter()
            analyzer.analyze(text)
            timings.append((time.perf_counter() - begin) * 1000)
        p50, p95 = _percentile(timings, 0.5), _percentile(timings, 0.95)
        print(f"length {length:>5} chars: classify p50 {p50:.2f} ms  p95 {p95:.2f} ms  (n={count})")
        _stages(texts)
        result[str(length)] = {"p50_ms": round(p50, 2), "p95_ms": round(p95, 2)}
    return result


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(share * len(ordered))) - 1))]


def _stages(messages: list[str]) -> None:
    """Median wall time of each stage, to show where the budget goes."""
    from knowledge.embeddings import get_local_embeddings
    from signals.injection import detect_injection
    from signals.language import detect_language
    from signals.pii import find_pii

    # Every message was classified above, so the recent-text caches would answer: time the uncached work.
    encoder = get_local_embeddings()
    vectors = {text: encoder.encode_layers([text])[0] for text in messages}
    stages: dict[str, Callable[[str], object]] = {
        "pii": find_pii,
        "embedding": lambda text: encoder.encode_uncached([text]),
        "language": detect_language,
        "injection": lambda text: detect_injection(text, layers=vectors[text]),
    }
    parts = []
    for name, stage in stages.items():
        spent = []
        for text in messages:
            begin = time.perf_counter()
            stage(text)
            spent.append((time.perf_counter() - begin) * 1000)
        parts.append(f"{name} {statistics.median(spent):.2f}")
    print("stage medians (ms): " + ", ".join(parts))
