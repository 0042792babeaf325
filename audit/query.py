"""Read the audit log of a tenant: a filtered page for the API, or every matching row for an export."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg import sql
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

COLUMNS = (
    "id",
    "at",
    "tenant",
    "actor_role",
    "actor_subject",
    "action",
    "target_type",
    "target_id",
    "client_ip",
    "details",
)
EXPORT_BATCH = 1000


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditFilter:
    """Which rows: an exact action, an actor (``subject`` or ``role:subject``), a time range [since, until).

    ``customer`` is the ``customer_ref`` of a customer: records that target them or name them in details.
    """

    tenant: str
    action: str | None = None
    actor: str | None = None
    customer: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def where(self) -> tuple[sql.Composable, list[Any]]:
        """The WHERE clause and its parameters."""
        clauses = [sql.SQL("tenant = %s")]
        params: list[Any] = [self.tenant]
        if self.action:
            clauses.append(sql.SQL("action = %s"))
            params.append(self.action)
        if self.actor:
            clauses.append(sql.SQL("(actor_subject = %s OR actor_role || ':' || actor_subject = %s)"))
            params += [self.actor, self.actor]
        if self.customer:
            clauses.append(sql.SQL("((target_type = 'customer' AND target_id = %s) OR details->>'customer_id' = %s)"))
            params += [self.customer, self.customer]
        if self.since:
            clauses.append(sql.SQL("at >= %s"))
            params.append(self.since)
        if self.until:
            clauses.append(sql.SQL("at < %s"))
            params.append(self.until)
        return sql.SQL(" AND ").join(clauses), params


def _select() -> sql.Composable:
    return sql.SQL("SELECT {} FROM audit_log").format(sql.SQL(", ").join(map(sql.Identifier, COLUMNS)))


async def search_audit(
    pool: AsyncConnectionPool[Any], where: AuditFilter, *, limit: int, offset: int
) -> list[dict[str, Any]]:
    """One page of matching rows, newest first."""
    clause, params = where.where()
    query = sql.SQL("{} WHERE {} ORDER BY at DESC, id DESC LIMIT %s OFFSET %s").format(_select(), clause)
    async with pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(query, [*params, limit, offset])
        return list(await cur.fetchall())


async def iter_audit(pool: AsyncConnectionPool[Any], where: AuditFilter) -> AsyncIterator[dict[str, Any]]:
    """Every matching row, oldest first, read in batches by id so an export of any size holds little memory."""
    clause, params = where.where()
    query = sql.SQL("{} WHERE {} AND id > %s ORDER BY id LIMIT %s").format(_select(), clause)
    after = 0
    while True:
        async with pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(query, [*params, after, EXPORT_BATCH])
            rows = await cur.fetchall()
        for row in rows:
            yield row
        if len(rows) < EXPORT_BATCH:
            return
        after = rows[-1]["id"]
