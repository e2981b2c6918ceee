"""Tokens: the attack set (each refused with 401 and WWW-Authenticate), the anon key, and JWKS keys."""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
import threading
import time
import types
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from api.caller import accounts
from tests.api.conftest import bearer, make_token, settings_for
from tests.api.test_tweets import assert_problem
from tests.helpers.waiting import wait_until
from tests.helpers.web import TEST_JWT_SECRET


def segment(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def hmac_token(header: dict, claims: dict, secret: bytes, digest=hashlib.sha256) -> str:
    """A token signed by hand, for algorithms and keys PyJWT rightly refuses to use."""
    signing_input = f"{segment(header)}.{segment(claims)}"
    signature = hmac.new(secret, signing_input.encode(), digest).digest()
    return f"{signing_input}.{base64.urlsafe_b64encode(signature).decode().rstrip('=')}"


def user_claims(user_id) -> dict:
    return {"sub": str(user_id), "role": "authenticated", "aud": "authenticated", "exp": int(time.time()) + 600}


def unsigned_token(user_id) -> str:
    """alg "none": header and payload, no signature."""
    claims = {"sub": str(user_id), "role": "authenticated", "aud": "authenticated", "exp": int(time.time()) + 600}
    return f"{segment({'alg': 'none', 'typ': 'JWT'})}.{segment(claims)}."


def tampered_token(user_id, other_id) -> str:
    """A valid token for `user_id` whose payload now names `other_id`, signature unchanged."""
    header, _, signature = make_token(user_id).split(".")
    claims = {"sub": str(other_id), "role": "authenticated", "aud": "authenticated", "exp": int(time.time()) + 600}
    return f"{header}.{segment(claims)}.{signature}"


ATTACKS = {
    "alg none": lambda alice, bob: unsigned_token(alice),
    "wrong secret": lambda alice, bob: make_token(alice, secret="not-the-secret-" * 3),
    "expired beyond leeway": lambda alice, bob: make_token(alice, exp=int(time.time()) - 60),
    "wrong audience": lambda alice, bob: make_token(alice, aud="someone-else"),
    "missing sub": lambda alice, bob: make_token(None),
    "missing exp": lambda alice, bob: make_token(alice, exp=None),
    "missing aud": lambda alice, bob: make_token(alice, aud=None),
    "tampered payload": lambda alice, bob: tampered_token(bob, alice),
    "service role": lambda alice, bob: make_token(alice, role="service_role"),
    "unknown role": lambda alice, bob: make_token(alice, role="postgres"),
    "sub not a uuid": lambda alice, bob: make_token("alice"),
    "garbage": lambda alice, bob: "not.a.token",
    "missing role": lambda alice, bob: make_token(alice, role=None),
    "role a list": lambda alice, bob: make_token(alice, role=["authenticated"]),
    "exp a numeric string": lambda alice, bob: make_token(alice, exp=str(int(time.time()) + 600)),
    "anon key with exp a string": lambda alice, bob: jwt.encode(
        {"role": "anon", "exp": str(int(time.time()) + 600)}, TEST_JWT_SECRET, algorithm="HS256"),
    "HS512 with the right secret": lambda alice, bob: hmac_token(
        {"alg": "HS512", "typ": "JWT"}, user_claims(alice), TEST_JWT_SECRET.encode(), hashlib.sha512),
}


@pytest.mark.parametrize("attack", ATTACKS)
def test_attack_tokens_are_401_with_www_authenticate(client, alice, bob, attack):
    headers = bearer(ATTACKS[attack](alice, bob))
    for response in (client.get("/me", headers=headers), client.get("/tweets", headers=headers),
                     client.post("/tweets", json={"content": "x"}, headers=headers)):
        assert_problem(response, 401)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["Basic YWxpY2U6c2VjcmV0", "Bearer", "Bearer   ", "token abc"])
def test_malformed_authorization_headers_are_401(client, header):
    response = client.get("/tweets", headers={"Authorization": header})
    assert_problem(response, 401)
    assert "Bearer" in response.headers["WWW-Authenticate"]


def test_an_expired_token_within_30_seconds_of_leeway_still_works(client, alice):
    response = client.get("/me", headers=bearer(make_token(alice, exp=int(time.time()) - 10)))
    assert response.status_code == 200 and response.json["id"] == str(alice)


def test_the_anon_key_reads_but_cannot_write(client, alice_headers):
    anon_key = jwt.encode({"iss": "supabase", "role": "anon", "exp": int(time.time()) + 600},
                          TEST_JWT_SECRET, algorithm="HS256")
    client.post("/tweets", json={"content": "visible"}, headers=alice_headers)
    assert client.get("/tweets", headers=bearer(anon_key)).json["data"][0]["content"] == "visible"
    for response in (client.post("/tweets", json={"content": "x"}, headers=bearer(anon_key)),
                     client.put("/me", json={"username": "anon_user"}, headers=bearer(anon_key)),
                     client.get("/timeline", headers=bearer(anon_key))):
        assert_problem(response, 403)
        assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]


class JwksServer:
    """A real HTTP server publishing a JWKS at Supabase's path."""

    def __init__(self, keys: list[dict]):
        body = json.dumps({"keys": keys}).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                status = 200 if self.path == "/auth/v1/.well-known/jwks.json" else 404
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body if status == 200 else b"{}")

            def log_message(self, *arguments):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def signing_keys():
    return {"ec-key": ec.generate_private_key(ec.SECP256R1()), "rsa-key": rsa.generate_private_key(65537, 2048)}


@pytest.fixture
def jwks_client(app_factory, database_url, signing_keys):
    public = []
    for kid, key in signing_keys.items():
        algorithm = jwt.algorithms.ECAlgorithm if kid == "ec-key" else jwt.algorithms.RSAAlgorithm
        public.append({**algorithm.to_jwk(key.public_key(), as_dict=True), "kid": kid, "use": "sig"})
    server = JwksServer(public)
    yield app_factory(settings_for(database_url, supabase_url=server.url)).test_client()
    server.server.shutdown()


def asymmetric_token(user_id, key, kid: str, algorithm: str) -> str:
    claims = {"sub": str(user_id), "role": "authenticated", "aud": "authenticated", "exp": int(time.time()) + 600}
    return jwt.encode(claims, key, algorithm=algorithm, headers={"kid": kid})


@pytest.mark.parametrize("kid, algorithm", [("ec-key", "ES256"), ("rsa-key", "RS256")])
def test_jwks_tokens_are_verified_by_key_type(jwks_client, alice, signing_keys, kid, algorithm):
    token = asymmetric_token(alice, signing_keys[kid], kid, algorithm)
    response = jwks_client.get("/me", headers=bearer(token))
    assert response.status_code == 200 and response.json["id"] == str(alice)


def test_jwks_refuses_foreign_keys_unknown_kids_and_algorithm_confusion(jwks_client, alice, signing_keys):
    stranger = ec.generate_private_key(ec.SECP256R1())
    public_pem = signing_keys["rsa-key"].public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    forged = [
        asymmetric_token(alice, stranger, "ec-key", "ES256"),
        asymmetric_token(alice, signing_keys["ec-key"], "no-such-key", "ES256"),
        # The RSA key's id, but "signed" with HS256 using its public key as the secret.
        hmac_token({"alg": "HS256", "typ": "JWT", "kid": "rsa-key"}, user_claims(alice), public_pem),
    ]
    for token in forged:
        assert_problem(jwks_client.get("/me", headers=bearer(token)), 401)


def test_hs256_tokens_still_work_alongside_jwks(jwks_client, alice):
    assert jwks_client.get("/me", headers=bearer(make_token(alice))).status_code == 200


def test_a_token_for_a_user_without_profile_gets_404_on_me(client, postgresql):
    user_id = uuid.uuid4()
    postgresql.execute("insert into auth.users (id) values (%s)", (user_id,))
    postgresql.commit()
    assert_problem(client.get("/me", headers=bearer(make_token(user_id))), 404)


def test_a_deleted_users_token_is_refused_within_seconds(client, postgresql, alice, alice_headers):
    assert client.post("/stream/tickets", headers=alice_headers).status_code == 201
    postgresql.execute("delete from auth.users where id = %s", (alice,))
    postgresql.commit()
    wait_until(lambda: client.get("/timeline", headers=alice_headers).status_code == 401,
               accounts.EXISTENCE_CACHE_SECONDS + 5, "the deleted user's token to be refused")
    problem = assert_problem(client.get("/me", headers=alice_headers), 401)
    assert "no longer exists" in problem["detail"]
    assert_problem(client.post("/stream/tickets", headers=alice_headers), 401)


def test_a_remembered_token_is_refused_once_it_expires(client, alice, monkeypatch):
    # Verified once, then remembered: `exp` (with its leeway) still ends it.
    headers = bearer(make_token(alice, exp=int(time.time()) + 60))
    assert client.get("/me", headers=headers).status_code == 200
    later = time.time() + 60 + 31  # past exp and its 30 s of leeway, for the cache and for PyJWT

    class Later(datetime.datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime.datetime.fromtimestamp(later, tz)

    monkeypatch.setattr("api.caller.tokens.time", types.SimpleNamespace(time=lambda: later, monotonic=time.monotonic))
    monkeypatch.setattr("jwt.api_jwt.datetime", Later)
    assert_problem(client.get("/me", headers=headers), 401)


def test_a_refused_token_is_not_remembered(client, alice):
    # Two requests with the same bad token: each is verified, and refused, on its own.
    token = make_token(alice, secret="another-secret-that-is-long-enough-for-hs256-0123")
    for _ in range(2):
        assert_problem(client.get("/me", headers=bearer(token)), 401)
