"""Say "ready" (with the URLs) only once the server answers ``/ready``, not when the process starts.

Start-up loads the models and runs recovery before the port opens (about a minute on a busy machine); printing
the URLs at launch sent people to a port that refused them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence

import httpx

POLL_INTERVAL_S = 0.5


def probe_url(host: str, port: int) -> str:
    """Where this machine reaches a server bound to ``host`` (a wildcard bind answers on loopback)."""
    reachable = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
    return f"http://[{reachable}]:{port}" if ":" in reachable else f"http://{reachable}:{port}"


def answers_ready(base_url: str) -> bool:
    """Whether ``/ready`` says the server can serve (the port is open and the database answers)."""
    try:
        return httpx.get(f"{base_url}/ready", timeout=2.0).status_code == 200
    except httpx.HTTPError:
        return False


def announce_when_ready(
    base_url: str,
    lines: Sequence[str],
    *,
    emit: Callable[[str], None],
    stop: threading.Event | None = None,
) -> threading.Thread:
    """Poll ``/ready`` in a daemon thread; when it answers, ``emit`` every line of ``lines`` once, then stop."""
    stop = stop or threading.Event()

    def watch() -> None:
        while not stop.is_set():
            if answers_ready(base_url):
                for line in lines:
                    emit(line)
                return
            time.sleep(POLL_INTERVAL_S)

    thread = threading.Thread(target=watch, name="ready-banner", daemon=True)
    thread.start()
    return thread
