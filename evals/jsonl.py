"""Reading eval sets (JSON Lines) with errors that name the file and line, and printing the metrics line."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def read_jsonl(path: Path, *, required: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Every object in ``path``; raises ValueError naming the line that is not an object or misses a key."""
    rows: list[dict[str, Any]] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise ValueError(f"{path}:{number}: not JSON ({error.msg})") from error
        if not isinstance(row, dict):
            raise ValueError(f"{path}:{number}: expected a JSON object")
        missing = [key for key in required if key not in row]
        if missing:
            raise ValueError(f"{path}:{number}: missing {', '.join(missing)}")
        rows.append(row)
    if not rows:
        raise ValueError(f"{path}: no examples")
    return rows


def progress(message: str) -> None:
    """Progress goes to stderr so the last stdout line stays the metrics JSON."""
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def emit_metrics(metrics: dict[str, Any]) -> None:
    """Print the metrics object as the last line of stdout."""
    sys.stdout.write(json.dumps(metrics, sort_keys=True) + "\n")
    sys.stdout.flush()
