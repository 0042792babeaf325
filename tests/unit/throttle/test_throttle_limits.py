from __future__ import annotations

import pytest

from identity.model import Identity
from settings import Settings
from throttle.limits import login_limits, run_limits
from throttle.middleware import RUN_PATHS

SETTINGS = Settings(
    rate_limit_messages_per_minute=7,
    rate_limit_messages_per_key_per_minute=70,
    rate_limit_messages_per_ip_per_minute=700,
    rate_limit_logins_per_minute=3,
    rate_limit_logins_per_ip_per_minute=30,
)


@pytest.mark.parametrize(
    "path",
    ["/runs", "/runs/stream", "/runs/wait", "/threads/abc/runs", "/threads/abc/runs/stream", "/threads/abc/runs/wait"],
)
def test_run_creation_paths_match(path: str) -> None:
    assert RUN_PATHS.match(path)


@pytest.mark.parametrize(
    "path", ["/threads", "/threads/abc/runs/123", "/runs/batch", "/threads/abc/state", "/runs/crons", "/inbox/1/claim"]
)
def test_other_paths_do_not(path: str) -> None:
    assert not RUN_PATHS.match(path)


def test_customer_is_limited_per_customer_and_ip() -> None:
    customer = Identity(tenant="acme", role="customer", proof="customer_token", subject="c1", customer_id="c1")
    limits = {limit.bucket.split(":")[1]: limit for limit in run_limits(customer, "10.0.0.1", SETTINGS)}
    assert set(limits) == {"ip", "customer"}
    assert limits["ip"].per_minute == 700 and limits["customer"].per_minute == 7
    assert "c1" not in limits["customer"].bucket  # hashed: an erased customer leaves no trace
    other_tenant = Identity(tenant="beta", role="customer", proof="customer_token", subject="c1", customer_id="c1")
    assert run_limits(other_tenant, "10.0.0.1", SETTINGS)[1].bucket != limits["customer"].bucket


def test_key_is_limited_per_key_and_ip() -> None:
    key = Identity(tenant="acme", role="service", proof="api_key", subject="key:abc")
    buckets = {limit.bucket: limit.per_minute for limit in run_limits(key, "10.0.0.1", SETTINGS)}
    assert buckets == {"run:ip:10.0.0.1": 700, "run:subject:acme:key:abc": 70}


def test_unknown_caller_is_limited_per_ip_only() -> None:
    assert [limit.bucket for limit in run_limits(None, "10.0.0.2", SETTINGS)] == ["run:ip:10.0.0.2"]


def test_login_is_limited_per_ip_and_per_account_whatever_the_email_case() -> None:
    lower = login_limits("acme", "kim@acme.test", "10.0.0.1", SETTINGS)
    upper = login_limits("acme", " KIM@Acme.test", "10.0.0.9", SETTINGS)
    assert [limit.per_minute for limit in lower] == [30, 3]
    assert lower[1].bucket == upper[1].bucket and lower[0].bucket != upper[0].bucket
