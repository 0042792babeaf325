"""deploy/nginx.conf for real, in front of two replicas: it parses, spreads clients, and streams events as they come."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from langgraph_sdk import get_client

from server.launcher import ServerProcess
from tests.nginx_server import DEPLOY_NGINX_CONF, NginxProcess, loopback_config
from tests.sdk_turns import ask

pytestmark = pytest.mark.integration

RUN_DELAY_S = 4.0


def _balancer(replicas: list[ServerProcess], directory: Path, *, source: str | None = None) -> NginxProcess:
    nginx = NginxProcess(directory, config="")
    nginx.config = loopback_config([server.port for server in replicas], listen=nginx.port, source=source)
    return nginx


@pytest.fixture
def balancer(replicas: list[ServerProcess], tmp_path: Path) -> Iterator[NginxProcess]:
    nginx = _balancer(replicas, tmp_path).start()
    yield nginx
    nginx.stop()


def test_nginx_accepts_the_deployed_config(replicas: list[ServerProcess], tmp_path: Path) -> None:
    checked = _balancer(replicas, tmp_path).check()
    assert checked.returncode == 0, checked.stderr


async def _stream_arrivals(url: str, headers: dict[str, str]) -> tuple[list[tuple[float, str]], str]:
    """Seconds since the request at which each event arrived, and the thread (the run is silent RUN_DELAY_S)."""
    client = get_client(url=url, headers=headers)
    thread_id = (await client.threads.create())["thread_id"]
    started = time.monotonic()
    arrivals: list[tuple[float, str]] = []
    stream = client.runs.stream(thread_id, "echo", input=ask("through nginx"), context={"delay_s": RUN_DELAY_S})
    try:
        async for part in stream:
            arrivals.append((time.monotonic() - started, part.event))
    except httpx.HTTPError as exc:  # a stream cut by the proxy
        arrivals.append((time.monotonic() - started, f"cut: {exc!r}"))
    return arrivals, thread_id


async def test_a_run_streams_through_nginx_event_by_event(
    replicas: list[ServerProcess], balancer: NginxProcess
) -> None:
    arrivals, thread_id = await _stream_arrivals(balancer.url, replicas[0].headers)
    events = [event for _, event in arrivals]
    assert events[0] == "metadata" and events.count("values") == 2 and events[-1] == "end", events
    # The input state comes at the start, the answer RUN_DELAY_S later: nginx passed the first on at once.
    first_values = next(at for at, event in arrivals if event == "values")
    assert arrivals[-1][0] - first_values >= RUN_DELAY_S / 2, arrivals
    state = await get_client(url=balancer.url, headers=replicas[0].headers).threads.get_state(thread_id)
    assert state["values"]["messages"][-1]["content"] == "echo #1: through nginx"


async def test_the_stream_check_catches_a_proxy_that_cuts_silent_streams(
    replicas: list[ServerProcess], tmp_path: Path
) -> None:
    """The same config with a read timeout shorter than the run's silence: the answer never reaches the client.

    (Measured with nginx 1.22: even ``proxy_buffering on`` passed these events at once, so the read timeout is
    what a proxy in front of SSE gets wrong.)
    """
    cutting = DEPLOY_NGINX_CONF.read_text().replace("proxy_read_timeout 3600s;", "proxy_read_timeout 1s;")
    assert cutting != DEPLOY_NGINX_CONF.read_text()
    nginx = _balancer(replicas, tmp_path, source=cutting).start()
    try:
        arrivals, _ = await _stream_arrivals(nginx.url, replicas[0].headers)
    finally:
        nginx.stop()
    events = [event for _, event in arrivals]
    assert events.count("values") < 2, arrivals  # the answer's values event never came


async def test_nginx_spreads_requests_over_both_replicas(replicas: list[ServerProcess], balancer: NginxProcess) -> None:
    """Round robin over the replicas: its access log names the upstream of every request."""
    client = get_client(url=balancer.url, headers=replicas[0].headers)
    thread_id = (await client.threads.create())["thread_id"]
    for index in range(3):
        result = await client.runs.wait(thread_id, "echo", input=ask(f"spread {index}"))
        assert isinstance(result, dict) and result["messages"][-1]["content"].endswith(f": spread {index}")
    log = (balancer.directory / "nginx.out").read_text()
    used = set(re.findall(r"upstream=(127\.0\.0\.1:\d+)", log))
    assert used == {f"127.0.0.1:{server.port}" for server in replicas}, log[-2000:]
