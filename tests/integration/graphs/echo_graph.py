"""A tiny graph for server-infrastructure tests: it echoes the last message after an optional delay.

Its reply names how many customer messages the thread holds, so ordering and loss are visible.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Annotated

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage
from langgraph.graph import StateGraph, add_messages
from langgraph.runtime import Runtime


@dataclass
class EchoState:
    messages: Annotated[Sequence[AnyMessage], add_messages] = field(default_factory=list)


@dataclass(kw_only=True)
class EchoContext:
    delay_s: float = 0.0
    customer_id: str = "anonymous"


async def echo(state: EchoState, runtime: Runtime[EchoContext]) -> dict[str, list[AnyMessage]]:
    await asyncio.sleep(runtime.context.delay_s)
    if os.environ.get("ECHO_FAIL") and runtime.context.delay_s > 0:
        raise RuntimeError("echo graph told to fail slow runs (ECHO_FAIL)")
    humans = [m for m in state.messages if isinstance(m, HumanMessage)]
    last = humans[-1].content if humans else ""
    return {"messages": [AIMessage(content=f"echo #{len(humans)}: {last}")]}


builder = StateGraph(EchoState, context_schema=EchoContext)
builder.add_node("echo", echo)
builder.set_entry_point("echo")
graph = builder.compile()
