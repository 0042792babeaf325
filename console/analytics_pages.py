"""The analytics page: server-drawn charts with their numbers in tables beside them, CSV per table, drill-downs.

A day or an intent links to its conversations, a team to its handoffs in the inbox.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from console.access import Staff, need
from console.charts import bar_chart
from console.pages import render
from server.routes.support_deps import PoolDep
from support.alerts import intent_spikes, repeat_contacts
from support.analytics import TimeRange, support_metrics

router = APIRouter(prefix="/analytics")
Reader = Annotated[Staff, need("analytics.read")]
Table = Literal["volume", "intents", "teams", "articles", "models"]
MAX_DAYS = 92
VOLUME_COLUMNS = (
    "day",
    "conversations",
    "escalated",
    "resolved_automated",
    "resolved_assisted",
    "confirmed",
    "csat_average",
    "csat_responses",
    "first_response_ms_average",
    "human_first_response_s_median",
    "handoffs",
)


def _window(days: int) -> TimeRange:
    end = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    return TimeRange(end - timedelta(days=min(max(days, 1), MAX_DAYS)), end, "day")


def _tables(report: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    volume = [{"day": row["bucket"].date().isoformat(), **row} for row in report["buckets"]]
    return {
        "volume": [{key: row.get(key) for key in VOLUME_COLUMNS} for row in volume],
        "intents": report["top_intents"],
        "teams": report["teams"],
        "articles": report["articles"],
        "models": report["model"].get("by_model", []),
    }


@router.get("", response_class=HTMLResponse)
async def analytics_page(request: Request, staff: Reader, pool: PoolDep, days: int = 7) -> HTMLResponse:
    """Volume, resolution, escalation by intent and team, CSAT, response times, KB effectiveness, cost, alerts."""
    tenant = staff.identity.tenant
    window = _window(days)
    report = await support_metrics(pool, tenant, window, top=15)
    tables = _tables(report)
    volume, intents, teams = tables["volume"], tables["intents"], tables["teams"]
    day_links = [f"/console/conversations?since={row['day']}&until={row['day']}" for row in volume]
    charts = {
        "volume": bar_chart(
            "Conversations and escalations per day",
            [row["day"][5:] for row in volume],
            {
                "conversations": [row["conversations"] for row in volume],
                "escalated": [row["escalated"] for row in volume],
            },
            links=day_links,
        ),
        "resolution": bar_chart(
            "Resolved by the bot alone and with a person, per day",
            [row["day"][5:] for row in volume],
            {
                "automated": [row["resolved_automated"] for row in volume],
                "assisted": [row["resolved_assisted"] for row in volume],
            },
            links=day_links,
        ),
        "intents": bar_chart(
            "Conversations and escalations by intent",
            [str(row["intent"]) for row in intents],
            {
                "conversations": [row["conversations"] for row in intents],
                "escalated": [row["escalated"] for row in intents],
            },
            links=[f"/console/conversations?intent={row['intent']}" for row in intents],
        ),
        "teams": bar_chart(
            "Escalated conversations by team, and those still waiting",
            [str(row["team"]) for row in teams],
            {"escalated": [row["escalated"] for row in teams], "waiting": [row["waiting"] for row in teams]},
            links=[f"/console/inbox?team={row['team']}" for row in teams],
        ),
    }
    spikes = await intent_spikes(pool, tenant, at=window.end, bucket="hour", baseline_buckets=24, z_threshold=3.0)
    repeats = await repeat_contacts(pool, tenant, start=window.start, end=window.end)
    return render(
        request,
        "analytics.html",
        staff,
        active="analytics",
        days=(window.end - window.start).days,
        report=report,
        tables=tables,
        charts=charts,
        spikes=spikes,
        repeats=repeats,
        columns=VOLUME_COLUMNS,
    )


@router.get("/{table}.csv", response_model=None)
async def table_csv(table: Table, staff: Reader, pool: PoolDep, days: int = 7) -> Response:
    """One of the page's tables as CSV."""
    rows = _tables(await support_metrics(pool, staff.identity.tenant, _window(days), top=100))[table]
    out = io.StringIO()
    columns = list(rows[0]) if rows else ["empty"]
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    disposition = f'attachment; filename="{table}-{days}d.csv"'
    return Response(out.getvalue(), media_type="text/csv", headers={"content-disposition": disposition})
