"""Long-term memory per customer in the LangGraph store: recall for a turn, and the background writer.

Facts live at ("customers", tenant, customer_id, "memories"), one item per stable key (graph/memory_extract.py),
so a new plan replaces the old one instead of piling up. Free-form facts (products, LLM-extracted ones) are
also matched by embedding similarity to an existing fact of the same kind before a new key is created.
The writer runs off the reply path: tasks are kept in a set, and ``flush()`` awaits them (tests, shutdown).
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from datetime import datetime
from functools import lru_cache
from typing import Any

import numpy as np
from langchain_core.language_models import BaseChatModel
from langgraph.store.base import BaseStore, Item

from graph.answer import MODEL_ERRORS, failure_reason
from graph.facts import Extraction, Fact
from graph.memory_extract import TurnRecord, model_text_facts, signal_facts
from graph.memory_rules import rule_text_facts
from graph.state import MemoryFact
from graph.vectors import text_vectors
from signals.pii_pseudonyms import bare_masks

logger = logging.getLogger(__name__)

SIMILAR_FACT = 0.86
"""Cosine similarity above which two facts of one kind are the same fact reworded."""
_EXTRA_FIELDS = ("persona", "language", "channel", "plan")
_FREE_FORM_KINDS = frozenset({"product", "preference", "plan", "open_issue"})

Encoder = Callable[[list[str]], np.ndarray[Any, np.dtype[np.float32]]]


def _label(value: str) -> str:
    # Store namespace labels may not contain "." (it separates labels in SQL); keep them reversible.
    return (value or "_").replace("%", "%25").replace(".", "%2E")


def memory_namespace(tenant: str, customer_id: str) -> tuple[str, ...]:
    """The store namespace of one customer's memories (data-rights export and erase use it too)."""
    return ("customers", _label(tenant), _label(customer_id), "memories")


def _as_fact(item: Item) -> MemoryFact:
    return MemoryFact(
        key=item.key,
        kind=str(item.value.get("kind", "")),
        text=str(item.value.get("text", "")),
        updated_at=str(item.value.get("updated_at", "")),
        extra={key: str(item.value[key]) for key in _EXTRA_FIELDS if item.value.get(key)},
    )


def provenance(thread_id: str | None, turn: int | None, message_id: str | None, at: datetime) -> dict[str, Any]:
    """Where a memory came from: the thread, the customer message (turn number and id) and when (ISO 8601)."""
    return {"thread_id": thread_id or None, "turn": turn, "message_id": message_id, "at": at.isoformat()}


async def recall_memories(store: BaseStore, namespace: tuple[str, ...], *, limit: int = 40) -> list[MemoryFact]:
    """The customer's facts, most recently updated first."""
    items = await store.asearch(namespace, limit=limit)
    items.sort(key=lambda item: str(item.value.get("updated_at", "")), reverse=True)
    return [_as_fact(item) for item in items if item.value.get("text")]


async def _similar_keys(facts: list[Fact], existing: Mapping[str, Item], encode: Encoder) -> dict[int, str]:
    """For each new free-form fact (by index) whose key is new, an existing key of the same kind saying the same."""
    candidates = [i for i, fact in enumerate(facts) if fact.key not in existing and fact.kind in _FREE_FORM_KINDS]
    kinds = {facts[i].kind for i in candidates}
    pool = {key: item for key, item in existing.items() if item.value.get("kind") in kinds}
    if not candidates or not pool:
        return {}
    keys = list(pool)
    texts = [facts[i].text for i in candidates] + [str(pool[k].value.get("text", "")) for k in keys]
    # CPU-bound: off the event loop; known fact texts come from the shared cache.
    vectors = await asyncio.to_thread(text_vectors().encode, encode, texts)
    new, old = vectors[: len(candidates)], vectors[len(candidates) :]
    matches: dict[int, str] = {}
    for row, index in enumerate(candidates):
        sims = old @ new[row]
        for col in np.argsort(-sims):
            key = keys[int(col)]
            if float(sims[col]) < SIMILAR_FACT:
                break
            if pool[key].value.get("kind") == facts[index].kind:
                matches[index] = key
                break
    return matches


async def apply_extraction(
    store: BaseStore,
    namespace: tuple[str, ...],
    extraction: Extraction,
    *,
    now: datetime,
    encode: Encoder | None,
    thread_id: str | None = None,
    source: Mapping[str, Any] | None = None,
    max_facts: int = 40,
) -> list[str]:
    """Upsert the extracted facts, forget resolved ones, keep at most ``max_facts``; returns the keys written.

    ``source`` is the provenance of this write (``provenance(...)``): thread, turn, message id and time.
    """
    found = await store.asearch(namespace, limit=max_facts * 2 + 20)
    existing: dict[str, Item] = {item.key: item for item in found}
    for key in extraction.forget:
        if key in existing:
            await store.adelete(namespace, key)
            existing.pop(key)
    remap = await _similar_keys(extraction.facts, existing, encode) if encode else {}
    stamp = now.isoformat()
    written: list[str] = []
    for index, fact in enumerate(extraction.facts):
        key = remap.get(index, fact.key)
        old = existing.get(key)
        previous: dict[str, Any] = dict(old.value) if old else {}
        text = fact.text if fact.replace_text or not previous.get("text") else str(previous["text"])
        value = (
            previous
            | fact.extra
            | {
                "kind": fact.kind,
                "subject": fact.subject,
                "text": text,
                "updated_at": stamp,
                "created_at": previous.get("created_at", stamp),
                "mentions": int(previous.get("mentions", 0)) + 1,
                "thread_id": thread_id or previous.get("thread_id"),
                "source": dict(source) if source else previous.get("source"),
            }
        )
        await store.aput(namespace, key, value, index=["text"])
        written.append(key)
        if old is None:
            existing[key] = Item(value=value, key=key, namespace=namespace, created_at=now, updated_at=now)
    if len(existing) > max_facts:
        oldest = sorted(existing.values(), key=lambda item: str(item.value.get("updated_at", "")))
        for item in oldest[: len(existing) - max_facts]:
            await store.adelete(namespace, item.key)
    return written


async def learn_from_turn(
    store: BaseStore,
    namespace: tuple[str, ...],
    turn: TurnRecord,
    *,
    model: BaseChatModel | None,
    thread_id: str | None,
    max_facts: int,
) -> list[str]:
    """Extract this turn's durable facts and upsert them (the background job the remember node schedules).

    ``model`` None means the offline path (phrase rules); a real chat model extracts text facts with
    structured output.
    """
    from graph.memory_refs import text_facts
    from knowledge.embeddings import get_local_embeddings

    extraction = signal_facts(turn)
    # References, the company and our promises are read the same way with or without an LLM (spaCy, off the loop).
    day = turn.now.date().isoformat()
    own_tickets = frozenset(ticket["id"] for ticket in turn.tickets)
    extraction.facts += await asyncio.to_thread(
        text_facts, turn.customer_text, turn.answer_text, day=day, own_tickets=own_tickets
    )
    if model is None:
        extraction.facts += rule_text_facts(turn.customer_text)
    else:
        known = [fact["text"] for fact in await recall_memories(store, namespace, limit=max_facts)]
        try:
            extraction.facts += await model_text_facts(model, turn, known)
        except MODEL_ERRORS as error:  # the model is down: remember what the rules find rather than nothing
            logger.warning("memory extraction model failed (%s); using the rules", failure_reason(error))
            extraction.facts += rule_text_facts(turn.customer_text)
    if not extraction.facts and not extraction.forget:
        return []
    # A placeholder such as <EMAIL_1> means something only in its own thread: memory keeps the bare type.
    extraction.facts = [replace(fact, text=bare_masks(fact.text)) for fact in extraction.facts]
    return await apply_extraction(
        store,
        namespace,
        extraction,
        now=turn.now,
        encode=get_local_embeddings().encode,
        thread_id=thread_id,
        source=provenance(thread_id or turn.thread_id, turn.turn, turn.message_id, turn.now),
        max_facts=max_facts,
    )


class MemoryWriter:
    """Runs memory updates as background tasks, one customer at a time, without delaying the reply."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()
        self._locks: weakref.WeakValueDictionary[tuple[int, tuple[str, ...]], asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )

    def schedule(self, namespace: tuple[str, ...], job: Callable[[], Awaitable[None]]) -> asyncio.Task[None]:
        """Start ``job`` in the background; jobs for one namespace run in order, never concurrently."""

        async def run() -> None:
            key = (id(asyncio.get_running_loop()), namespace)
            lock = self._locks.get(key)
            if lock is None:
                lock = self._locks[key] = asyncio.Lock()
            async with lock:
                await job()

        task = asyncio.get_running_loop().create_task(run(), name=f"memory:{'/'.join(namespace)}")
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            # A failed memory write must not fail the conversation; it is logged with its traceback instead.
            logger.error("memory update failed", exc_info=task.exception())

    async def settled(self, namespace: tuple[str, ...], *, timeout_s: float) -> bool:
        """Wait (at most ``timeout_s``) for this loop's updates of ``namespace``; True when none is left.

        A customer's next message, in any thread, should see what their last one taught us; the update is a
        background task of this process, so the new run waits for it here instead of racing it.
        """
        loop = asyncio.get_running_loop()
        name = f"memory:{'/'.join(namespace)}"
        mine = [task for task in self._tasks if task.get_loop() is loop and task.get_name() == name]
        if not mine:
            return True
        _, pending = await asyncio.wait(mine, timeout=timeout_s)
        return not pending

    @property
    def pending(self) -> int:
        """Tasks not finished yet."""
        return len(self._tasks)

    async def flush(self) -> None:
        """Wait until every scheduled update of this event loop is done (raises the first failure)."""
        loop = asyncio.get_running_loop()
        while mine := [task for task in self._tasks if task.get_loop() is loop]:
            results = await asyncio.gather(*mine, return_exceptions=True)
            # Forget them here too: a done task whose callback has not run yet must not make this loop spin
            # (seen once in a long test session: a finished task stayed in the set and flush never returned).
            self._tasks.difference_update(mine)
            failures = [
                r for r in results if isinstance(r, BaseException) and not isinstance(r, asyncio.CancelledError)
            ]
            if failures:
                raise failures[0]


@lru_cache(maxsize=1)
def get_memory_writer() -> MemoryWriter:
    """The process-wide memory writer."""
    return MemoryWriter()
