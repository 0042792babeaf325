"""Log records we drop or restate because they are wrong for how we run Aegra.

Aegra warns "Running without Redis broker. Background runs have no crash recovery" in one-host mode. Here that is
not true: ``server/runs/recovery.py`` resumes the runs a crash interrupted, from Postgres alone (see README). The
warning is dropped and the app logs the accurate statement at start-up instead.
"""

from __future__ import annotations

import logging

AEGRA_MAIN_LOGGER = "aegra_api.main"
_NO_REDIS = "Running without Redis broker"
ONE_HOST_RECOVERY = (
    "one-host mode (no Redis): runs interrupted by a crash or restart are resumed by this server's recovery sweep"
)


AEGRA_WORKERS = (
    "Redis mode: runs go through Aegra's broker and workers; a dead replica's runs are re-queued when their lease "
    "expires"
)


class DropNoRedisWarning(logging.Filter):
    """Drops Aegra's no-Redis warning (structlog puts the event dict in ``record.msg``, stdlib a string)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """False for the no-Redis warning, True for everything else."""
        message = record.msg.get("event", "") if isinstance(record.msg, dict) else record.msg
        return _NO_REDIS not in str(message)


def install() -> None:
    """Attach the filter to Aegra's main logger (idempotent; it survives Aegra's ``dictConfig``)."""
    aegra = logging.getLogger(AEGRA_MAIN_LOGGER)
    if not any(isinstance(existing, DropNoRedisWarning) for existing in aegra.filters):
        aegra.addFilter(DropNoRedisWarning())
