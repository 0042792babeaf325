"""Staff API for support analytics and proactive alerts over a time range (computed from stored events)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from server.routes.support_deps import PoolDep, TenantDep, api_error, require
from support.alerts import intent_spikes, repeat_contacts
from support.analytics import Bucket, RangeError, TimeRange, support_metrics

router = APIRouter(prefix="/analytics", tags=["analytics"], dependencies=[require("analytics.read")])


def _window(start: datetime | None, end: datetime | None, bucket: Bucket) -> TimeRange:
    """Default: the last 7 days; naive times are UTC."""
    end = end or datetime.now(UTC)
    start = start or end - timedelta(days=7)
    end, start = (t if t.tzinfo else t.replace(tzinfo=UTC) for t in (end, start))
    return TimeRange(start, end, bucket)


@router.get("", response_model=None)
async def metrics(
    pool: PoolDep,
    tenant: TenantDep,
    start: datetime | None = None,
    end: datetime | None = None,
    bucket: Bucket = "day",
    top: Annotated[int, Query(ge=1, le=100)] = 10,
) -> dict[str, Any] | JSONResponse:
    """Resolution (automated vs assisted), escalation, CSAT, first response, sentiment, intents, articles."""
    try:
        window = _window(start, end, bucket)
    except RangeError as error:
        return api_error(422, str(error), {"start": start, "end": end, "bucket": bucket})
    return await support_metrics(pool, tenant, window, top=top)


@router.get("/alerts", response_model=None)
async def alerts(
    pool: PoolDep,
    tenant: TenantDep,
    start: datetime | None = None,
    end: datetime | None = None,
    bucket: Bucket = "hour",
    baseline: Annotated[int, Query(ge=2, le=1000, description="Buckets of history to compare with.")] = 24,
    z: Annotated[float, Query(gt=0, le=100)] = 3.0,
    min_count: Annotated[int, Query(ge=1)] = 5,
) -> dict[str, Any] | JSONResponse:
    """Intent spikes in the bucket that contains ``end`` and repeat contacts about open tickets in the range."""
    try:
        window = _window(start, end, "day")
    except RangeError as error:
        return api_error(422, str(error), {"start": start, "end": end})
    spikes = await intent_spikes(
        pool, tenant, at=window.end, bucket=bucket, baseline_buckets=baseline, z_threshold=z, min_count=min_count
    )
    repeats = await repeat_contacts(pool, tenant, start=window.start, end=window.end)
    return {"at": window.end, "bucket": bucket, "intent_spikes": spikes, "repeat_contacts": repeats}
