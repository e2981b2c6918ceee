"""Bad input to the local sign-in is refused in Supabase Auth's shape, never a 5xx; failures are
counted before a password is checked, so concurrent guesses get no more checks than the limit."""

from __future__ import annotations

import concurrent.futures
import hashlib

import pytest
import requests

from api.sign_in import sessions
from tests.api.test_local_auth import PASSWORD, client_for, new_email

LONE_SURROGATE = "\ud800"
FAILED_SIGN_IN_LIMIT = 10  # RATE_LIMIT_FAILED_SIGN_IN's default, which the web fixture keeps
CONCURRENT_GUESSES = 200


def post(web, path: str, body: dict) -> requests.Response:
    """POST `body` as JSON (requests writes a lone surrogate as the escape \\ud800, which is valid JSON)."""
    return requests.post(web.url(path), json=body, timeout=30)


def assert_auth_error(response: requests.Response, status: int, error_code: str) -> dict:
    """Supabase Auth's legacy error body with this status and code."""
    assert response.status_code == status, response.text[:500]
    body = response.json()
    assert body["code"] == status and body["error_code"] == error_code and body["msg"], body
    return body


@pytest.mark.parametrize(("path", "body"), [
    ("/auth/v1/signup", {"email": new_email(), "password": f"{LONE_SURROGATE}{PASSWORD}"}),
    ("/auth/v1/signup", {"email": f"a{LONE_SURROGATE}@example.test", "password": PASSWORD}),
    ("/auth/v1/signup", {"email": new_email(), "password": PASSWORD, "data": {"name": LONE_SURROGATE}}),
    ("/auth/v1/signup", {"email": new_email(), "password": PASSWORD, "data": {LONE_SURROGATE: 1}}),
    ("/auth/v1/token?grant_type=password", {"email": new_email(), "password": f"{PASSWORD}{LONE_SURROGATE}"}),
    ("/auth/v1/token?grant_type=password", {"email": f"{LONE_SURROGATE}@example.test", "password": PASSWORD}),
    ("/auth/v1/token?grant_type=refresh_token", {"refresh_token": LONE_SURROGATE * 20}),
])
def test_a_lone_surrogate_anywhere_in_the_body_is_400(web, path, body):
    error = assert_auth_error(post(web, path, body), 400, "bad_json")
    assert "surrogate" in error["msg"]


def test_an_overlong_email_is_400_on_every_grant(web, postgresql):
    """Supabase Auth's bound of 255 bytes; before, a 3,000-character email overflowed the limiter's index (503)."""
    # Incompressible: "aaa..." would fit the old limiter key's index entry once compressed.
    overlong = "".join(hashlib.sha256(str(n).encode()).hexdigest() for n in range(50))[:3000] + "@example.test"
    multibyte = "é" * 125 + "@example.test"  # 138 characters, 263 bytes
    for path in ("/auth/v1/signup", "/auth/v1/token?grant_type=password"):
        for email in (overlong, multibyte):
            error = assert_auth_error(post(web, path, {"email": email, "password": PASSWORD}), 400,
                                      "validation_failed")
            assert "too long" in error["msg"]


def test_the_failure_counter_does_not_keep_the_email(web, postgresql):
    """The limiter's key for an email is a digest: any email fits the index, and none is stored as it is."""
    email = new_email()
    assert_auth_error(post(web, "/auth/v1/token?grant_type=password", {"email": email, "password": "wrong one"}),
                      400, "invalid_credentials")
    keys = [row[0] for row in postgresql.execute("select key from public.rate_limit_counters")]
    assert any("failed-sign-in-email" in key for key in keys), keys
    assert not any(email in key for key in keys), keys


def test_concurrent_wrong_passwords_get_at_most_the_limit_of_checks(web):
    """200 guesses at once for one email: each is counted before its password is checked, so at most
    the limit's worth are checked (invalid_credentials) and the others are refused with 429 (or, when
    one worker is short of connections for so many at once, 503), never checked."""
    email = new_email()
    client_for(web).sign_up({"email": email, "password": PASSWORD})

    def guess(number: int) -> int:
        """One wrong password, on a connection of its own."""
        body = {"email": email, "password": f"wrong password {number}"}
        return requests.post(web.url("/auth/v1/token?grant_type=password"), json=body, timeout=120).status_code

    with concurrent.futures.ThreadPoolExecutor(max_workers=CONCURRENT_GUESSES) as pool:
        statuses = list(pool.map(guess, range(CONCURRENT_GUESSES)))
    assert 1 <= statuses.count(400) <= FAILED_SIGN_IN_LIMIT, sorted(statuses)
    assert set(statuses) <= {400, 429, 503} and statuses.count(429) >= CONCURRENT_GUESSES // 2, sorted(statuses)


def test_a_right_password_gives_back_its_count(web):
    """A successful sign-in is no failure: more sign-ins than the limit in a row all succeed."""
    email = new_email()
    client_for(web).sign_up({"email": email, "password": PASSWORD})
    for _ in range(FAILED_SIGN_IN_LIMIT + 2):
        response = post(web, "/auth/v1/token?grant_type=password", {"email": email, "password": PASSWORD})
        assert response.status_code == 200, response.text[:500]


def test_user_metadata_that_would_make_a_token_over_8_kib_is_422(web):
    """Before, 50 KB of `data` made a 67 KB access token that every request then answered 431."""
    for data in ({"bio": "x" * 50_000}, {"bio": "é" * 1_500}, {"bio": "x" * 6_500}):
        response = post(web, "/auth/v1/signup", {"email": new_email(), "password": PASSWORD, "data": data})
        error = assert_auth_error(response, 422, "validation_failed")
        assert "metadata" in error["msg"] and "8 KiB" in error["msg"]


@pytest.mark.parametrize("size", [0, 1_000, 4_000, 5_500, 6_000])
def test_every_token_issued_is_at_most_8_kib(web, size):
    """Metadata that fits is kept and shows in the token; any token issued stays within the bound."""
    data = {"bio": "x" * size}
    response = post(web, "/auth/v1/signup", {"email": new_email(), "password": PASSWORD, "data": data})
    if response.status_code == 422:
        assert size > 4_000, "metadata this small must fit"
        return
    assert response.status_code == 200, response.text[:500]
    assert len(response.json()["access_token"]) <= sessions.MAXIMUM_ACCESS_TOKEN_BYTES == 8 * 1024
    assert response.json()["user"]["user_metadata"] == data
