"""The eval table: rows read from data, placeholders resolved, figures found, verdicts per check."""

from __future__ import annotations

from pathlib import Path

from evals.table import TARGETS_PATH, Check, figure, format_table, load_rows


def test_rows_resolve_data_paths_and_extra_checks(tmp_path: Path) -> None:
    targets = tmp_path / "targets.yaml"
    targets.write_text(
        "rows:\n"
        "  - {suite: pii, args: [--data, '{shared}/pii/x.jsonl'], metric: leak_rate, target: 0.05, goal: max}\n"
        "  - {suite: retrieval, args: [--queries, '{own}/q.jsonl'], metric: recall@10, target: 0.6,\n"
        "     also: {p95_ms: [50, max], ndcg@10: 0.5}}\n"
    )
    pii, retrieval = load_rows(targets, shared=tmp_path / "shared", own=tmp_path / "own")
    assert pii.args == ("--data", str(tmp_path / "shared" / "pii" / "x.jsonl"))
    assert pii.label == "pii x.jsonl"
    assert pii.checks == (Check("leak_rate", 0.05, "max"),)
    assert retrieval.checks == (Check("recall@10", 0.6), Check("p95_ms", 50.0, "max"), Check("ndcg@10", 0.5))


def test_shipped_targets_name_existing_suites() -> None:
    from cli import EVAL_SUITES

    rows = load_rows(TARGETS_PATH)
    assert rows and {row.suite for row in rows} <= set(EVAL_SUITES)


def test_figures_and_verdicts() -> None:
    metrics = {"f1": 0.93, "recall@10": 0.5, "by_variant": {"hint3": {"f1": 0.6}}, "flag": True}
    assert figure(metrics, "recall@10") == 0.5
    assert figure(metrics, "by_variant.hint3.f1") == 0.6
    assert figure(metrics, "flag") is None
    assert figure(metrics, "missing") is None
    assert Check("f1", 0.9).passed(0.93) is True
    assert Check("p95_ms", 50, "max").passed(61.0) is False
    assert Check("f1", None).passed(0.93) is None


def test_table_shows_pass_fail_and_skipped_rows(tmp_path: Path) -> None:
    targets = tmp_path / "targets.yaml"
    targets.write_text(
        "rows:\n"
        "  - {suite: escalation, args: [--data, a.jsonl], metric: f1, target: 0.9}\n"
        "  - {suite: escalation, args: [--data, b.jsonl], metric: f1, target: 0.9}\n"
        "  - {suite: sentiment, args: [--data, c.jsonl], metric: macro_f1, target: 0.65}\n"
    )
    a, b, c = load_rows(targets)
    lines = format_table([(a, {"f1": 0.95}), (b, {"f1": 0.4}), (c, "SKIP")]).splitlines()
    assert lines[1].endswith("PASS") and "escalation a.jsonl" in lines[1]
    assert lines[2].endswith("FAIL")
    assert lines[3].endswith("SKIP")
