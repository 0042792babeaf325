from collections.abc import Iterator

import pytest

from graph.costs import add_usage, estimated_cost
from settings import get_settings


@pytest.fixture(autouse=True)
def _fresh_settings() -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_usage_adds_up_over_the_calls_of_a_turn() -> None:
    usage = add_usage(None, "openai:gpt-4.1-mini", (1000, 20, 0))
    usage = add_usage(usage, "openai:gpt-4.1-mini", (1500, 80, 1000))
    assert usage == {
        "model": "openai:gpt-4.1-mini",
        "input_tokens": 2500,
        "output_tokens": 100,
        "cached_tokens": 1000,
        "calls": 2,
    }


def test_cached_input_is_priced_at_the_cached_rate() -> None:
    usage = add_usage(None, "openai:gpt-4.1-mini", (2000, 100, 1000))
    # 1000 fresh at 0.40, 1000 cached at 0.10, 100 out at 1.60 (USD per million tokens)
    assert estimated_cost(usage) == pytest.approx((1000 * 0.40 + 1000 * 0.10 + 100 * 1.60) / 1e6)


def test_unknown_models_have_no_cost_unless_prices_are_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    usage = add_usage(None, "openai:my-finetune", (1000, 100, 0))
    assert estimated_cost(usage) is None
    monkeypatch.setenv("LLM_PRICE_INPUT_PER_MTOK", "2")
    monkeypatch.setenv("LLM_PRICE_OUTPUT_PER_MTOK", "8")
    get_settings.cache_clear()
    assert estimated_cost(usage) == pytest.approx((1000 * 2 + 100 * 8) / 1e6)
    assert estimated_cost(add_usage(None, "offline", (1000, 100, 0))) == 0.0
