"""Read every row of every table of a database, with checkpoint blobs and writes decoded, for data-rights tests."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import psycopg
from langchain_core.messages import BaseMessage
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from psycopg import sql
from psycopg.rows import dict_row

# Columns that change on every request whoever it is for (a key's last use), left out of the row digests.
VOLATILE = {"api_keys": ("last_used_at",)}
_SERDE = JsonPlusSerializer()


@dataclass
class ScannedRow:
    """One row: its digest (its exact text), its columns, and everything it says (decoded blobs included)."""

    table: str
    digest: str
    values: dict[str, Any]
    text: str


@dataclass
class Scan:
    """Every row of every base table, by table."""

    rows: dict[str, list[ScannedRow]] = field(default_factory=dict)

    def all(self) -> list[ScannedRow]:
        """Every row of every table."""
        return [row for rows in self.rows.values() for row in rows]

    def digests(self, table: str) -> Counter[str]:
        """The multiset of the table's row digests."""
        return Counter(row.digest for row in self.rows.get(table, []))


def strings(value: Any) -> list[str]:
    """Every string inside a decoded value (LangChain messages, dicts, lists, dataclass-like objects)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, BaseMessage):
        return strings(value.model_dump())
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in [str(k), *strings(v)]]
    if isinstance(value, list | tuple | set | frozenset):
        return [s for item in value for s in strings(item)]
    if value is None or isinstance(value, int | float | bool | bytes):
        return []
    return [str(value)]


def decode(type_: str | None, blob: bytes | None) -> str:
    """A checkpoint blob or write decoded with LangGraph's serializer, as its strings joined."""
    if blob is None or type_ in (None, "empty"):
        return ""
    return "\n".join(strings(_SERDE.loads_typed((type_, bytes(blob)))))


def scan(url: str) -> Scan:
    """Every row of every base table outside the system schemas (information_schema lists them)."""
    result = Scan()
    with psycopg.connect(url, autocommit=True) as conn:
        tables = conn.execute(
            "SELECT table_schema, table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE'"
            " AND table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2"
        ).fetchall()
        for schema, table in tables:
            drop = sql.SQL("").join(sql.SQL(" - {}").format(sql.Literal(c)) for c in VOLATILE.get(table, ()))
            query = sql.SQL("SELECT (to_jsonb(t){})::text AS row_text, t.* FROM {} AS t").format(
                drop, sql.Identifier(schema, table)
            )
            rows: list[ScannedRow] = []
            with conn.cursor(row_factory=dict_row) as cur:
                for record in cur.execute(query):
                    row_text = str(record.pop("row_text"))
                    text = row_text
                    if "blob" in record and "type" in record:
                        text += "\n" + decode(record["type"], record["blob"])
                    digest = hashlib.sha256(row_text.encode()).hexdigest()
                    rows.append(ScannedRow(table, digest, record, text.lower()))
            result.rows[table] = rows
    return result


def checkpoint_texts(found: Scan) -> dict[tuple[str, str, str], str]:
    """(thread, namespace, checkpoint id) -> the checkpoint's whole state: its row and every blob it refers to."""
    blobs = {
        (r.values["thread_id"], r.values["checkpoint_ns"], r.values["channel"], r.values["version"]): r.text
        for r in found.rows.get("checkpoint_blobs", [])
    }
    states: dict[tuple[str, str, str], str] = {}
    for row in found.rows.get("checkpoints", []):
        thread, ns = row.values["thread_id"], row.values["checkpoint_ns"]
        versions = (row.values["checkpoint"] or {}).get("channel_versions", {})
        parts = [row.text] + [blobs.get((thread, ns, ch, str(v)), "") for ch, v in versions.items()]
        states[(thread, ns, row.values["checkpoint_id"])] = "\n".join(parts)
    return states


def blob_users(found: Scan) -> dict[tuple[str, str, str, str], list[tuple[str, str, str]]]:
    """(thread, namespace, channel, version) of each blob -> the checkpoints that refer to it."""
    users: dict[tuple[str, str, str, str], list[tuple[str, str, str]]] = {}
    for row in found.rows.get("checkpoints", []):
        thread, ns = row.values["thread_id"], row.values["checkpoint_ns"]
        for channel, version in ((row.values["checkpoint"] or {}).get("channel_versions", {})).items():
            key = (thread, ns, channel, str(version))
            users.setdefault(key, []).append((thread, ns, row.values["checkpoint_id"]))
    return users
