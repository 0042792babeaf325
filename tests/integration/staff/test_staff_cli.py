"""`support-agent staff` against a real database: create (generated or piped password), list, disable."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest

from server.launcher import ROOT
from staff.accounts import sign_in
from staff.passwords import LockoutPolicy

pytestmark = pytest.mark.integration

POLICY = LockoutPolicy(attempts=5, duration=timedelta(minutes=15))


def staff(pg_url: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).parent / "support-agent"), "staff", *args]
    env = {**os.environ, "DATABASE_URL": pg_url}
    return subprocess.run(command, cwd=ROOT, env=env, input=stdin, capture_output=True, text=True, timeout=120)


async def outcome(pg_url: str, email: str, password: str) -> str:
    async with await psycopg.AsyncConnection.connect(pg_url, autocommit=True) as conn:
        return (await sign_in(conn, tenant="acme", email=email, password=password, policy=POLICY)).outcome


def test_staff_commands(pg_url: str) -> None:
    made = staff(pg_url, "create", "--tenant", "acme", "--email", "Kim@Acme.test", "--role", "agent", "--name", "Kim")
    assert made.returncode == 0, made.stderr
    password = made.stdout.splitlines()[-1]
    assert made.stdout.strip() == password and len(password) >= 20  # the password alone on stdout's last line
    assert asyncio.run(outcome(pg_url, "kim@acme.test", password)) == "ok"

    piped = staff(
        pg_url,
        "create",
        "--tenant",
        "acme",
        "--email",
        "lee@acme.test",
        "--role",
        "admin",
        "--password-stdin",
        stdin="a piped password\n",
    )
    assert piped.returncode == 0 and piped.stdout == "", piped.stderr
    assert asyncio.run(outcome(pg_url, "lee@acme.test", "a piped password")) == "ok"

    again = staff(pg_url, "create", "--tenant", "acme", "--email", "KIM@acme.test", "--role", "agent")
    assert again.returncode == 1 and "already" in again.stderr
    bad = staff(pg_url, "create", "--tenant", "acme", "--email", "x@acme.test", "--role", "root")
    assert bad.returncode == 2 and "role" in bad.stderr

    listed = staff(pg_url, "list", "--tenant", "acme")
    rows = [line.split("\t") for line in listed.stdout.splitlines()]
    assert [(r[2], r[3], r[4], r[5]) for r in rows] == [
        ("kim@acme.test", "agent", "Kim", "active"),
        ("lee@acme.test", "admin", "", "active"),
    ]
    assert staff(pg_url, "disable", "--tenant", "acme", "--email", "kim@acme.test").returncode == 0
    assert "disabled" in staff(pg_url, "list").stdout.splitlines()[0]
    assert asyncio.run(outcome(pg_url, "kim@acme.test", password)) == "disabled"
    assert staff(pg_url, "disable", "--tenant", "acme", "--email", "nobody@acme.test").returncode == 1
