"""Token usage of a turn's answer and its estimated cost (USD), from a price list or LLM_PRICE_* settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict

from settings import get_settings

PRICES_PER_MTOK: dict[str, tuple[float, float, float]] = {
    # model name (without provider): (input, output, cached input) in USD per million tokens
    "gpt-4.1": (2.00, 8.00, 0.50),
    "gpt-4.1-mini": (0.40, 1.60, 0.10),
    "gpt-4.1-nano": (0.10, 0.40, 0.025),
    "gpt-4o": (2.50, 10.00, 1.25),
    "gpt-4o-mini": (0.15, 0.60, 0.075),
    "offline": (0.0, 0.0, 0.0),
}


class TurnUsage(TypedDict):
    """Tokens the answer of one turn used, over every model call (tool rounds and fallbacks included)."""

    model: str
    input_tokens: int
    output_tokens: int
    cached_tokens: int
    calls: int


def add_usage(previous: TurnUsage | None, model: str, tokens: tuple[int, int, int]) -> TurnUsage:
    """``previous`` plus one call's (input, output, cached) tokens; ``model`` is the latest that answered."""
    base = previous or TurnUsage(model=model, input_tokens=0, output_tokens=0, cached_tokens=0, calls=0)
    return TurnUsage(
        model=model,
        input_tokens=base["input_tokens"] + tokens[0],
        output_tokens=base["output_tokens"] + tokens[1],
        cached_tokens=base["cached_tokens"] + tokens[2],
        calls=base["calls"] + 1,
    )


def prices_for(model: str) -> tuple[float, float, float] | None:
    """(input, output, cached) USD per million tokens: the LLM_PRICE_* settings, else the list, else None."""
    if model == "offline":  # runs on our own hardware, whatever the configured prices
        return PRICES_PER_MTOK["offline"]
    settings = get_settings()
    listed = PRICES_PER_MTOK.get(model.partition(":")[2] or model)
    configured = (settings.llm_price_input_per_mtok, settings.llm_price_output_per_mtok)
    if configured[0] is not None and configured[1] is not None:
        cached = settings.llm_price_cached_per_mtok
        return configured[0], configured[1], configured[0] if cached is None else cached
    return listed


def estimated_cost(usage: TurnUsage) -> float | None:
    """USD for ``usage`` (cached input at its own price), or None when the model has no known price."""
    prices = prices_for(usage["model"])
    if prices is None:
        return None
    fresh = max(usage["input_tokens"] - usage["cached_tokens"], 0)
    total = fresh * prices[0] + usage["output_tokens"] * prices[1] + usage["cached_tokens"] * prices[2]
    return round(total / 1_000_000, 8)


@dataclass(frozen=True, slots=True)
class ModelTurn:
    """How a turn's answer was made, as analytics stores it (support/events.record_turn); fields in column order."""

    model: str | None
    answered_by: str | None
    model_failure: str | None
    input_tokens: int
    output_tokens: int
    cached_tokens: int
    cost_usd: float | None
