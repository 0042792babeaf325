"""The scenario file format: what the runner refuses before it starts a server."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.conversations import DEFAULT_DATA, STAFF_ACTIONS, validate
from evals.jsonl import DataFileError, read_jsonl

SOURCE = Path("scenarios.jsonl")


@pytest.mark.parametrize(
    ("scenario", "named"),
    [
        ({"name": "x", "steps": []}, "non-empty list of steps"),
        ({"name": "x", "steps": [{"say": "hi", "staff": "reply"}]}, "step 0: one of"),
        ({"name": "x", "steps": [{"staff": "fire"}]}, "staff must be one of"),
        ({"name": "x", "steps": [{"expect": {"mood": "good"}}]}, "unknown expectation mood"),
        ({"name": "x", "customers": {"ana": {}}, "steps": [{"say": "hi", "customer": "bob"}]}, "unknown customer"),
        (
            {
                "name": "x",
                "steps": [{"say": "hi"}, {"say": "again", "thread": "later"}, {"expect": {"resolved": False}}],
            },
            "step 2: follows a step in thread 'later'",
        ),
    ],
)
def test_a_bad_scenario_is_refused_naming_the_step(scenario: dict[str, object], named: str) -> None:
    with pytest.raises(DataFileError, match=named):
        validate([scenario], SOURCE)


def test_the_shipped_suite_covers_every_part_of_the_lifecycle_and_is_valid() -> None:
    scenarios = read_jsonl(DEFAULT_DATA, required=("name", "steps"))
    validate(scenarios, DEFAULT_DATA)
    assert len(scenarios) >= 30
    actions = {step["staff"] for s in scenarios for step in s["steps"] if "staff" in step}
    assert actions == set(STAFF_ACTIONS)
    topics = {s["name"].split(":")[0] for s in scenarios}
    assert {"lifecycle", "resolution", "tickets", "language", "pii", "memory"} <= topics
