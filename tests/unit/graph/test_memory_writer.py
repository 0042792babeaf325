import asyncio
import logging

import pytest

from graph.memory import MemoryWriter, memory_namespace


def test_namespace_labels_cannot_contain_dots_but_stay_distinct() -> None:
    assert memory_namespace("acme", "jane.doe@example.com") == (
        "customers",
        "acme",
        "jane%2Edoe@example%2Ecom",
        "memories",
    )
    assert memory_namespace("acme", "a%2Eb") != memory_namespace("acme", "a.b")


async def test_jobs_of_one_customer_run_in_order_and_flush_waits_for_them() -> None:
    writer = MemoryWriter()
    events: list[str] = []

    def job(name: str, delay: float):
        async def run() -> None:
            events.append(f"start {name}")
            await asyncio.sleep(delay)
            events.append(f"end {name}")

        return run

    ns = ("customers", "t", "c", "memories")
    writer.schedule(ns, job("first", 0.05))
    writer.schedule(ns, job("second", 0.0))
    writer.schedule(("customers", "t", "other", "memories"), job("other", 0.0))
    assert writer.pending == 3
    await writer.flush()
    assert writer.pending == 0
    assert events.index("end first") < events.index("start second")
    assert events.index("end other") < events.index("end first")  # another customer is not held up


async def test_a_failed_job_is_logged_and_raised_by_flush(caplog: pytest.LogCaptureFixture) -> None:
    writer = MemoryWriter()

    async def broken() -> None:
        raise RuntimeError("store down")

    with caplog.at_level(logging.ERROR, logger="graph.memory"):
        writer.schedule(("customers", "t", "c", "memories"), broken)
        with pytest.raises(RuntimeError, match="store down"):
            await writer.flush()
    assert "memory update failed" in caplog.text
