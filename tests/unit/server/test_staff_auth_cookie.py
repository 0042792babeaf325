from __future__ import annotations

import pytest
from starlette.requests import Request

from server.routes.staff_auth import _secure_cookie


def request_to(scheme: str, host: str) -> Request:
    return Request(
        {
            "type": "http",
            "method": "POST",
            "scheme": scheme,
            "path": "/auth/login",
            "query_string": b"",
            "headers": [(b"host", host.encode())],
            "server": ("unused", 80),
        }
    )


@pytest.mark.parametrize(
    ("scheme", "host", "secure"),
    [
        ("http", "127.0.0.1:8123", False),
        ("http", "localhost:8123", False),
        ("http", "[::1]:8123", False),
        ("http", "support.example.com", True),
        ("http", "10.0.0.5:8123", True),
        ("https", "127.0.0.1", True),
        ("https", "support.example.com", True),
    ],
)
def test_cookie_is_secure_except_plain_http_to_loopback(scheme: str, host: str, secure: bool) -> None:
    assert _secure_cookie(request_to(scheme, host)) is secure
