"""Local sign-in with Supabase's own Python client (`supabase_auth`) against a real gunicorn.

The client parses every answer with its own models and error handling, so these tests fail if a
response or error shape differs from Supabase Auth's. Raw requests check the legacy error body
(`code`/`error_code`/`msg`) that clients without `X-Supabase-Api-Version` get.
"""

from __future__ import annotations

import uuid

import jwt
import pytest
import requests
from supabase_auth import SyncGoTrueClient
from supabase_auth.errors import AuthApiError, AuthWeakPasswordError

from tests.helpers.web import TEST_JWT_SECRET

PASSWORD = "correct horse battery"


def client_for(web) -> SyncGoTrueClient:
    """Supabase's client, pointed at this server's /auth/v1, keeping its session in memory."""
    return SyncGoTrueClient(url=web.url("/auth/v1"), auto_refresh_token=False, persist_session=False)


def new_email() -> str:
    return f"user-{uuid.uuid4().hex[:10]}@example.test"


def test_sign_up_sign_in_refresh_get_user_sign_out(web, postgresql):
    """The whole life of a session through the real client; the API accepts its access token."""
    client = client_for(web)
    email = new_email()
    signed_up = client.sign_up({"email": email, "password": PASSWORD})
    assert signed_up.user.email == email and signed_up.session is not None
    claims = jwt.decode(signed_up.session.access_token, TEST_JWT_SECRET, algorithms=["HS256"],
                        audience="authenticated")
    assert claims["sub"] == signed_up.user.id and claims["role"] == "authenticated"
    assert claims["email"] == email and uuid.UUID(claims["session_id"])

    stored = postgresql.execute("select encrypted_password from auth.users where email = %s", (email,)).fetchone()
    assert stored[0].startswith("$2a$10$") and PASSWORD not in stored[0]

    signed_in = client.sign_in_with_password({"email": email.upper(), "password": PASSWORD})
    assert signed_in.user.id == signed_up.user.id
    token = signed_in.session.access_token
    me = requests.put(web.url("/me"), json={"username": "localuser"},
                      headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert me.status_code == 200, me.text

    first_refresh = signed_in.session.refresh_token
    refreshed = client.refresh_session()
    assert refreshed.session.refresh_token != first_refresh
    assert client.get_user().user.id == signed_up.user.id

    with pytest.raises(AuthApiError) as reused:
        client_for(web).refresh_session(first_refresh)
    assert reused.value.code == "refresh_token_already_used" and reused.value.status == 400

    # Reusing a spent token ended that session: its successor is revoked too.
    with pytest.raises(AuthApiError):
        client_for(web).refresh_session(refreshed.session.refresh_token)

    again = client.sign_in_with_password({"email": email, "password": PASSWORD})
    client.sign_out()
    assert client.get_session() is None
    with pytest.raises(AuthApiError) as revoked:
        client_for(web).refresh_session(again.session.refresh_token)
    assert revoked.value.code == "refresh_token_not_found"
    with pytest.raises(AuthApiError) as ended:
        client_for(web).get_user(again.session.access_token)
    assert ended.value.code == "session_not_found" and ended.value.status == 403


def test_wrong_password_and_unknown_email_get_one_answer(web):
    """Supabase Auth's invalid_credentials, the same for a wrong password and for nobody."""
    client = client_for(web)
    email = new_email()
    client.sign_up({"email": email, "password": PASSWORD})
    errors = []
    for credentials in ({"email": email, "password": "wrong password"},
                        {"email": new_email(), "password": PASSWORD}):
        with pytest.raises(AuthApiError) as refused:
            client_for(web).sign_in_with_password(credentials)
        errors.append((refused.value.status, refused.value.code, refused.value.message))
    assert errors == [(400, "invalid_credentials", "Invalid login credentials")] * 2

    legacy = requests.post(web.url("/auth/v1/token?grant_type=password"),
                           json={"email": email, "password": "wrong password"}, timeout=10)
    assert legacy.status_code == 400
    assert legacy.json() == {"code": 400, "error_code": "invalid_credentials", "msg": "Invalid login credentials"}


def test_weak_password_and_taken_email(web):
    client = client_for(web)
    with pytest.raises(AuthWeakPasswordError) as weak:
        client.sign_up({"email": new_email(), "password": "short"})
    assert weak.value.status == 422 and weak.value.reasons == ["length"]

    email = new_email()
    client.sign_up({"email": email, "password": PASSWORD})
    with pytest.raises(AuthApiError) as taken:
        client_for(web).sign_up({"email": email, "password": PASSWORD})
    assert (taken.value.status, taken.value.code) == (422, "user_already_exists")

    legacy = requests.post(web.url("/auth/v1/signup"), json={"email": "not-an-email", "password": PASSWORD},
                           timeout=10)
    assert legacy.status_code == 400 and legacy.json()["error_code"] == "validation_failed"
    weak_legacy = requests.post(web.url("/auth/v1/signup"), json={"email": new_email(), "password": "x"},
                                timeout=10)
    assert weak_legacy.status_code == 422
    assert weak_legacy.json()["error_code"] == "weak_password"
    assert weak_legacy.json()["weak_password"] == {"reasons": ["length"]}


def test_repeated_failures_are_rate_limited(web):
    """Past the failure limit even the right password waits, with Supabase Auth's 429 and Retry-After."""
    email = new_email()
    client_for(web).sign_up({"email": email, "password": PASSWORD})
    statuses = []
    for _ in range(11):
        response = requests.post(web.url("/auth/v1/token?grant_type=password"),
                                 json={"email": email, "password": "wrong password"}, timeout=10)
        statuses.append(response.status_code)
    assert statuses == [400] * 10 + [429]
    with pytest.raises(AuthApiError) as limited:
        client_for(web).sign_in_with_password({"email": email, "password": PASSWORD})
    assert (limited.value.status, limited.value.code) == (429, "over_request_rate_limit")
    assert int(response.headers["Retry-After"]) >= 1


def test_user_without_a_token_and_with_a_bad_one(web):
    no_token = requests.get(web.url("/auth/v1/user"), timeout=10)
    assert no_token.status_code == 401 and no_token.json()["error_code"] == "no_authorization"
    forged = jwt.encode({"sub": str(uuid.uuid4()), "aud": "authenticated", "exp": 2**31},
                        "another secret, long enough for HS256 keys!")
    bad = requests.get(web.url("/auth/v1/user"), headers={"Authorization": f"Bearer {forged}"}, timeout=10)
    assert bad.status_code == 403 and bad.json()["error_code"] == "bad_jwt"
    grant = requests.post(web.url("/auth/v1/token?grant_type=magic"), json={}, timeout=10)
    assert grant.status_code == 400 and grant.json()["msg"] == "unsupported_grant_type"
    malformed = requests.post(web.url("/auth/v1/signup"), data=b"{", timeout=10)
    assert malformed.status_code == 400 and malformed.json()["error_code"] == "bad_json"


def test_not_served_with_a_supabase_project(web_factory, database_url):
    """With SUPABASE_URL set, that project's Auth signs people in: /auth/v1 is not ours."""
    web = web_factory(database_url, SUPABASE_URL="http://127.0.0.1:9", SUPABASE_ANON_KEY="anon-key")
    response = requests.post(web.url("/auth/v1/signup"), json={"email": new_email(), "password": PASSWORD},
                             timeout=10)
    assert response.status_code == 404
    assert requests.get(web.url("/config.json"), timeout=10).json() == {
        "auth_url": "http://127.0.0.1:9", "anon_key": "anon-key"}
    page = requests.get(web.url("/"), timeout=10)
    assert "connect-src 'self' http://127.0.0.1:9;" in page.headers["Content-Security-Policy"]


def test_local_anon_key_reads_as_anonymous(web):
    """The anon key /config.json hands out is Supabase's shape: reads work, writes are 403."""
    anon_key = requests.get(web.url("/config.json"), timeout=10).json()["anon_key"]
    assert jwt.decode(anon_key, TEST_JWT_SECRET, algorithms=["HS256"])["role"] == "anon"
    headers = {"Authorization": f"Bearer {anon_key}"}
    assert requests.get(web.url("/tweets"), headers=headers, timeout=10).status_code == 200
    assert requests.post(web.url("/tweets"), json={"content": "hi"}, headers=headers, timeout=10).status_code == 403
