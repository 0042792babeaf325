import psycopg

from db.migrations import migrate


def test_migrations_apply_and_are_idempotent(pg_url: str) -> None:
    applied = migrate(pg_url)
    assert "support_0001_core" in applied
    assert migrate(pg_url) == []
    with psycopg.connect(pg_url) as conn:
        teams = {r[0] for r in conn.execute("SELECT id FROM teams").fetchall()}
        assert {"billing", "technical", "accounts", "shipping", "security", "trust_and_safety", "general"} <= teams
        conn.execute("INSERT INTO customers (id, name) VALUES ('c1', 'Ann')")
        first = conn.execute("INSERT INTO tickets (customer_id, subject) VALUES ('c1', 's') RETURNING id").fetchone()
        second = conn.execute("INSERT INTO tickets (customer_id, subject) VALUES ('c1', 's') RETURNING id").fetchone()
        assert first is not None and second is not None
        assert first[0].startswith("T-") and int(second[0][2:]) == int(first[0][2:]) + 1
