from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from db.embedded import prune_dead_handles
from db.runtime import redact_url


def test_prune_dead_handles_keeps_live_pids(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    handles = tmp_path / ".handle_pids.json"
    import os

    handles.write_text(json.dumps([os.getpid(), dead.pid]))
    assert prune_dead_handles(tmp_path) == [dead.pid]
    assert json.loads(handles.read_text()) == [os.getpid()]
    assert prune_dead_handles(tmp_path) == []


def test_prune_without_file(tmp_path: Path) -> None:
    assert prune_dead_handles(tmp_path) == []


def test_redact_url_hides_password() -> None:
    assert redact_url("postgresql://bob:s3cret@db:5432/x") == "postgresql://bob:***@db:5432/x"
    assert "s3cret" not in redact_url("postgresql://bob:s3cret@db/x?sslmode=require")
