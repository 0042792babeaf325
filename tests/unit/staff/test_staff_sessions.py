from __future__ import annotations

import pytest

from identity.resolve import CredentialRejected, CsrfRejected
from staff.accounts import StaffAccount
from staff.sessions import Session, check_csrf

SESSION = Session(StaffAccount("stf_1", "acme", "kim@acme.test", "Kim", "agent", False), csrf_token="tok-123")


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS", "get"])
def test_safe_methods_need_no_csrf_token(method: str) -> None:
    check_csrf(SESSION, method=method, csrf_token=None)


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "post"])
@pytest.mark.parametrize("token", [None, "", "tok-12", "tok-1234", "TOK-123"])
def test_unsafe_methods_refuse_a_missing_or_wrong_token(method: str, token: str | None) -> None:
    with pytest.raises(CsrfRejected) as raised:
        check_csrf(SESSION, method=method, csrf_token=token)
    assert raised.value.status_code == 403 and "X-CSRF-Token" in raised.value.public_message()
    assert isinstance(raised.value, CredentialRejected)  # callers that only know CredentialRejected still refuse


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_unsafe_methods_accept_the_session_token(method: str) -> None:
    check_csrf(SESSION, method=method, csrf_token="tok-123")


def test_session_identity_is_the_staff_account() -> None:
    identity = SESSION.identity()
    assert (identity.tenant, identity.role, identity.proof, identity.subject) == (
        "acme",
        "agent",
        "staff_session",
        "stf_1",
    )
    assert identity.display_name == "Kim" and identity.customer_id is None


def test_plain_rejection_says_nothing_specific() -> None:
    assert CredentialRejected("expired key").public_message() == "invalid credentials"
    assert CredentialRejected().status_code == 401
