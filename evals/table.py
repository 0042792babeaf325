"""Run every eval suite on the data that is present and print one table: headline figure, target, pass or fail.

The rows are data (evals/targets.yaml), so a new suite slots in with a row, not code. Each row runs
``support-agent eval SUITE ARGS`` in a subprocess (a fresh process per suite, as a user would run it) and reads
the suite's last stdout line, the metrics JSON every suite prints.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

ROOT = Path(__file__).resolve().parents[1]
TARGETS_PATH = Path(__file__).with_name("targets.yaml")
SHARED_DATA = ROOT.parent / "shared" / "data"
OWN_DATA = Path(__file__).with_name("data")


@dataclass(frozen=True)
class Check:
    """One figure and its target: ``goal`` "min" means the figure must reach the target, "max" stay under it."""

    metric: str
    target: float | None
    goal: str = "min"

    def passed(self, value: float | None) -> bool | None:
        """None when there is no target or no figure."""
        if self.target is None or value is None:
            return None
        return value >= self.target if self.goal == "min" else value <= self.target


@dataclass(frozen=True)
class Row:
    """One suite on one data set."""

    suite: str
    args: tuple[str, ...]
    checks: tuple[Check, ...]
    files: tuple[Path, ...] = field(default=())

    @property
    def label(self) -> str:
        """The suite and the data file it reads (the last path argument)."""
        return f"{self.suite} {self.files[-1].name}" if self.files else self.suite


def load_rows(path: Path = TARGETS_PATH, *, shared: Path = SHARED_DATA, own: Path = OWN_DATA) -> list[Row]:
    """The table's rows, with ``{shared}`` and ``{own}`` in the arguments resolved."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    rows: list[Row] = []
    for entry in raw.get("rows", []):
        args = tuple(str(arg).format(shared=shared, own=own) for arg in entry.get("args", []))
        files = tuple(Path(arg) for arg in args if arg.endswith(".jsonl"))
        checks = [Check(str(entry["metric"]), _number(entry.get("target")), str(entry.get("goal", "min")))]
        for metric, spec in (entry.get("also") or {}).items():
            target, goal = (spec, entry.get("goal", "min")) if not isinstance(spec, list) else spec
            checks.append(Check(str(metric), _number(target), str(goal)))
        rows.append(Row(str(entry["suite"]), args, tuple(checks), files))
    return rows


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def figure(metrics: dict[str, Any], metric: str) -> float | None:
    """``metrics[metric]``, or the nested value a dotted ``metric`` names; None when absent or not a number."""
    value: Any = metrics.get(metric)
    if value is None and "." in metric:
        value = metrics
        for part in metric.split("."):
            value = value.get(part) if isinstance(value, dict) else None
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def run_row(row: Row) -> dict[str, Any]:
    """The suite's metrics JSON (its last stdout line); raises RuntimeError with its stderr tail on failure."""
    command = [sys.executable, "-m", "cli", "eval", row.suite, *row.args]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"{row.label} exited {done.returncode}: {done.stderr.strip()[-500:]}")
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def format_table(results: list[tuple[Row, dict[str, Any] | str]]) -> str:
    """One line per check: suite and file, metric, figure, target, PASS / FAIL / - (no target) / SKIP / ERROR."""
    lines = [f"{'suite / data':<52} {'metric':<18} {'figure':>8} {'target':>10}  result"]
    for row, outcome in results:
        for check in row.checks:
            if isinstance(outcome, str):
                value, verdict = None, outcome
            else:
                value = figure(outcome, check.metric)
                passed = check.passed(value)
                verdict = "-" if passed is None else ("PASS" if passed else "FAIL")
            shown = "" if value is None else f"{value:.4g}"
            target = "" if check.target is None else f"{'>=' if check.goal == 'min' else '<='} {check.target:g}"
            lines.append(f"{row.label:<52} {check.metric:<18} {shown:>8} {target:>10}  {verdict}")
    return "\n".join(lines)


def main(
    only: Annotated[list[str] | None, typer.Option("--only", help="Run only these suites.")] = None,
    targets: Annotated[Path, typer.Option("--targets", exists=True, dir_okay=False)] = TARGETS_PATH,
) -> None:
    """Run the suites whose data is present and print the table; the last line is every row's metrics as JSON."""
    results: list[tuple[Row, dict[str, Any] | str]] = []
    for row in load_rows(targets):
        if only and row.suite not in only:
            continue
        if not all(path.exists() for path in row.files):
            results.append((row, "SKIP"))
            continue
        sys.stderr.write(f"running {row.label}\n")
        try:
            results.append((row, run_row(row)))
        except RuntimeError as error:
            sys.stderr.write(f"{error}\n")
            results.append((row, "ERROR"))
    sys.stdout.write(format_table(results) + "\n")
    summary = {row.label: outcome for row, outcome in results}
    sys.stdout.write(json.dumps(summary, sort_keys=True) + "\n")


if __name__ == "__main__":
    typer.run(main)
