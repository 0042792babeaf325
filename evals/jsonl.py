"""Reading eval sets (JSON Lines) with errors that name the file and line, and printing the metrics line."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer


class DataFileError(typer.BadParameter):
    """A malformed eval file; typer prints it as a usage error naming the file and line, not a traceback."""


def read_jsonl(path: Path, *, required: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Every object in ``path``; raises DataFileError naming the line that is not an object or misses a key."""
    rows: list[dict[str, Any]] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise DataFileError(f"{path}:{number}: not JSON ({error.msg})") from error
        if not isinstance(row, dict):
            raise DataFileError(f"{path}:{number}: expected a JSON object")
        missing = [key for key in required if key not in row]
        if missing:
            raise DataFileError(f"{path}:{number}: missing {', '.join(missing)}")
        rows.append(row)
    if not rows:
        raise DataFileError(f"{path}: no examples")
    return rows


def progress(message: str) -> None:
    """Progress goes to stderr so the last stdout line stays the metrics JSON."""
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def emit_metrics(metrics: dict[str, Any]) -> None:
    """Print the metrics object as the last line of stdout."""
    sys.stdout.write(json.dumps(metrics, sort_keys=True) + "\n")
    sys.stdout.flush()
