"""`python -m api.token USERNAME`: print an access token for that user of the local database.

The user (an `auth.users` row, as Supabase Auth would make at sign-up) and their profile are
created when missing. The token is signed with SUPABASE_JWT_SECRET from the environment or `.env`.
"""

from __future__ import annotations

import os
import sys
import time
import uuid
from pathlib import Path

import jwt
import psycopg
from psycopg.rows import dict_row

from api.queries import QUERIES
from api.validation import USERNAME
from migrations.settings import ConfigurationError, Settings

TOKEN_LIFETIME_SECONDS = 3600
ENV_FILE = Path(".env")


def environment_with_env_file(path: Path = ENV_FILE) -> dict[str, str]:
    """The environment, completed by `KEY=VALUE` lines of `.env` (the environment wins)."""
    values: dict[str, str] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            name, separator, value = line.strip().partition("=")
            if separator and not name.startswith("#"):
                values[name.strip()] = value.strip().strip("'\"")
    return {**values, **os.environ}


def ensure_user(database_url: str, username: str) -> uuid.UUID:
    """The id of the user with this username, creating the account and profile when missing."""
    with psycopg.connect(database_url, row_factory=dict_row) as connection:
        row = connection.execute(QUERIES["user_id_for_username"], {"username": username}).fetchone()
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
    """Print the token, or say what is wrong and return 2."""
    if len(arguments) != 1 or not USERNAME.fullmatch(arguments[0]):
        print("usage: python -m api.token USERNAME (3 to 15 letters, digits, _)", file=sys.stderr)
        return 2
    try:
        settings = Settings.from_environment(environment_with_env_file())
        secret = settings.require_jwt_secret()
    except ConfigurationError as error:
        print(error, file=sys.stderr)
        return 2
    user_id = ensure_user(settings.database_url, arguments[0])
    print(access_token(secret, user_id))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
