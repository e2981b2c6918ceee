"""Sessions of the local sign-in: access tokens, rotated refresh tokens, and users as Supabase Auth shows them.

An access token is the HS256 JWT that Supabase Auth issues (the claims `api.caller.tokens` verifies, plus
`email`, `session_id`, `app_metadata`, ...). A refresh token is 32 random bytes; the database keeps
only its SHA-256, and spends it once: refreshing revokes it and issues its successor.

No access token is larger than MAXIMUM_ACCESS_TOKEN_BYTES: it travels in every request's
Authorization header, and a larger one would be refused (431) by every request after sign-in. The
user metadata a client sets at sign-up is the part that can grow, so it is what gets refused (422).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import secrets
import time
import uuid

import jwt
import psycopg

from api.sign_in.errors import AuthError
from chirp.queries import QUERIES

ACCESS_TOKEN_LIFETIME_SECONDS = 3600
REFRESH_TOKEN_BYTES = 32
MAXIMUM_ACCESS_TOKEN_BYTES = 8 * 1024
METADATA_TOO_LARGE = "User metadata is too large: the access token would exceed 8 KiB"
# The namespace of the (synthesised) identity ids: each email user has one `email` identity.
IDENTITY_NAMESPACE = uuid.UUID("6f1c7f0e-7d3c-4a53-9d1e-2c51f9c2b0a4")


@dataclasses.dataclass(frozen=True)
class Issuer:
    """What signs access tokens: the HS256 secret and the `iss` claim (this server's /auth/v1)."""

    secret: str
    issuer: str


def token_hash(refresh_token: str) -> str:
    """What the database keeps of a refresh token."""
    return hashlib.sha256(refresh_token.encode("utf-8")).hexdigest()


def new_refresh_token() -> str:
    """An unguessable refresh token (URL-safe, 43 characters)."""
    return secrets.token_urlsafe(REFRESH_TOKEN_BYTES)


def _timestamp(value) -> str | None:
    """A timestamp as Supabase Auth writes it (RFC 3339)."""
    return value.isoformat() if value is not None else None


def user_json(row: dict) -> dict:
    """An `auth.users` row in Supabase Auth's user shape."""
    user_id = str(row["id"])
    identity = {
        "identity_id": str(uuid.uuid5(IDENTITY_NAMESPACE, user_id)),
        "id": user_id,
        "user_id": user_id,
        "identity_data": {"email": row["email"], "email_verified": True, "phone_verified": False, "sub": user_id},
        "provider": "email",
        "last_sign_in_at": _timestamp(row["last_sign_in_at"]),
        "created_at": _timestamp(row["created_at"]),
        "updated_at": _timestamp(row["updated_at"]),
        "email": row["email"],
    }
    return {
        "id": user_id,
        "aud": row["aud"],
        "role": row["role"],
        "email": row["email"],
        "email_confirmed_at": _timestamp(row["email_confirmed_at"]),
        "phone": "",
        "confirmed_at": _timestamp(row["email_confirmed_at"]),
        "last_sign_in_at": _timestamp(row["last_sign_in_at"]),
        "app_metadata": row["raw_app_meta_data"] or {},
        "user_metadata": row["raw_user_meta_data"] or {},
        "identities": [identity],
        "created_at": _timestamp(row["created_at"]),
        "updated_at": _timestamp(row["updated_at"]),
        "is_anonymous": bool(row["is_anonymous"]),
    }


def access_token(issuer: Issuer, user: dict, session_id: uuid.UUID, now: int) -> str:
    """The signed access token of one session, with Supabase Auth's claims."""
    claims = {
        "iss": issuer.issuer,
        "sub": user["id"],
        "aud": "authenticated",
        "exp": now + ACCESS_TOKEN_LIFETIME_SECONDS,
        "iat": now,
        "email": user["email"],
        "phone": "",
        "app_metadata": user["app_metadata"],
        "user_metadata": user["user_metadata"],
        "role": "authenticated",
        "aal": "aal1",
        "amr": [{"method": "password", "timestamp": now}],
        "session_id": str(session_id),
        "is_anonymous": user["is_anonymous"],
    }
    token = jwt.encode(claims, issuer.secret, algorithm="HS256")
    if len(token) > MAXIMUM_ACCESS_TOKEN_BYTES:
        raise AuthError(422, "validation_failed", METADATA_TOO_LARGE)
    return token


def check_metadata_size(metadata: dict) -> None:
    """422 for metadata whose JSON alone (as the token writes it) is past the token's bound."""
    if len(json.dumps(metadata, separators=(",", ":"))) > MAXIMUM_ACCESS_TOKEN_BYTES:
        raise AuthError(422, "validation_failed", METADATA_TOO_LARGE)


def session_json(issuer: Issuer, connection: psycopg.Connection, user_id, session_id, refresh_token: str) -> dict:
    """The session response: Supabase Auth's AccessTokenResponse for this user and session."""
    row = connection.execute(QUERIES["auth_user"], {"user_id": user_id}).fetchone()
    user = user_json(row)
    now = int(time.time())
    return {
        "access_token": access_token(issuer, user, session_id, now),
        "token_type": "bearer",
        "expires_in": ACCESS_TOKEN_LIFETIME_SECONDS,
        "expires_at": now + ACCESS_TOKEN_LIFETIME_SECONDS,
        "refresh_token": refresh_token,
        "user": user,
    }


def start_session(issuer: Issuer, connection: psycopg.Connection, user_id) -> dict:
    """Sign the user in: a new session with its first refresh token."""
    refresh_token = new_refresh_token()
    session_id = uuid.uuid4()
    connection.execute(
        QUERIES["start_session"],
        {"user_id": user_id, "session_id": session_id, "token_hash": token_hash(refresh_token)},
    )
    return session_json(issuer, connection, user_id, session_id, refresh_token)


def rotate(connection: psycopg.Connection, spent: dict) -> str:
    """The successor of a just-spent refresh token, in its session."""
    refresh_token = new_refresh_token()
    connection.execute(
        QUERIES["rotate_refresh_token"],
        {"session_id": spent["session_id"], "token_hash": token_hash(refresh_token), "parent": spent["token"]},
    )
    return refresh_token
