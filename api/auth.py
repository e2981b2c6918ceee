"""Who is calling: Supabase access tokens verified with PyJWT.

HS256 tokens are checked with `SUPABASE_JWT_SECRET`; when `SUPABASE_URL` is set, tokens whose
header names a key id are checked against the project's JWKS (ES256 or RS256, by the key's type).
The algorithm comes from our key, never from the token. A user token needs `exp`, `sub` (a uuid)
and `aud = authenticated`; the project's anon key (role `anon`, no `sub`) makes the caller anonymous.
"""

from __future__ import annotations

import dataclasses
import uuid

import flask
import jwt

from api.errors import AnonymousForbidden, Unauthorized
from migrations.settings import Settings

LEEWAY_SECONDS = 30
AUDIENCE = "authenticated"
JWKS_CACHE_SECONDS = 600
JWKS_FETCH_TIMEOUT_SECONDS = 5
# The database role each token role acts as; any other role is refused.
ROLE_ALLOW_LIST = {"authenticated": "authenticated", "anon": "anon"}
# Pinned per key type: a key's type decides the one algorithm it may verify.
ALGORITHMS_BY_KEY_TYPE = {"EC": ["ES256"], "RSA": ["RS256"], "oct": ["HS256"]}


@dataclasses.dataclass(frozen=True)
class Identity:
    """The caller: a database role, the claims RLS reads, and the user id for signed-in users."""

    role: str
    claims: dict
    user_id: uuid.UUID | None = None

    @property
    def is_user(self) -> bool:
        """Whether a signed-in user calls (not the anon role)."""
        return self.user_id is not None


ANONYMOUS = Identity(role="anon", claims={"role": "anon"})


class TokenVerifier:
    """Verifies access tokens against the HS256 secret and, if configured, the project's JWKS."""

    def __init__(self, settings: Settings):
        """Keep the HS256 secret; with SUPABASE_URL, a JWKS client that caches the project's keys."""
        self.secret = settings.jwt_secret
        self.jwks_client = None
        if settings.supabase_url:
            self.jwks_client = jwt.PyJWKClient(
                f"{settings.supabase_url}/auth/v1/.well-known/jwks.json",
                cache_keys=True,
                lifespan=JWKS_CACHE_SECONDS,
                timeout=JWKS_FETCH_TIMEOUT_SECONDS,
            )

    def _key_and_algorithms(self, token: str) -> tuple[object, list[str]]:
        """The verification key for this token and the algorithms pinned to that key's type."""
        header = jwt.get_unverified_header(token)
        if self.jwks_client is not None and header.get("kid"):
            signing_key = self.jwks_client.get_signing_key(header["kid"])
            return signing_key.key, ALGORITHMS_BY_KEY_TYPE.get(signing_key.key_type, [])
        if not self.secret:
            raise jwt.InvalidTokenError("no HS256 secret is configured")
        return self.secret, ALGORITHMS_BY_KEY_TYPE["oct"]

    def verify(self, token: str) -> Identity:
        """The identity a valid token carries; raises Unauthorized otherwise."""
        try:
            key, algorithms = self._key_and_algorithms(token)
            try:
                claims = jwt.decode(
                    token, key, algorithms=algorithms, leeway=LEEWAY_SECONDS, audience=AUDIENCE,
                    options={"require": ["exp", "sub", "aud"]},
                )
            except (jwt.MissingRequiredClaimError, jwt.InvalidAudienceError):
                # Perhaps the project's anon key: no `sub`, no audience, but signed and unexpired.
                claims = jwt.decode(
                    token, key, algorithms=algorithms, leeway=LEEWAY_SECONDS,
                    options={"require": ["exp"], "verify_aud": False},
                )
                if claims.get("role") != "anon":
                    raise
                return ANONYMOUS
        except (jwt.PyJWTError, ValueError) as error:
            raise Unauthorized(f"invalid token: {error}") from None
        return _user_identity(claims)


def _user_identity(claims: dict) -> Identity:
    """A signed-in user's identity, once the role is allowed and `sub` is a uuid."""
    role = ROLE_ALLOW_LIST.get(claims.get("role", AUDIENCE))
    if role != "authenticated":
        raise Unauthorized(f"token role {claims.get('role')!r} is not allowed here")
    try:
        user_id = uuid.UUID(str(claims["sub"]))
    except ValueError:
        raise Unauthorized("token subject is not a user id") from None
    return Identity(role=role, claims=claims, user_id=user_id)


def bearer_token() -> str | None:
    """The request's bearer token, None without an Authorization header."""
    header = flask.request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("expected 'Authorization: Bearer <token>'")
    return token.strip()


def current_identity() -> Identity:
    """The caller of the current request, verified once per request."""
    if "identity" not in flask.g:
        token = bearer_token()
        verifier: TokenVerifier = flask.current_app.extensions["token_verifier"]
        flask.g.identity = ANONYMOUS if token is None else verifier.verify(token)
    return flask.g.identity


def require_user() -> Identity:
    """The caller, who must be a signed-in user: 401 without a token, 403 with the anon key."""
    identity = current_identity()
    if identity.is_user:
        return identity
    if bearer_token() is None:
        raise Unauthorized("this requires a bearer token")
    raise AnonymousForbidden()


def init_app(app: flask.Flask, settings: Settings) -> None:
    """Attach the token verifier to `app`."""
    app.extensions["token_verifier"] = TokenVerifier(settings)
