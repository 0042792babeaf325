"""Customer tokens: what verifies, and every way a token is refused (forged, expired, wrong audience, alg=none...)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from identity.tokens import TokenKeys, TokenRejected, issue_customer_token, verify_customer_token

SECRET = "s" * 64
KEYS = {"acme": TokenKeys(SECRET, None, None)}


def _sign(claims: dict[str, object], key: object = SECRET, algorithm: str = "HS256", **headers: str) -> str:
    return jwt.encode(claims, key, algorithm=algorithm, headers=headers or None)  # type: ignore[arg-type]


def _claims(**changes: object) -> dict[str, object]:
    now = int(time.time())
    return {"sub": "cust-1", "tenant": "acme", "aud": "support-agent", "iat": now, "exp": now + 600, **changes}


def test_an_issued_token_verifies_to_its_customer_and_tenant() -> None:
    token = issue_customer_token(SECRET, tenant="acme", customer_id="cust-1", ttl_s=60)
    identity = verify_customer_token(token, KEYS)
    assert (identity.tenant, identity.customer_id, identity.role) == ("acme", "cust-1", "customer")


@pytest.mark.parametrize(
    ("why", "token"),
    [
        ("forged: signed with another secret", _sign(_claims(), key="t" * 64)),
        ("expired", _sign(_claims(exp=int(time.time()) - 120))),
        ("wrong audience", _sign(_claims(aud="someone-else"))),
        ("no audience", _sign({k: v for k, v in _claims().items() if k != "aud"})),
        ("no expiry", _sign({k: v for k, v in _claims().items() if k != "exp"})),
        ("no subject", _sign({k: v for k, v in _claims().items() if k != "sub"})),
        ("unknown tenant", _sign(_claims(tenant="nobody"))),
        ("subject with a NUL", _sign(_claims(sub="a\x00b"))),
        ("HS512 is not accepted", _sign(_claims(), algorithm="HS512")),
        ("not a JWT", "not.a.token"),
    ],
)
def test_bad_tokens_are_refused(why: str, token: str) -> None:
    with pytest.raises(TokenRejected):
        verify_customer_token(token, KEYS)


def _unsigned(claims: dict[str, object]) -> str:
    def part(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


def test_alg_none_is_refused() -> None:
    with pytest.raises(TokenRejected, match="not accepted"):
        verify_customer_token(_unsigned(_claims()), KEYS)


def test_a_tampered_payload_is_refused() -> None:
    header, _, signature = _sign(_claims()).split(".")
    payload = base64.urlsafe_b64encode(json.dumps(_claims(sub="someone-else")).encode()).rstrip(b"=").decode()
    with pytest.raises(TokenRejected):
        verify_customer_token(f"{header}.{payload}.{signature}", KEYS)


def _jwks_file(tmp_path: Path, public_key: object, kid: str) -> str:
    jwk = json.loads(
        jwt.algorithms.get_default_algorithms()[
            "RS256" if isinstance(public_key, rsa.RSAPublicKey) else "ES256"
        ].to_jwk(public_key)
    )  # type: ignore[attr-defined]
    jwk["kid"] = kid
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps({"keys": [jwk]}))
    return str(path)


@pytest.mark.parametrize("algorithm", ["RS256", "ES256"])
def test_public_key_tokens_verify_with_the_tenants_jwks(tmp_path: Path, algorithm: str) -> None:
    private = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        if algorithm == "RS256"
        else ec.generate_private_key(ec.SECP256R1())
    )
    keys = {"acme": TokenKeys(None, None, _jwks_file(tmp_path, private.public_key(), "k1"))}
    token = _sign(_claims(), key=private, algorithm=algorithm, kid="k1")
    assert verify_customer_token(token, keys).customer_id == "cust-1"
    other = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        if algorithm == "RS256"
        else ec.generate_private_key(ec.SECP256R1())
    )
    with pytest.raises(TokenRejected):
        verify_customer_token(_sign(_claims(), key=other, algorithm=algorithm, kid="k1"), keys)


def test_the_public_key_used_as_an_hmac_secret_is_refused(tmp_path: Path) -> None:
    # Algorithm confusion: a token "signed" with HS256 using the tenant's public RSA key as the secret.
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    keys = {"acme": TokenKeys(None, None, _jwks_file(tmp_path, private.public_key(), "k1"))}

    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    signing_input = f"{part(b'{"alg":"HS256","kid":"k1"}')}.{part(json.dumps(_claims()).encode())}"
    signature = hmac.new(pem, signing_input.encode(), hashlib.sha256).digest()
    with pytest.raises(TokenRejected):
        verify_customer_token(f"{signing_input}.{part(signature)}", keys)


def test_issue_refuses_bad_ids_and_ttls() -> None:
    with pytest.raises(ValueError):
        issue_customer_token(SECRET, tenant="a.b", customer_id="c")
    with pytest.raises(ValueError):
        issue_customer_token(SECRET, tenant="acme", customer_id="c", ttl_s=0)
