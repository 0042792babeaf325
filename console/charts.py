"""Server-side SVG bar charts: no script and no inline style (the console's content policy forbids both).

Each chart has a text alternative and each bar a tooltip; the table beside it carries the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

WIDTH = 560
BAR_AREA = 150
COLORS = ("#0b4f9c", "#b35c00", "#2e7d32")


def bar_chart(
    title: str,
    labels: Sequence[str],
    series: dict[str, Sequence[float | None]],
    *,
    links: Sequence[str | None] | None = None,
) -> Markup:
    """Grouped vertical bars, one group per label and one bar per series; ``links`` make each group a drill-down."""
    count = max(len(labels), 1)
    peak = max((value or 0 for values in series.values() for value in values), default=0) or 1
    group = WIDTH / count
    bar = max(group / (len(series) + 1), 1.0)
    parts = [
        # With drill-down links inside, the chart is a group of links (an image may not hold controls).
        f'<svg class="chart" role="{"group" if links else "img"}" aria-label="{escape(title)}"'
        f' viewBox="0 0 {WIDTH} {BAR_AREA + 40}" width="{WIDTH}" height="{BAR_AREA + 40}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f'<line x1="0" y1="{BAR_AREA}" x2="{WIDTH}" y2="{BAR_AREA}" stroke="#767676"/>',
    ]
    for index, label in enumerate(labels):
        x0 = index * group
        bars: list[str] = []
        for number, (name, values) in enumerate(series.items()):
            value = values[index] if index < len(values) else None
            height = BAR_AREA * (value or 0) / peak
            x = x0 + bar * (number + 0.5)
            bars.append(
                f'<rect x="{x:.1f}" y="{BAR_AREA - height:.1f}" width="{bar:.1f}" height="{height:.1f}"'
                f' fill="{COLORS[number % len(COLORS)]}"><title>{escape(label)}: {escape(name)} {value}</title></rect>'
            )
        link = links[index] if links and index < len(links) else None
        body = "".join(bars)
        if link:
            said = "; ".join(
                f"{name} {values[index] if index < len(values) else ''}" for name, values in series.items()
            )
            body = f'<a href="{escape(link)}" aria-label="{escape(label)}: {escape(said)}">{body}</a>'
        parts.append(body)
        if count <= 16 or index % max(count // 8, 1) == 0:  # outside the link: its name is the aria-label
            parts.append(
                f'<text x="{x0 + group / 2:.1f}" y="{BAR_AREA + 16}" font-size="11" text-anchor="middle"'
                f' fill="#111" aria-hidden="true">{escape(label[:12])}</text>'
            )
    legend_x = 0
    for number, name in enumerate(series):
        color = COLORS[number % len(COLORS)]
        parts.append(f'<rect x="{legend_x}" y="{BAR_AREA + 26}" width="10" height="10" fill="{color}"/>')
        parts.append(f'<text x="{legend_x + 14}" y="{BAR_AREA + 35}" font-size="11" fill="#111">{escape(name)}</text>')
        legend_x += 14 + 8 * len(name) + 16
    parts.append("</svg>")
    return Markup("".join(parts))
