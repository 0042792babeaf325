from __future__ import annotations

import pytest

from audit.log import customer_ref
from settings import get_settings


def test_customer_ref_is_stable_keyed_and_per_tenant(monkeypatch: pytest.MonkeyPatch) -> None:
    get_settings.cache_clear()
    ref = customer_ref("acme", "ana")
    assert ref.startswith("cust:") and "ana" not in ref
    assert customer_ref("acme", "ana") == ref
    assert customer_ref("beta", "ana") != ref and customer_ref("acme", "ben") != ref
    monkeypatch.setenv("PII_HASH_SALT", "another deployment")
    get_settings.cache_clear()
    try:
        assert customer_ref("acme", "ana") != ref
    finally:
        get_settings.cache_clear()
