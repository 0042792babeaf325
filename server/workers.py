"""Serve the API from several processes on one port, each accepting on its own ``SO_REUSEPORT`` socket.

uvicorn's ``--workers`` hands one listening socket to every worker: whichever worker wakes first accepts a burst
of new connections, and keep-alive clients then stay on it (measured: 18 of 20 benchmark clients on one worker of
two, so the second core sat idle). Here every worker binds its own socket with ``SO_REUSEPORT``, and the kernel
spreads new connections over the workers that are listening. A worker only listens once its start-up (models,
recovery sweep) is done, so no connection waits on a worker that is still loading.

The supervisor restarts a worker that dies, and every worker exits when the supervisor does (also after
``kill -9`` of the supervisor), so a killed server leaves no process holding the port or its runs' locks.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from multiprocessing.process import BaseProcess
from multiprocessing.synchronize import Event as EventType
from types import FrameType

import uvicorn

logger = logging.getLogger(__name__)

_SUPERVISE_INTERVAL_S = 0.5
_STOP_TIMEOUT_S = 30.0


def _tcp_socket(host: str) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # connections in TIME_WAIT do not hold the port
    return sock


def reuse_port_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port`` with ``SO_REUSEPORT``; asyncio starts listening on it when serving."""
    sock = _tcp_socket(host)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.setblocking(False)
    return sock


def port_in_use(host: str, port: int) -> bool:
    """Whether another process listens on ``host:port``.

    ``SO_REUSEPORT`` would let our workers join a stale server's port silently; a plain bind cannot.
    """
    with _tcp_socket(host) as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


def _exit_with_parent(parent_pid: int) -> None:
    # A worker whose supervisor was killed (-9) is re-parented; it stops gracefully instead of lingering.
    while os.getppid() == parent_pid:
        time.sleep(1.0)
    os.kill(os.getpid(), signal.SIGTERM)


def _report_when_serving(server: uvicorn.Server, serving: EventType) -> None:
    while not server.started and not server.should_exit:
        time.sleep(0.1)
    if server.started:
        serving.set()


def _worker(app: str, host: str, port: int, log_level: str, parent_pid: int, serving: EventType) -> None:
    threading.Thread(target=_exit_with_parent, args=(parent_pid,), daemon=True).start()
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level=log_level))
    threading.Thread(target=_report_when_serving, args=(server, serving), daemon=True).start()
    server.run(sockets=[reuse_port_socket(host, port)])


class Supervisor:
    """Keeps ``workers`` server processes running until SIGINT or SIGTERM."""

    def __init__(
        self,
        app: str,
        *,
        host: str,
        port: int,
        workers: int,
        log_level: str,
        on_serving: Callable[[int], None] = lambda count: None,
    ) -> None:
        """Remember what to serve; nothing starts until :meth:`run`.

        ``on_serving`` is called with the number of workers each time one more of them starts serving.
        """
        self._args = (app, host, port, log_level, os.getpid())
        self._host, self._port = host, port
        self._workers = workers
        self._on_serving = on_serving
        self._context = multiprocessing.get_context("spawn")
        self._processes: list[tuple[BaseProcess, EventType]] = []
        self._reported: set[int] = set()
        self._stop = threading.Event()

    def _spawn(self) -> tuple[BaseProcess, EventType]:
        serving = self._context.Event()
        process = self._context.Process(target=_worker, args=(*self._args, serving), daemon=False)
        process.start()
        return process, serving

    def _request_stop(self, signum: int, frame: FrameType | None) -> None:
        self._stop.set()

    def run(self) -> int:
        """Start the workers, replace any that die, and stop them all on a signal; returns the exit status.

        The first worker starts alone: start-up creates Aegra's tables and types, and two processes doing that at
        once collide in Postgres (uvicorn's own ``--workers`` fails this way). A worker that exits before it ever
        served stops the whole server with status 1 instead of being restarted in a loop.
        """
        if port_in_use(self._host, self._port):
            logger.error("%s:%s is already in use; is another server running?", self._host, self._port)
            return 1
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, self._request_stop)
        self._processes = [self._spawn()]
        status = self._watch(until=lambda: bool(self._reported))
        if status is None:
            self._processes += [self._spawn() for _ in range(self._workers - 1)]
            status = self._watch(until=lambda: False)
        return self._stop_all(status or 0)

    def _watch(self, *, until: Callable[[], bool]) -> int | None:
        """Supervise until ``until()`` holds (None), a signal arrives (0) or a worker fails to start (1)."""
        while not until():
            if not self._supervise():
                return 1
            if self._stop.wait(_SUPERVISE_INTERVAL_S):
                return 0
        return None

    def _supervise(self) -> bool:
        """Replace dead workers and report new ones; False when a worker failed to start."""
        for index, (process, serving) in enumerate(self._processes):
            if process.is_alive():
                if index not in self._reported and serving.is_set():
                    self._reported.add(index)
                    self._on_serving(len(self._reported))
            elif index in self._reported:
                logger.warning("worker %s exited with %s; starting another", process.pid, process.exitcode)
                self._reported.discard(index)
                self._processes[index] = self._spawn()
            else:
                logger.error("worker %s exited with %s before serving; stopping", process.pid, process.exitcode)
                return False
        return True

    def _stop_all(self, status: int) -> int:
        for process, _ in self._processes:
            if process.is_alive() and process.pid is not None:
                os.kill(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + _STOP_TIMEOUT_S
        for process, _ in self._processes:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join()
        return status


def serve(
    app: str,
    *,
    host: str,
    port: int,
    workers: int,
    log_level: str,
    on_serving: Callable[[int], None] = lambda count: None,
) -> int:
    """Serve ``app``: in this process for one worker, else under a :class:`Supervisor`."""
    if workers == 1:
        uvicorn.run(app, host=host, port=port, log_level=log_level)
        return 0
    supervisor = Supervisor(app, host=host, port=port, workers=workers, log_level=log_level, on_serving=on_serving)
    return supervisor.run()
