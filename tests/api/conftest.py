"""Fixtures of the API tests: an app on this test's database, tokens, users with tokens."""

from __future__ import annotations

import dataclasses
import time
import uuid

import jwt
import pytest

import api
from api import create_app
from chirp.settings import Settings
from consumer.worker import Worker
from tests.helpers.consumer_process import TEST_ENVIRONMENT
from tests.helpers.fixtures import create_user
from tests.helpers.web import TEST_JWT_SECRET, web, web_factory  # noqa: F401 - fixtures

GENEROUS_LIMIT = "100000/minute"


def make_token(user_id: uuid.UUID | None, secret: str = TEST_JWT_SECRET, **overrides) -> str:
    """A Supabase-shaped user token, with any claim replaced (None removes it)."""
    now = int(time.time())
    claims = {"sub": str(user_id), "role": "authenticated", "aud": "authenticated",
              "iat": now, "exp": now + 3600, **overrides}
    claims = {name: value for name, value in claims.items() if value is not None}
    return jwt.encode(claims, secret, algorithm="HS256")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def settings_for(database_url: str, **changes) -> Settings:
    """Settings of a test app: this test's database, the test secret, limits out of the way."""
    values = {"database_url_setting": database_url, "jwt_secret": TEST_JWT_SECRET,
              "rate_limit_write": GENEROUS_LIMIT, "rate_limit_read": GENEROUS_LIMIT,
              "ratelimit_key_prefix": f"test-{uuid.uuid4().hex}", **changes}
    return Settings(**values)


@pytest.fixture
def app_factory(postgresql, web_database_url):
    """Build apps with `app_factory(settings)`; their pools close at teardown.

    It asks for `postgresql` so that its teardown comes first: pools still open when the test
    database is dropped would reconnect into the drop. With --database-pooler the apps connect
    through the pooler, without prepared statements.
    """
    apps = []

    def build(settings: Settings):
        pooled = web_database_url(settings.database_url_setting)
        if pooled != settings.database_url_setting:
            settings = dataclasses.replace(settings, database_url_setting=pooled, prepared_statements=False)
        app = create_app(settings)
        apps.append(app)
        return app

    yield build
    for app in apps:
        api.close(app)


@pytest.fixture
def app(app_factory, database_url):
    return app_factory(settings_for(database_url))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def alice_headers(alice) -> dict[str, str]:
    return bearer(make_token(alice))


@pytest.fixture
def bob_headers(bob) -> dict[str, str]:
    return bearer(make_token(bob))


@pytest.fixture
def new_user(postgresql):
    """Create a user with a profile: `new_user(username)` returns (id, headers)."""

    def create(username: str):
        user_id = create_user(postgresql, username)
        return user_id, bearer(make_token(user_id))

    return create


@pytest.fixture
def drain(database_url):
    """Run the consumer in this process until the queue is empty (the timeline is written ahead)."""
    settings = Settings.from_environment({**TEST_ENVIRONMENT, "DATABASE_URL": database_url})
    return lambda: Worker(settings).run(drain=True)
