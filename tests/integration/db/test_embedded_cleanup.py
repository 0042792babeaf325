"""What an embedded Postgres leaves behind when the last process attached to it exits."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg
import pytest

_START = """
import sys
from pathlib import Path
from db.embedded import start_embedded_postgres
print(start_embedded_postgres(Path(sys.argv[1]), database="postgres", delete_on_exit=sys.argv[2] == "1"), flush=True)
"""


def _start_and_exit(data_dir: Path, *, delete_on_exit: bool) -> str:
    done = subprocess.run(
        [sys.executable, "-c", _START, str(data_dir), "1" if delete_on_exit else "0"],
        cwd=Path(__file__).resolve().parents[3],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize("delete_on_exit", [True, False])
def test_server_stops_at_exit_and_its_directory_goes_only_when_asked(delete_on_exit: bool) -> None:
    # A short path: the server's unix socket lives in the data directory.
    with tempfile.TemporaryDirectory(prefix="sa-pgc-", dir="/tmp") as parent:
        data_dir = Path(parent) / "pg"
        url = _start_and_exit(data_dir, delete_on_exit=delete_on_exit)
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(url, connect_timeout=3).close()
        assert data_dir.exists() is not delete_on_exit
        if not delete_on_exit:
            assert (data_dir / "PG_VERSION").exists()
            assert not (data_dir / "postmaster.pid").exists()
