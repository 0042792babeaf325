"""QA of the conversation suite with a real model: a per-scenario table, and a LangSmith experiment when keyed.

``support-agent eval conversations --model provider:model`` runs the scenarios against a server answering with
that model. Offline (no ``LANGSMITH_API_KEY``) it prints the table; with a key it also uploads the run as an
experiment (``langsmith.aevaluate``) on the dataset of the scenarios, with a ``passed`` feedback per scenario.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from typing import Any

DATASET = "support-agent conversations"
RunScenario = Callable[[dict[str, Any]], Awaitable[list[dict[str, Any]]]]
"""Runs one scenario through the server; returns its failures (scenario, step, problem)."""


def result_table(metrics: dict[str, Any], *, model: str) -> str:
    """One line per scenario (PASS or FAIL with its first problem), then the count."""
    problems: dict[str, list[dict[str, Any]]] = {}
    for failure in metrics["failures"]:
        problems.setdefault(failure["scenario"], []).append(failure)
    width = max((len(name) for name in metrics["results"]), default=8)
    lines = [f"{'scenario':<{width}}  result  first problem"]
    for name, passed in metrics["results"].items():
        first = problems.get(name, [{}])[0]
        detail = "" if passed else f"step {first.get('step')}: {first.get('problem', '')}"
        lines.append(f"{name:<{width}}  {'PASS' if passed else 'FAIL':<6}  {detail}")
    lines.append(f"passed {metrics['passed']}/{metrics['n']} with model {model}")
    return "\n".join(lines)


def langsmith_enabled() -> bool:
    """An experiment is uploaded only with a LangSmith key."""
    return bool(os.environ.get("LANGSMITH_API_KEY"))


def _examples(client: Any, scenarios: list[dict[str, Any]]) -> list[Any]:
    """The dataset's examples for ``scenarios``, creating the dataset and the missing examples first."""
    if client.has_dataset(dataset_name=DATASET):
        dataset = client.read_dataset(dataset_name=DATASET)
    else:
        dataset = client.create_dataset(DATASET, description="Scripted support conversations (evals/data).")
    known = {example.inputs.get("scenario") for example in client.list_examples(dataset_id=dataset.id)}
    missing = [s for s in scenarios if s["name"] not in known]
    if missing:
        client.create_examples(
            dataset_id=dataset.id,
            examples=[{"inputs": {"scenario": s["name"]}, "outputs": {"failures": []}} for s in missing],
        )
    wanted = {s["name"] for s in scenarios}
    return [e for e in client.list_examples(dataset_id=dataset.id) if e.inputs.get("scenario") in wanted]


def passed(outputs: dict[str, Any]) -> dict[str, Any]:
    """The per-scenario feedback: 1.0 when no step failed, with the problems as the comment."""
    failures = outputs.get("failures") or []
    comment = "; ".join(f"step {f['step']}: {f['problem']}" for f in failures) or None
    return {"key": "passed", "score": float(not failures), "comment": comment}


async def upload_experiment(scenarios: list[dict[str, Any]], run: RunScenario, *, model: str) -> dict[str, Any]:
    """Run ``scenarios`` as a LangSmith experiment; returns the suite's metrics (as ``run_suite`` does)."""
    from langsmith import Client, aevaluate

    client = Client()
    by_name = {s["name"]: s for s in scenarios}
    seen: dict[str, list[dict[str, Any]]] = {}

    async def target(inputs: dict[str, Any]) -> dict[str, Any]:
        name = str(inputs["scenario"])
        seen[name] = await run(by_name[name])
        return {"failures": seen[name]}

    results = await aevaluate(
        target,
        data=_examples(client, scenarios),
        evaluators=[passed],
        experiment_prefix=f"conversations {model}",
        metadata={"model": model, "suite": "conversations"},
        max_concurrency=1,  # the scenarios share one server and set up tickets and handoffs in order
        client=client,
    )
    await results.wait()
    ordered = [s["name"] for s in scenarios if s["name"] in seen]
    return {
        "n": len(ordered),
        "passed": sum(not seen[name] for name in ordered),
        "results": {name: not seen[name] for name in ordered},
        "failures": [failure for name in ordered for failure in seen[name]],
        "experiment": results.experiment_name,
    }
