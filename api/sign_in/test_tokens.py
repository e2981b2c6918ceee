"""`python -m api.token USERNAME`: print an access token for that user of the local database.

The user (an `auth.users` row, as Supabase Auth would make at sign-up) and their profile are
created when missing. The token is signed with SUPABASE_JWT_SECRET from the environment, or from
`.env` when the environment does not set it; it lasts an hour.
"""

from __future__ import annotations

import sys
import time
import uuid

import jwt
import psycopg
from psycopg.rows import dict_row

from api.http.validation import USERNAME
from chirp import connections
from chirp.queries import QUERIES
from chirp.settings import ConfigurationError
from chirp.startup import configuration_failure, settings_or_exit

TOKEN_LIFETIME_SECONDS = 3600
PROGRAM = "python -m api.token"
USAGE = f"usage: {PROGRAM} USERNAME (3 to 15 letters, digits or _)"


def username_problem(username: str) -> str | None:
    """What is wrong with `username` as a chirp username, or None when nothing is."""
    if USERNAME.fullmatch(username):
        return None
    others = sorted({character for character in username if not (character.isascii() and (
        character.isalnum() or character == "_"))})
    if others:
        shown = " ".join(repr(character) for character in others[:5])
        return f"username {username!r} may hold only ASCII letters, digits and _, not {shown}"
    return f"username {username!r} must be 3 to 15 characters long, not {len(username)}"


def ensure_user(database_url: str, username: str) -> uuid.UUID:
    """The id of the user with this username, creating the account and profile when missing."""
    with psycopg.connect(database_url, row_factory=dict_row) as connection:
        row = connection.execute(QUERIES["user_id_by_username"], {"username": username}).fetchone()
        if row is not None:
            return row["id"]
        user_id = uuid.uuid4()
        email = f"{username.lower()}@example.test"
        connection.execute(QUERIES["create_auth_user"], {"user_id": user_id, "email": email})
        connection.execute(QUERIES["create_profile"], {"user_id": user_id, "username": username})
        return user_id


def access_token(secret: str, user_id: uuid.UUID, lifetime_seconds: int = TOKEN_LIFETIME_SECONDS) -> str:
    """A token shaped like Supabase Auth's for a signed-in user."""
    now = int(time.time())
    claims = {"sub": str(user_id), "role": "authenticated", "aud": "authenticated",
              "iat": now, "exp": now + lifetime_seconds}
    return jwt.encode(claims, secret, algorithm="HS256")


def main(arguments: list[str]) -> int:
    """Print the token, or say what is wrong and return 2 (1 when the database cannot be reached)."""
    if len(arguments) != 1:
        print(USAGE, file=sys.stderr)
        return 2
    problem = username_problem(arguments[0])
    if problem:
        print(f"{PROGRAM}: {problem}", file=sys.stderr)
        return 2
    settings = settings_or_exit(PROGRAM)
    try:
        secret = settings.require_jwt_secret()
    except ConfigurationError as error:
        configuration_failure(PROGRAM, error)
    try:
        user_id = ensure_user(settings.database_url, arguments[0])
    except psycopg.OperationalError as error:
        print(f"{PROGRAM}: {connections.unreachable(error)}", file=sys.stderr)
        return 1
    print(access_token(secret, user_id))
    return 0


