"""The graph's one clock: the run's ``Context.now`` when given, else system time plus SUPPORT_CLOCK_OFFSET_S.

Everything time-dependent in the graph (memory dates, "last time", resolution timing) reads it, so a test can
play "the customer comes back three days later" without sleeping.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from settings import get_settings


def parse_instant(value: str) -> datetime:
    """An ISO-8601 time; naive values are taken as UTC."""
    instant = datetime.fromisoformat(value)
    return instant if instant.tzinfo else instant.replace(tzinfo=UTC)


def now(context_now: str | None = None) -> datetime:
    """The current time for a run whose context says ``context_now`` (None = the system clock plus offset)."""
    if context_now:
        return parse_instant(context_now)
    return datetime.now(UTC) + timedelta(seconds=get_settings().support_clock_offset_s)
