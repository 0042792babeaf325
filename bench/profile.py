"""Where a server's CPU goes during a benchmark: py-spy samples the running processes, this summarises by turn.

``bench turns --profile FILE`` wraps the measured turns in :class:`Sampler`; :func:`summarise` reads py-spy's raw
(collapsed-stack) output and prints milliseconds per turn by package (the frame on top of each stack), by graph node
(the ``graph/nodes`` module a stack runs in) and for the costliest functions. py-spy counts a thread while it runs
Python code, so time inside a native call shows under the Python frame that made it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

RATE_HZ = 250
_PLUMBING = frozenset({"asyncio", "threading", "concurrent", "runpy", "selectors", "uvloop", "click", "typer", "cli"})
"""Packages every stack passes through (event loop, thread pool, entry point): not listed as functions."""


def _py_spy() -> str:
    return str(Path(sys.executable).parent / "py-spy")


@dataclass
class Sampler:
    """Samples ``pids`` (and their children) into ``output`` in py-spy's raw format between start and stop."""

    pids: Sequence[int]
    output: Path
    rate_hz: int = RATE_HZ
    _processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def _part(self, index: int) -> Path:
        return self.output.with_suffix(f".{index}.raw")

    def start(self) -> Sampler:
        """Start one py-spy per process tree (``--subprocesses`` follows a supervisor's workers)."""
        for index, pid in enumerate(self.pids):
            command = [_py_spy(), "record", "--pid", str(pid), "--subprocesses", "--format", "raw"]
            command += ["--function", "--nonblocking", "--rate", str(self.rate_hz), "--output", str(self._part(index))]
            self._processes.append(subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
        return self

    def stop(self) -> Path:
        """Stop sampling (py-spy writes its file on SIGINT) and join the parts into ``output``."""
        for process in self._processes:
            process.send_signal(signal.SIGINT)
        lines: list[str] = []
        for index, process in enumerate(self._processes):
            _, error = process.communicate(timeout=120)
            part = self._part(index)
            if not part.exists():
                raise RuntimeError(f"py-spy wrote no profile: {error.decode(errors='replace')[-2000:]}")
            lines += part.read_text().splitlines()
            part.unlink()
        self.output.write_text("\n".join(lines) + "\n")
        return self.output


def _stacks(raw: Path) -> Iterator[tuple[list[str], int]]:
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            frames = [frame for frame in stack.split(";") if not frame.startswith("process ")]
            yield frames, int(count)


def _file(frame: str) -> str:
    return frame[frame.rfind("(") + 1 : -1] if frame.endswith(")") else ""


def _package(frame: str) -> str:
    """``graph/nodes/classify.py`` → ``graph``; a top-level module (``json.py``) → itself."""
    path = _file(frame)
    head = path.split("/", 1)[0]
    return head.removesuffix(".py") or "?"


def _node(frames: list[str]) -> str:
    for frame in frames:
        path = _file(frame)
        if path.startswith("graph/nodes/"):
            return Path(path).stem
    return "(outside the graph's nodes)"


@dataclass
class Profile:
    """Milliseconds per turn by package, graph node and function, from one raw profile."""

    turns: int
    rate_hz: int
    by_package: Counter[str] = field(default_factory=Counter)
    by_node: Counter[str] = field(default_factory=Counter)
    by_function: Counter[str] = field(default_factory=Counter)
    samples: int = 0

    def ms(self, samples: int) -> float:
        """Samples as milliseconds of CPU per turn."""
        return round(1000 * samples / self.rate_hz / max(1, self.turns), 2)

    def lines(self, top: int = 15) -> list[str]:
        """The profile as printable lines."""
        out = [f"sampled CPU: {self.ms(self.samples)} ms/turn over {self.turns} turns at {self.rate_hz} Hz"]
        for title, counter in (("package", self.by_package), ("graph node", self.by_node)):
            out.append(f"by {title} (ms/turn):")
            out += [f"  {self.ms(n):8.2f}  {name}" for name, n in counter.most_common(top)]
        out.append("costliest functions, inclusive (ms/turn):")
        out += [f"  {self.ms(n):8.2f}  {name}" for name, n in self.by_function.most_common(top)]
        return out


def summarise(raw: Path, *, turns: int, rate_hz: int = RATE_HZ) -> Profile:
    """Fold py-spy's collapsed stacks into a :class:`Profile`."""
    profile = Profile(turns=turns, rate_hz=rate_hz)
    for frames, count in _stacks(raw):
        if not frames:
            continue
        profile.samples += count
        profile.by_package[_package(frames[-1])] += count
        profile.by_node[_node(frames)] += count
        shown = {frame for frame in frames if not frame.startswith("<module>") and not _file(frame).startswith("<")}
        shown = {frame for frame in shown if _package(frame) not in _PLUMBING}
        for name in shown:
            profile.by_function[name] += count
    return profile


def available() -> bool:
    """py-spy is installed next to this interpreter and may attach to other processes (ptrace)."""
    return os.access(_py_spy(), os.X_OK)
