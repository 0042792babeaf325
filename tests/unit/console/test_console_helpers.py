"""The console's small pure pieces: the SLA clock, the SVG chart, the sign-in redirect."""

from __future__ import annotations

import pytest

from console.charts import bar_chart
from console.pages import clock
from console.signin import _safe_next


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (0, "0s"),
        (59, "59s"),
        (60, "1m"),
        (3599, "59m"),
        (3600, "1h 00m"),
        (3 * 3600 + 5 * 60, "3h 05m"),
        (90000, "1d 1h"),
    ],
)
def test_sla_clock_reads_like_people_say_it(seconds: int, shown: str) -> None:
    assert clock(seconds) == shown


def test_chart_escapes_labels_links_each_group_and_uses_no_inline_style() -> None:
    svg = str(bar_chart("Per <day>", ["a<b", "c"], {"count": [2, None]}, links=["/x?a=1&b=2", None]))
    assert "style=" not in svg and "<script" not in svg
    assert "a&lt;b" in svg and "Per &lt;day&gt;" in svg and 'href="/x?a=1&amp;b=2"' in svg
    assert svg.count("<a ") == 1 and 'height="150.0"' in svg and 'height="0.0"' in svg


@pytest.mark.parametrize(
    ("target", "followed"),
    [
        ("/console/customers", "/console/customers"),
        ("https://evil.example/console", "/console/inbox"),
        ("//evil.example/console", "/console/inbox"),
        ("/console//evil.example", "/console/inbox"),
        (None, "/console/inbox"),
    ],
)
def test_sign_in_only_follows_console_paths(target: str | None, followed: str) -> None:
    assert _safe_next(target) == followed
