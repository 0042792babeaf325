"""The QA table and the per-scenario LangSmith feedback of the conversation suite."""

from __future__ import annotations

from evals.conversations_qa import passed, result_table


def test_the_table_has_one_line_per_scenario_with_its_first_problem() -> None:
    metrics = {
        "n": 2,
        "passed": 1,
        "results": {"greets": True, "hands off": False},
        "failures": [
            {"scenario": "hands off", "step": 2, "problem": "in_charge is bot, expected person"},
            {"scenario": "hands off", "step": 3, "problem": "no notice"},
        ],
    }
    lines = result_table(metrics, model="openai:gpt-4.1-mini").splitlines()
    assert lines[1].split() == ["greets", "PASS"]
    assert (
        lines[2].startswith("hands off")
        and lines[2].split("FAIL")[1].strip() == "step 2: in_charge is bot, expected person"
    )
    assert "no notice" not in lines[2]
    assert lines[-1] == "passed 1/2 with model openai:gpt-4.1-mini"


def test_feedback_scores_a_scenario_and_names_its_problems() -> None:
    assert passed({"failures": []}) == {"key": "passed", "score": 1.0, "comment": None}
    failed = passed({"failures": [{"scenario": "s", "step": 4, "problem": "reply in en, expected es"}]})
    assert failed == {"key": "passed", "score": 0.0, "comment": "step 4: reply in en, expected es"}
