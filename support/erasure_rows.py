"""Scrub the erased customer out of other people's rows: every text, JSON or text-array column of a table."""

from __future__ import annotations

from typing import Any, LiteralString

from psycopg import AsyncConnection, sql
from psycopg.types.json import Jsonb

from support.connections import fetch_all
from support.erasure_scrub import Needles, scrub_value

_TEXT_TYPES = frozenset({"text", "character varying", "jsonb", "json", "ARRAY"})


async def _text_columns(conn: AsyncConnection[Any], table: str) -> dict[str, str]:
    rows = await fetch_all(
        conn,
        "SELECT column_name, data_type FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name = %s",
        (table,),
    )
    return {str(r["column_name"]): str(r["data_type"]) for r in rows if r["data_type"] in _TEXT_TYPES}


async def scrub_rows(
    conn: AsyncConnection[Any], table: str, where: LiteralString, params: tuple[Any, ...], needles: Needles
) -> int:
    """Rewrite the columns of ``table``'s rows matching ``where`` that mention the customer; returns rows changed."""
    columns = await _text_columns(conn, table)
    if not columns:
        return 0
    select = sql.SQL("SELECT ctid::text AS row_ref, {} FROM {} WHERE " + where + " FOR UPDATE").format(
        sql.SQL(", ").join(sql.Identifier(c) for c in columns), sql.Identifier(table)
    )
    cursor = await conn.execute(select, params)
    changed = 0
    for row in await cursor.fetchall():
        updates: dict[str, Any] = {}
        for column, kind in columns.items():
            value = row[column]
            scrubbed = scrub_value(value, needles)
            if scrubbed != value:
                updates[column] = Jsonb(scrubbed) if kind in ("jsonb", "json") else scrubbed
        if not updates:
            continue
        assignments = sql.SQL(", ").join(sql.SQL("{} = %s").format(sql.Identifier(c)) for c in updates)
        update = sql.SQL("UPDATE {} SET {} WHERE ctid = %s::tid").format(sql.Identifier(table), assignments)
        await conn.execute(update, (*updates.values(), row["row_ref"]))
        changed += 1
    return changed
