"""Fixtures and helpers to act as Supabase's API roles, exactly as the API does per request."""

from __future__ import annotations

import json
import uuid
from contextlib import contextmanager

import psycopg
import pytest


def create_user(connection: psycopg.Connection, username: str) -> uuid.UUID:
    """Create an `auth.users` row and its profile, as the database owner; returns the user id."""
    user_id = uuid.uuid4()
    connection.execute(
        "insert into auth.users (id, aud, role, email) values (%s, 'authenticated', 'authenticated', %s)",
        (user_id, f"{username.lower()}@example.test"),
    )
    connection.execute("insert into public.profiles (id, username) values (%s, %s)", (user_id, username))
    connection.commit()
    return user_id


@contextmanager
def acting_as(connection: psycopg.Connection, user_id: uuid.UUID | None, commit: bool = False):
    """One transaction as `authenticated` user `user_id`, or as `anon` when it is None.

    Sets `role` and `request.jwt.claims` with `set_config(..., true)`, as the API and PostgREST do,
    so both end with the transaction; it rolls back at the end unless `commit` is true.
    """
    role = "anon" if user_id is None else "authenticated"
    claims = {"role": role} if user_id is None else {"sub": str(user_id), "role": role, "aud": role}
    with connection.transaction(force_rollback=not commit):
        connection.execute(
            "select set_config('role', %s, true), set_config('request.jwt.claims', %s, true)",
            (role, json.dumps(claims)),
        )
        yield connection


@pytest.fixture
def alice(postgresql) -> uuid.UUID:
    return create_user(postgresql, "alice")


@pytest.fixture
def bob(postgresql) -> uuid.UUID:
    return create_user(postgresql, "bob")
