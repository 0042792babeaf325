"""Who else has a handoff open: each open page reports itself while it polls, and is forgotten after a while.

Kept in this process's memory: it is a hint for colleagues, not a lock (claims are the lock, in the database).
"""

from __future__ import annotations

import time

SEEN_FOR_S = 20.0
_viewers: dict[tuple[str, int], dict[str, float]] = {}


def viewing(tenant: str, handoff_id: int, who: str, *, now: float | None = None) -> list[str]:
    """Record that ``who`` has the handoff open; return the others who had it open in the last few seconds."""
    at = time.monotonic() if now is None else now
    seen = _viewers.setdefault((tenant, handoff_id), {})
    seen[who] = at
    for name, last in list(seen.items()):
        if at - last > SEEN_FOR_S:
            del seen[name]
    return sorted(name for name in seen if name != who)
