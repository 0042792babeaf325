"""Rotating the pseudonym vault's key: old keys still open maps, `support-agent vault rotate` re-seals them all."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import psycopg
import pytest
from starlette.types import Receive, Scope, Send

from db.migrations import migrate
from db.pool import close_pools
from server.launcher import ROOT
from server.run_input_guard import RunInputGuard
from settings import get_settings
from signals.pii_pseudonyms import Pseudonyms
from signals.pii_vault import VaultKeyMismatch, load_pseudonyms, update_pseudonyms

pytestmark = pytest.mark.integration
CLI = str(Path(sys.executable).parent / "support-agent")
KEY_A = "vault secret A of this test"
KEY_B = "vault secret B of this test"
MAPS = {"rotation-thread-1": "Annabel Quistorp", "rotation-thread-2": "Bartholomew Kinsella"}


@pytest.fixture
async def vault_db(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Callable[..., None]]:
    """A migrated database; the returned function configures the vault's keys for this process."""
    migrate(pg_url)
    monkeypatch.setenv("DATABASE_URL", pg_url)

    def configure(current: str, *old: str) -> None:
        monkeypatch.setenv("PII_VAULT_KEY", current)
        monkeypatch.setenv("PII_VAULT_OLD_KEYS", ",".join(old))
        get_settings.cache_clear()

    yield configure
    await close_pools()
    get_settings.cache_clear()


def _rotate(database_url: str, current: str, *old: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "PII_VAULT_KEY": current, "PII_VAULT_OLD_KEYS": ",".join(old)}
    return subprocess.run([CLI, "vault", "rotate"], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)


def _sealed(database_url: str) -> dict[str, bytes]:
    with psycopg.connect(database_url) as conn:
        return {row[0]: bytes(row[1]) for row in conn.execute("SELECT thread_id, sealed FROM pii_pseudonyms")}


async def _values(thread_id: str) -> dict[str, str]:
    return (await load_pseudonyms(thread_id)).values


async def test_maps_sealed_under_an_old_key_open_and_rotate_to_the_new_one(
    vault_db: Callable[..., None], pg_url: str
) -> None:
    vault_db(KEY_A)
    for thread_id, name in MAPS.items():

        async def add(pseudonyms: Pseudonyms, name: str = name) -> str:
            return pseudonyms.pseudonymise(f"My name is {name}.")

        assert await update_pseudonyms(thread_id, add) == "My name is <PERSON_1>."
    before = _sealed(pg_url)
    assert len(before) == 2 and not any(name.encode() in blob for name in MAPS.values() for blob in before.values())

    # The new key first, the old one still listed: maps sealed under A open before the rotation.
    vault_db(KEY_B, KEY_A)
    assert await _values("rotation-thread-1") == {"<PERSON_1>": MAPS["rotation-thread-1"]}

    rotated = _rotate(pg_url, KEY_B, KEY_A)
    assert rotated.returncode == 0, rotated.stderr
    assert rotated.stdout.strip().splitlines()[-1] == "2"
    after = _sealed(pg_url)
    assert all(after[thread_id] != before[thread_id] for thread_id in MAPS)

    # Only B configured: every map still opens.
    vault_db(KEY_B)
    for thread_id, name in MAPS.items():
        assert await _values(thread_id) == {"<PERSON_1>": name}

    # Only A configured after the rotation: a clear failure, never an empty map or a silent new one.
    vault_db(KEY_A)
    with pytest.raises(VaultKeyMismatch, match="PII_VAULT_OLD_KEYS"):
        await load_pseudonyms("rotation-thread-1")
    refused = _rotate(pg_url, KEY_A)
    assert refused.returncode == 1
    assert "2 of 2 sealed pseudonym maps" in refused.stderr and "nothing was rotated" in refused.stderr
    assert _sealed(pg_url) == after


async def test_a_message_to_a_thread_whose_map_no_key_opens_is_refused_not_renumbered(
    vault_db: Callable[..., None], pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    vault_db(KEY_A)

    async def add(pseudonyms: Pseudonyms) -> str:
        return pseudonyms.pseudonymise(f"My name is {MAPS['rotation-thread-1']}.")

    await update_pseudonyms("rotation-thread-1", add)
    sealed = _sealed(pg_url)
    monkeypatch.setenv("LLM_MODEL", "openai:a-remote-model")
    vault_db(KEY_B)  # A is gone from the configuration

    reached: list[bytes] = []

    async def aegra(scope: Scope, receive: Receive, send: Send) -> None:
        reached.append((await receive())["body"])
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    guard = RunInputGuard(aegra, max_chars=8000, pii_mode="mask")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=guard), base_url="http://test") as client:
        message = {"messages": [{"role": "user", "content": "I am Bartholomew Kinsella now."}]}
        response = await client.post(
            "/threads/rotation-thread-1/runs/wait", json={"assistant_id": "support", "input": message}
        )
    assert response.status_code == 503 and "PII_VAULT_OLD_KEYS" in response.text
    assert reached == [] and _sealed(pg_url) == sealed  # nothing stored, the map kept as it was


def test_the_example_secret_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PII_VAULT_OLD_KEYS", "an old secret, change-me")
    get_settings.cache_clear()
    try:
        with pytest.raises(ValueError, match="example value"):
            get_settings()
    finally:
        get_settings.cache_clear()
