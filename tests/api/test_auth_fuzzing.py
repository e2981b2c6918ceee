"""Property-based fuzzing of the local sign-in against a real gunicorn, as test_schemathesis.py does for
the API: any body (arbitrary JSON with wrong types, lone surrogates, huge strings, invalid UTF-8,
other content types), any grant type and any bearer token (garbage, or signed with the right
secret but with arbitrary claims) gets an answer below 500 with a JSON body in Supabase Auth's
shape (gunicorn's own refusal of an oversized header is problem+json). Schemathesis found none of
these: the strings it generates are always valid Unicode."""

from __future__ import annotations

import hashlib
import json
import time

import jwt
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.conftest import GENEROUS_LIMIT
from tests.helpers.web import TEST_JWT_SECRET

EXAMPLES_PER_OPERATION = 80
BODY_LIMIT_BYTES = 64 * 1024



def incompressible(size: int) -> str:
    """`size` characters that compression cannot shrink (a btree entry of "aaa..." would fit compressed)."""
    digests = (hashlib.sha256(str(number).encode()).hexdigest() for number in range(size // 64 + 1))
    return "".join(digests)[:size]


surrogates = st.text(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1, max_size=3)
any_text = st.one_of(
    st.text(max_size=40),
    st.builds(lambda head, bad, tail: head + bad + tail, st.text(max_size=20), surrogates, st.text(max_size=20)),
    # Past an email's 255 bytes, past what a btree index entry holds, past the 64 KiB body limit.
    st.sampled_from([256, 3_000, 20_000, 70_000]).map(incompressible),
    st.from_regex(r"[a-z]{1,12}@[a-z]{1,10}\.[a-z]{2,4}", fullmatch=True),
    st.text(min_size=8, max_size=80),
)
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
              st.floats(allow_nan=False), any_text),
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(any_text, children, max_size=4)),
    max_leaves=12,
)
# Mostly strings where the endpoints expect them, so that a request gets past the first check.
fields = st.one_of(any_text, any_text, json_values)
credentials = st.fixed_dictionaries({"email": fields, "password": fields}, optional={"data": json_values})
refresh_tokens = st.fixed_dictionaries({"refresh_token": fields})
any_body = st.one_of(st.fixed_dictionaries({}, optional={"email": json_values, "password": json_values,
                                                         "refresh_token": json_values, "data": json_values}),
                     json_values)
header_text = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"), max_size=60)
claims = st.dictionaries(st.sampled_from(["sub", "exp", "aud", "role", "session_id", "iat", "nbf"]), json_values)


def signed(claim_values: dict) -> str:
    """A token with the deployment's own secret: only its claims are wrong, if anything is."""
    return jwt.encode({"exp": int(time.time()) + 600, "aud": "authenticated", **claim_values}, TEST_JWT_SECRET)


authorizations = st.one_of(
    st.none(),
    header_text.map(lambda text: f"Bearer {text}"),
    header_text.map(str.lstrip),  # a client cannot send a header value with leading whitespace
    claims.map(lambda claim_values: f"Bearer {signed(claim_values)}"),
)


def encoded(body) -> bytes:
    """The body as JSON (a lone surrogate becomes its escape, as any JSON encoder writes it)."""
    return json.dumps(body).encode()


# Each operation is fuzzed on its own, with this many examples, so that every one gets its share.
OPERATIONS = [
    ("POST", "/auth/v1/signup", st.none(), credentials),
    ("POST", "/auth/v1/token", st.just({"grant_type": "password"}), credentials),
    ("POST", "/auth/v1/token", st.just({"grant_type": "refresh_token"}), refresh_tokens),
    ("POST", "/auth/v1/token", st.one_of(st.none(), st.fixed_dictionaries({"grant_type": header_text})), any_body),
    ("GET", "/auth/v1/user", st.none(), any_body),
    ("POST", "/auth/v1/logout", st.one_of(st.none(), st.fixed_dictionaries({"scope": header_text})), any_body),
]


def requests_to(operation: tuple) -> st.SearchStrategy:
    """Requests to one operation: query, body, Content-Type, Authorization and the API version header."""
    method, path, query, expected_body = operation
    return st.tuples(
        st.just((method, path)), query,
        st.one_of(expected_body.map(encoded), expected_body.map(encoded), any_body.map(encoded),
                  st.binary(max_size=200)),
        st.sampled_from([None, "application/json", "text/plain", "application/x-www-form-urlencoded"]),
        authorizations,
        st.sampled_from([None, "2024-01-01"]),
    )


def test_no_input_to_the_sign_in_produces_a_server_error(web_factory, database_url):
    server = web_factory(database_url, RATE_LIMIT_READ=GENEROUS_LIMIT, RATE_LIMIT_WRITE=GENEROUS_LIMIT,
                         RATE_LIMIT_FAILED_SIGN_IN=GENEROUS_LIMIT)
    session = requests.Session()

    def answers_without_a_server_error(request):
        """One request: a 2xx or 4xx with a JSON body, a refusal in Supabase Auth's shape."""
        (method, path), query, body, content_type, authorization, api_version = request
        headers = {name: value for name, value in [("Content-Type", content_type), ("Authorization", authorization),
                                                   ("X-Supabase-Api-Version", api_version)] if value is not None}
        response = session.request(method, server.url(path), params=query, data=body, headers=headers, timeout=30)
        assert response.status_code < 500, (request, response.status_code, response.text[:500])
        if response.status_code == 204:
            return
        answer = response.json()
        if response.status_code == 431:  # gunicorn's, before the application: a huge signed token
            assert response.headers["Content-Type"] == "application/problem+json", answer
        elif response.status_code >= 400:
            assert "code" in answer and ("msg" in answer or "message" in answer), answer
            assert response.status_code in (400, 401, 403, 404, 405, 413, 415, 422, 429), answer

    for operation in OPERATIONS:
        fuzz = settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
                        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])(
            given(requests_to(operation))(answers_without_a_server_error))
        fuzz()
    assert "Traceback" not in server.log(), server.log()[-3000:]
