"""Erase one customer from the checkpoints of a thread that other customers also wrote in.

The thread's current checkpoint is rewritten in place through the checkpointer (same checkpoint id, so a
pending interrupt and its writes stay valid): the customer's turns become tombstones and every other channel
that one of their runs wrote, or that names them, is emptied. Older checkpoints that still hold their
messages are deleted with their writes and the blobs only they used; earlier history stays as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import CheckpointTuple
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from psycopg import AsyncConnection

from support.connections import fetch_all
from support.erasure_scrub import Needles, mentions, scrub_messages

_MESSAGES = "messages"


@dataclass
class ThreadScrub:
    """What scrubbing one thread changed."""

    rewritten: int = 0
    checkpoints_deleted: int = 0
    writes_deleted: int = 0
    blobs_deleted: int = 0
    deleted_ids: list[str] = field(default_factory=list)


def _version(version: Any) -> str | None:
    return None if version is None else str(version)


def _run_of(entry: CheckpointTuple) -> str | None:
    run_id = (entry.metadata or {}).get("run_id")
    return str(run_id) if run_id else None


def _tainted(entry: CheckpointTuple, needles: Needles, runs: frozenset[str]) -> bool:
    """Whether the checkpoint was made by one of the customer's runs or its state holds their data."""
    if _run_of(entry) in runs:
        return True
    values = entry.checkpoint.get("channel_values", {})
    return any(mentions(value, needles) for value in values.values())


def _writers(history: list[CheckpointTuple], channel: str, version: Any) -> str | None:
    """The run that wrote ``channel`` at ``version``: the oldest checkpoint that already had that version."""
    writer: str | None = None
    for entry in history:  # newest first
        if entry.checkpoint.get("channel_versions", {}).get(channel) != version:
            break
        writer = _run_of(entry)
    return writer


async def _rewrite_latest(
    saver: AsyncPostgresSaver, history: list[CheckpointTuple], needles: Needles, runs: frozenset[str]
) -> set[tuple[str, str]]:
    """Put a scrubbed copy of the newest checkpoint over itself; returns the (channel, version) pairs replaced."""
    latest = history[0]
    checkpoint = latest.checkpoint
    values: dict[str, Any] = dict(checkpoint.get("channel_values", {}))
    versions = dict(checkpoint.get("channel_versions", {}))
    new_versions: dict[str, Any] = {}
    for channel, value in list(values.items()):
        if channel == _MESSAGES and isinstance(value, list):
            scrubbed = scrub_messages(value, needles)
            if scrubbed == value:
                continue
            values[channel] = scrubbed
        elif _writers(history, channel, versions.get(channel)) in runs or mentions(value, needles):
            if isinstance(value, bool | int | float) or value is None:
                continue  # counters and flags carry nothing of the customer, and keep the turn numbering
            del values[channel]  # an emptied channel reads as the state's default
        else:
            continue
        new_versions[channel] = saver.get_next_version(_version(versions.get(channel)), None)
    if not new_versions:
        return set()
    replaced = {(channel, str(versions[channel])) for channel in new_versions if channel in versions}
    rewritten = {**checkpoint, "channel_values": values, "channel_versions": {**versions, **new_versions}}
    parent: RunnableConfig = latest.parent_config or {
        "configurable": {k: v for k, v in latest.config["configurable"].items() if k != "checkpoint_id"}
    }
    await saver.aput(parent, rewritten, latest.metadata, new_versions)  # type: ignore[arg-type]
    return replaced


async def _drop_tainted_writes(
    conn: AsyncConnection[Any], thread_id: str, entry: CheckpointTuple, needles: Needles
) -> int:
    dropped = 0
    ns = entry.config["configurable"].get("checkpoint_ns", "")
    checkpoint_id = entry.config["configurable"]["checkpoint_id"]
    for task_id, channel, value in entry.pending_writes or ():
        if mentions(value, needles):
            cursor = await conn.execute(
                "DELETE FROM checkpoint_writes WHERE thread_id = %s AND checkpoint_ns = %s AND checkpoint_id = %s"
                " AND task_id = %s AND channel = %s",
                (thread_id, ns, checkpoint_id, task_id, channel),
            )
            dropped += cursor.rowcount
    return dropped


async def scrub_thread_checkpoints(
    conn: AsyncConnection[Any], thread_id: str, needles: Needles, runs: frozenset[str]
) -> ThreadScrub:
    """Remove the customer from a kept thread's checkpoint history (see the module docstring)."""
    saver = AsyncPostgresSaver(conn=conn)
    result = ThreadScrub()
    config: RunnableConfig = {"configurable": {"thread_id": thread_id}}
    history = [entry async for entry in saver.alist(config)]  # newest first, every namespace
    if not history:
        return result
    main = [e for e in history if e.config["configurable"].get("checkpoint_ns", "") == ""]
    latest_id = main[0].config["configurable"]["checkpoint_id"] if main else None
    orphan_candidates: set[tuple[str, str, str]] = set()
    if main:
        replaced = await _rewrite_latest(saver, main, needles, runs)
        result.rewritten = 1 if replaced else 0
        orphan_candidates |= {("", channel, version) for channel, version in replaced}
        result.writes_deleted += await _drop_tainted_writes(conn, thread_id, main[0], needles)
    doomed = [
        e for e in history if e.config["configurable"]["checkpoint_id"] != latest_id and _tainted(e, needles, runs)
    ]
    for entry in doomed:
        ns = entry.config["configurable"].get("checkpoint_ns", "")
        orphan_candidates |= {(ns, ch, str(v)) for ch, v in entry.checkpoint.get("channel_versions", {}).items()}
        result.deleted_ids.append(entry.config["configurable"]["checkpoint_id"])
    if result.deleted_ids:
        cursor = await conn.execute(
            "DELETE FROM checkpoint_writes WHERE thread_id = %s AND checkpoint_id = ANY(%s)",
            (thread_id, result.deleted_ids),
        )
        result.writes_deleted += cursor.rowcount
        cursor = await conn.execute(
            "DELETE FROM checkpoints WHERE thread_id = %s AND checkpoint_id = ANY(%s)",
            (thread_id, result.deleted_ids),
        )
        result.checkpoints_deleted = cursor.rowcount
    result.blobs_deleted = await _delete_unreferenced(conn, thread_id, orphan_candidates)
    return result


async def _delete_unreferenced(
    conn: AsyncConnection[Any], thread_id: str, candidates: set[tuple[str, str, str]]
) -> int:
    """Delete the candidate blobs that no remaining checkpoint of the thread refers to."""
    if not candidates:
        return 0
    rows = await fetch_all(
        conn,
        "SELECT checkpoint_ns AS ns, versions.key AS channel, versions.value AS version FROM checkpoints,"
        " jsonb_each_text(checkpoint->'channel_versions') AS versions WHERE thread_id = %s",
        (thread_id,),
    )
    referenced = {(str(r["ns"]), str(r["channel"]), str(r["version"])) for r in rows}
    deleted = 0
    for ns, channel, version in sorted(candidates - referenced):
        cursor = await conn.execute(
            "DELETE FROM checkpoint_blobs WHERE thread_id = %s AND checkpoint_ns = %s AND channel = %s"
            " AND version = %s",
            (thread_id, ns, channel, version),
        )
        deleted += cursor.rowcount
    return deleted
