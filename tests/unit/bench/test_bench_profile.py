"""bench.profile: py-spy samples a real process and the summary puts its CPU where the code spent it."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.profile import Sampler, available, summarise

BUSY = """
import time

def burn_the_cpu():
    return sum(i * i for i in range(10**5))

def rest():
    time.sleep(0.01)

end = time.monotonic() + 30
while time.monotonic() < end:
    burn_the_cpu()
    rest()
"""


@pytest.fixture
def busy_node(tmp_path: Path) -> subprocess.Popen[bytes]:
    """A process that burns CPU in graph/nodes/busy.py's ``burn_the_cpu`` and sleeps between bursts."""
    nodes = tmp_path / "graph" / "nodes"
    nodes.mkdir(parents=True)
    (tmp_path / "graph" / "__init__.py").touch()
    (nodes / "__init__.py").touch()
    (nodes / "busy.py").write_text(BUSY)
    process = subprocess.Popen([sys.executable, "-m", "graph.nodes.busy"], cwd=tmp_path)
    yield process
    process.kill()
    process.wait()


@pytest.mark.skipif(not available(), reason="py-spy is not installed next to this interpreter")
def test_the_summary_names_the_node_and_function_that_burned_the_cpu(
    busy_node: subprocess.Popen[bytes], tmp_path: Path
) -> None:
    time.sleep(0.5)  # the interpreter has started and runs the loop
    sampler = Sampler([busy_node.pid], tmp_path / "busy.raw").start()
    time.sleep(2.0)
    profile = summarise(sampler.stop(), turns=4)

    assert profile.samples > 0
    assert profile.by_node.most_common(1)[0][0] == "busy"
    burned = sum(n for name, n in profile.by_function.items() if name.startswith("burn_the_cpu "))
    assert burned >= 0.75 * profile.samples, profile.by_function
    rested = sum(n for name, n in profile.by_function.items() if name.startswith("rest "))
    assert rested <= 0.2 * profile.samples, profile.by_function  # sleeps 2/3 of the time: idle is left out
    assert profile.ms(profile.samples) == round(1000 * profile.samples / sampler.rate_hz / 4, 2)
    assert "by graph node (ms/turn):" in profile.lines()
