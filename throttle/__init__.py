"""Rate limits that hold across server processes: fixed one-minute windows counted in Postgres."""
