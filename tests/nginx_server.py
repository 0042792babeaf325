"""A throwaway nginx for tests: ``deploy/nginx.conf`` with its upstream pointed at loopback replicas, on a free port."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from server.launcher import ROOT, free_port

DEPLOY_NGINX_CONF = ROOT / "deploy" / "nginx.conf"
START_TIMEOUT_S = 60.0


def nginx_binary() -> str:
    """Debian's nginx; missing, it fails the test under ``make test`` (which installs it) and skips it elsewhere."""
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if found is None:
        if os.environ.get("REQUIRE_NGINX"):
            pytest.fail("nginx is not installed: run `make nginx` (apt-get install nginx) or `make test`")
        pytest.skip("nginx is not installed (`make nginx` installs Debian's package; `make test` does it itself)")
    return found


def loopback_config(upstreams: list[int], *, listen: int, source: str | None = None) -> str:
    """``deploy/nginx.conf`` (or ``source``) serving ``127.0.0.1:listen`` in front of ``127.0.0.1:port`` each."""
    text = source if source is not None else DEPLOY_NGINX_CONF.read_text()
    server_line = re.search(r"^\s*server app:\d+(?P<options>[^;]*);\n", text, flags=re.MULTILINE)
    assert server_line, "deploy/nginx.conf has no `server app:PORT` upstream line"
    servers = "".join(f"        server 127.0.0.1:{port}{server_line['options']};\n" for port in upstreams)
    text = text[: server_line.start()] + servers + text[server_line.end() :]
    text, listens = re.subn(r"listen \d+;", f"listen 127.0.0.1:{listen};", text)
    assert listens == 1, "deploy/nginx.conf should listen once"
    return text


@dataclass
class NginxProcess:
    """nginx in the foreground with a config of its own in ``directory``."""

    directory: Path
    config: str
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Where clients reach the load balancer."""
        return f"http://127.0.0.1:{self.port}"

    def _command(self, *extra: str) -> list[str]:
        config = self.directory / "nginx.conf"
        config.write_text(self.config)
        globals_ = f"pid {self.directory / 'nginx.pid'}; error_log {self.directory / 'error.log'} warn;"
        return [nginx_binary(), "-p", str(self.directory), "-c", str(config), *extra, "-g", globals_]

    def check(self) -> subprocess.CompletedProcess[str]:
        """``nginx -t``: the config parses and every directive is accepted."""
        return subprocess.run(self._command("-t"), capture_output=True, text=True)

    def start(self) -> NginxProcess:
        """Start nginx and wait until it forwards ``/live`` to an upstream."""
        command = self._command()
        command[-1] = f"daemon off; {command[-1]}"
        log = (self.directory / "nginx.out").open("ab")
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited with {self.process.returncode}: {self.errors()}")
            try:
                if httpx.get(f"{self.url}/live", timeout=1.0).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if time.monotonic() >= deadline:
                self.stop()
                raise TimeoutError(f"nginx did not forward /live within {START_TIMEOUT_S}s: {self.errors()}")
            time.sleep(0.1)

    def errors(self) -> str:
        """nginx's own error log and output."""
        return "".join(
            path.read_text(errors="replace")[-3000:]
            for path in (self.directory / "error.log", self.directory / "nginx.out")
            if path.exists()
        )

    def stop(self) -> None:
        """SIGTERM (fast shutdown) and wait."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
