"""Admin API for the audit log: a filtered page as JSON, or every matching row as NDJSON or CSV."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, StreamingResponse

from audit.log import customer_ref
from audit.query import COLUMNS, AuditFilter, iter_audit, search_audit
from server.routes.support_deps import PoolDep, TenantDep, api_error, require

router = APIRouter(prefix="/audit", tags=["audit"], dependencies=[require("audit.read")])

ActionQuery = Annotated[str | None, Query(max_length=100, description="Exact action, e.g. inbox.claim.")]
ActorQuery = Annotated[str | None, Query(max_length=200, description="Actor subject, or role:subject.")]
CustomerQuery = Annotated[
    str | None, Query(max_length=200, description="A customer id: records about them (stored pseudonymized).")
]
SinceQuery = Annotated[datetime | None, Query(description="From this time on (ISO 8601, inclusive).")]
UntilQuery = Annotated[datetime | None, Query(description="Before this time (ISO 8601, exclusive).")]


async def _audit_filter(
    tenant: TenantDep,
    action: ActionQuery = None,
    actor: ActorQuery = None,
    customer: CustomerQuery = None,
    since: SinceQuery = None,
    until: UntilQuery = None,
) -> AuditFilter | JSONResponse:
    """The records a listing or an export asks for (the same query parameters for both)."""
    if since is not None and until is not None and until <= since:
        return api_error(422, "until must be later than since", {"since": since, "until": until})
    ref = customer_ref(tenant, customer) if customer else None
    return AuditFilter(tenant=tenant, action=action, actor=actor, customer=ref, since=since, until=until)


FilterDep = Annotated[AuditFilter | JSONResponse, Depends(_audit_filter)]


@router.get("", response_model=None)
async def list_audit(
    pool: PoolDep,
    where: FilterDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> dict[str, Any] | JSONResponse:
    """The tenant's audit records, newest first."""
    if isinstance(where, JSONResponse):
        return where
    return {"items": await search_audit(pool, where, limit=limit, offset=offset), "limit": limit, "offset": offset}


async def _ndjson(rows: AsyncIterator[dict[str, Any]]) -> AsyncIterator[str]:
    async for row in rows:
        yield json.dumps(jsonable_encoder(row)) + "\n"


async def _csv(rows: AsyncIterator[dict[str, Any]]) -> AsyncIterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    async for row in rows:
        writer.writerow(
            json.dumps(row[name]) if name == "details" else ("" if row[name] is None else row[name]) for name in COLUMNS
        )
        if buffer.tell() > 64_000:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


@router.get(
    "/export",
    response_model=None,
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "The matching records, oldest first, as NDJSON or CSV.",
            "content": {
                "application/x-ndjson": {"schema": {"type": "string"}},
                "text/csv": {"schema": {"type": "string"}},
            },
        }
    },
)
async def export_audit(
    pool: PoolDep,
    tenant: TenantDep,
    where: FilterDep,
    format: Literal["ndjson", "csv"] = "ndjson",
) -> StreamingResponse | JSONResponse:
    """Every matching record, oldest first, streamed as NDJSON (one JSON object a line) or CSV."""
    if isinstance(where, JSONResponse):
        return where
    rows = iter_audit(pool, where)
    if format == "csv":
        headers = {"Content-Disposition": f'attachment; filename="audit-{tenant}.csv"'}
        return StreamingResponse(_csv(rows), media_type="text/csv", headers=headers)
    headers = {"Content-Disposition": f'attachment; filename="audit-{tenant}.ndjson"'}
    return StreamingResponse(_ndjson(rows), media_type="application/x-ndjson", headers=headers)
