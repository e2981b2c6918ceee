"""Cursors are bound to the list they came from; repeated query parameters are refused in any order."""

from __future__ import annotations

import base64
import json
import re

import pytest
from psycopg.conninfo import make_conninfo

from api.http import pages
from tests.api.conftest import settings_for
from tests.api.test_tweets import assert_problem, post_tweet


def tweets_cursor(client, headers) -> str:
    """A next_cursor of GET /tweets, with three tweets posted so that a second page exists."""
    for number in range(3):
        post_tweet(client, headers, f"tweet {number} @bob")
    cursor = client.get("/tweets?limit=1").json["next_cursor"]
    assert cursor is not None
    return cursor


def test_a_cursor_from_another_list_is_400(client, alice_headers, bob_headers):
    cursor = tweets_cursor(client, alice_headers)
    assert client.get(f"/tweets?limit=1&cursor={cursor}").status_code == 200
    for path, headers in [("/notifications", bob_headers), ("/timeline", alice_headers),
                          ("/users/alice/tweets", {})]:
        response = client.get(f"{path}?cursor={cursor}", headers=headers)
        assert_problem(response, 400)
        assert "another list" in response.json["detail"]


def test_a_cursor_of_one_users_list_is_refused_on_anothers(client, alice_headers, bob_headers):
    for number in range(3):
        post_tweet(client, alice_headers, f"alice {number}")
        post_tweet(client, bob_headers, f"bob {number}")
    cursor = client.get("/users/alice/tweets?limit=1").json["next_cursor"]
    assert client.get(f"/users/ALICE/tweets?limit=1&cursor={cursor}").status_code == 200
    assert_problem(client.get(f"/users/bob/tweets?limit=1&cursor={cursor}"), 400)
    timeline_cursor = client.get("/timeline?limit=1", headers=alice_headers).json["next_cursor"]
    assert_problem(client.get(f"/timeline?cursor={timeline_cursor}", headers=bob_headers), 400)


def test_a_forged_or_altered_cursor_is_400(client, alice_headers):
    cursor = tweets_cursor(client, alice_headers)
    payload, check = cursor.split(".")
    raw = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    raw[2] = "ffffffff-ffff-ffff-ffff-ffffffffffff"
    forged = base64.urlsafe_b64encode(json.dumps(raw).encode()).decode().rstrip("=")
    for bad in [f"{forged}.{check}", payload, f"{payload}.{'A' * 16}", cursor[:-1] + "."]:
        assert_problem(client.get(f"/tweets?cursor={bad}"), 400)


def test_issued_cursors_match_the_published_pattern(client, alice_headers):
    assert re.fullmatch(pages.CURSOR_PATTERN, tweets_cursor(client, alice_headers))


@pytest.mark.parametrize("query", ["limit=5&limit=abc", "limit=abc&limit=5", "limit=5&limit=5",
                                   "cursor=a&cursor=b"])
def test_a_repeated_query_parameter_is_400_whatever_the_order(client, query):
    response = client.get(f"/tweets?{query}")
    assert_problem(response, 400)
    assert "more than once" in response.json["detail"]


def test_unread_given_twice_is_400(client, alice_headers):
    assert_problem(client.get("/notifications?unread=true&unread=false", headers=alice_headers), 400)


def signed_cursor(payload: object, key: bytes, scope: str) -> str:
    """A cursor whose payload is `payload` (any JSON), signed with `key` for `scope` as the API signs."""
    raw = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")
    return f"{raw}.{pages.check(key, scope, raw)}"


def test_a_cursor_forged_with_the_old_constant_key_is_400(client, alice_headers):
    """Before, the key was the constant b"chirp page cursor v1": anyone could sign any position."""
    tweets_cursor(client, alice_headers)
    for row_id in ["ffffffff-ffff-ffff-ffff-ffffffffffff", 123]:
        forged = signed_cursor(["tweets", "2030-01-01T00:00:00+00:00", row_id], b"chirp page cursor v1",
                               "tweets:")
        response = client.get(f"/tweets?cursor={forged}")
        assert_problem(response, 400)


@pytest.mark.parametrize("payload", [
    ["tweets", "2030-01-01T00:00:00+00:00", 123],
    ["tweets", 1234567890, "ffffffff-ffff-ffff-ffff-ffffffffffff"],
    ["tweets", "2030-01-01T00:00:00+00:00", ["x"]],
    ["tweets", "2030-01-01T00:00:00", "ffffffff-ffff-ffff-ffff-ffffffffffff"],
    ["tweets", "2030-01-01T00:00:00+00:00"],
    {"tweets": 1, "a": 2, "b": 3},
    ["tweets", None, None],
    "tweets",
    12,
])
def test_any_malformed_payload_is_400_even_when_signed(app, client, payload):
    """Whatever a payload holds, signed with the deployment's own key, it is a 400 and never a 500."""
    cursor = signed_cursor(payload, pages.cursor_key(app), pages.scope("tweets", "", None))
    response = client.get(f"/tweets?cursor={cursor}")
    assert_problem(response, 400)
    assert "cursor" in response.json["detail"]


def test_a_cursor_belongs_to_its_caller(client, alice_headers, bob_headers):
    """The same list read by someone else (or anonymously) refuses another caller's cursor."""
    tweets_cursor(client, alice_headers)
    cursor = client.get("/tweets?limit=1", headers=alice_headers).json["next_cursor"]
    assert client.get(f"/tweets?limit=1&cursor={cursor}", headers=alice_headers).status_code == 200
    for headers in (bob_headers, {}):
        response = client.get(f"/tweets?limit=1&cursor={cursor}", headers=headers)
        assert_problem(response, 400)
        assert "altered" in response.json["detail"]
    anonymous = client.get("/tweets?limit=1").json["next_cursor"]
    assert client.get(f"/tweets?limit=1&cursor={anonymous}").status_code == 200
    assert_problem(client.get(f"/tweets?limit=1&cursor={anonymous}", headers=alice_headers), 400)


def test_a_cursor_belongs_to_its_deployment(app_factory, database_url, alice_headers):
    """Hosts sharing the secret accept each other's cursors; another deployment's secret refuses them."""
    first = app_factory(settings_for(database_url)).test_client()
    same_secret = app_factory(settings_for(database_url)).test_client()
    other_secret = app_factory(settings_for(database_url, jwt_secret="another-deployment-" * 3)).test_client()
    cursor = tweets_cursor(first, alice_headers)
    assert same_secret.get(f"/tweets?limit=1&cursor={cursor}").status_code == 200
    response = other_secret.get(f"/tweets?limit=1&cursor={cursor}")
    assert_problem(response, 400)
    assert "altered" in response.json["detail"]


@pytest.mark.direct_database  # through the pooler, both apps are handed the same pooled URL
def test_without_a_jwt_secret_the_key_comes_from_the_database_url(app_factory, database_url, alice_headers):
    """A JWKS-only deployment (SUPABASE_URL, no secret) still signs cursors with a secret of its own."""
    nowhere = "http://127.0.0.1:9"  # JWKS are fetched on the first asymmetric token only: never here
    jwks_only = app_factory(settings_for(database_url, jwt_secret=None, supabase_url=nowhere)).test_client()
    other_url = make_conninfo(database_url, application_name="another")
    other = app_factory(settings_for(other_url, jwt_secret=None, supabase_url=nowhere)).test_client()
    hs256 = app_factory(settings_for(database_url)).test_client()
    for number in range(3):
        post_tweet(hs256, alice_headers, f"tweet {number}")
    cursor = jwks_only.get("/tweets?limit=1").json["next_cursor"]
    assert jwks_only.get(f"/tweets?limit=1&cursor={cursor}").status_code == 200
    assert_problem(other.get(f"/tweets?limit=1&cursor={cursor}"), 400)
    assert_problem(hs256.get(f"/tweets?limit=1&cursor={cursor}"), 400)
