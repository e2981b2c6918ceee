"""Who is calling: Supabase access tokens verified with PyJWT.

HS256 tokens are checked with `SUPABASE_JWT_SECRET`; when `SUPABASE_URL` is set, tokens whose
header names a key id are checked against the project's JWKS (ES256 or RS256, by the key's type).
The algorithm comes from our key, never from the token. A user token needs `exp` (a number), `role`,
`sub` (a uuid) and `aud = authenticated`; the project's anon key (role `anon`, no `sub`) makes the caller anonymous.

A client sends the same token with every request until it expires, and verifying it took about a
tenth of the CPU time of a `POST /tweets`, so a verified token's identity is remembered for
VERIFIED_TOKEN_CACHE_SECONDS (`VerifiedTokens`): only tokens that passed verification, keyed by the
whole token, and `exp` is checked again on every use. Nothing else can change: the HS256 secret is fixed for the process, the
JWKS keys are cached longer than this anyway, and `nbf`/`iat` only become more valid with time.
"""

from __future__ import annotations

import collections
import dataclasses
import threading
import time
import uuid

import flask
import jwt

from api.caller import accounts
from api.http.errors import AnonymousForbidden, ServiceUnavailable, Unauthorized
from chirp.settings import Settings

LEEWAY_SECONDS = 30
AUDIENCE = "authenticated"
JWKS_CACHE_SECONDS = 600
JWKS_FETCH_TIMEOUT_SECONDS = 5
# The database role each token role acts as; any other role is refused.
ROLE_ALLOW_LIST = {"authenticated": "authenticated", "anon": "anon"}
# Pinned per key type: a key's type decides the one algorithm it may verify.
ALGORITHMS_BY_KEY_TYPE = {"EC": ["ES256"], "RSA": ["RS256"], "oct": ["HS256"]}
# How long, and for how many distinct tokens, a verified token's identity is remembered.
VERIFIED_TOKEN_CACHE_SECONDS = 60.0
VERIFIED_TOKEN_CACHE_ENTRIES = 4096


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


class VerifiedTokens:
    """A bounded, thread-safe memory of verified tokens: token -> (identity, exp, remembered at)."""

    def __init__(self):
        """Start empty; the oldest entry is dropped once VERIFIED_TOKEN_CACHE_ENTRIES are held."""
        self.entries: collections.OrderedDict[str, tuple[Identity, float, float]] = collections.OrderedDict()
        self.lock = threading.Lock()

    def get(self, token: str) -> Identity | None:
        """The identity of `token` if it was verified recently and has not expired since."""
        with self.lock:
            entry = self.entries.get(token)
        if entry is None:
            return None
        identity, expires_at, remembered_at = entry
        stale = time.monotonic() - remembered_at > VERIFIED_TOKEN_CACHE_SECONDS
        if stale or time.time() > expires_at + LEEWAY_SECONDS:
            return None  # so the caller verifies it again, and refuses it once expired
        return identity

    def put(self, token: str, identity: Identity, expires_at: float) -> None:
        """Remember a token that just passed verification."""
        with self.lock:
            self.entries[token] = (identity, expires_at, time.monotonic())
            self.entries.move_to_end(token)
            while len(self.entries) > VERIFIED_TOKEN_CACHE_ENTRIES:
                self.entries.popitem(last=False)


class TokenVerifier:
    """Verifies access tokens against the HS256 secret and, if configured, the project's JWKS."""

    def __init__(self, settings: Settings):
        """Keep the HS256 secret; with SUPABASE_URL, a JWKS client that caches the project's keys."""
        self.secret = settings.jwt_secret
        self.verified = VerifiedTokens()
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
        # Only a JWKS needs the header's key id: without one, the token is not parsed twice.
        key_id = jwt.get_unverified_header(token).get("kid") if self.jwks_client is not None else None
        if key_id:
            signing_key = self.jwks_client.get_signing_key(key_id)
            return signing_key.key, ALGORITHMS_BY_KEY_TYPE.get(signing_key.key_type, [])
        if not self.secret:
            raise jwt.InvalidTokenError("no HS256 secret is configured")
        return self.secret, ALGORITHMS_BY_KEY_TYPE["oct"]

    def verify(self, token: str) -> Identity:
        """The identity a valid token carries (remembered when verified recently); else Unauthorized."""
        identity = self.verified.get(token)
        if identity is None:
            identity, expires_at = self._verify(token)
            self.verified.put(token, identity, expires_at)
        return identity

    def _verify(self, token: str) -> tuple[Identity, float]:
        """Check the token's signature and claims: its identity and `exp`; raises Unauthorized otherwise."""
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
                return ANONYMOUS, _expiry(claims)
        except jwt.PyJWKClientConnectionError as error:
            # The project's keys could not be fetched: our trouble, not the client's token's.
            raise ServiceUnavailable("the token's signing keys cannot be fetched; retry shortly") from error
        except (jwt.PyJWTError, ValueError) as error:
            raise Unauthorized(f"invalid token: {error}") from None
        return _user_identity(claims), _expiry(claims)


def _expiry(claims: dict) -> float:
    """`exp`, which must be a JSON number: PyJWT also accepts a numeric string, which RFC 7519 does not."""
    expires_at = claims["exp"]
    if isinstance(expires_at, bool) or not isinstance(expires_at, (int, float)):
        raise Unauthorized("invalid token: exp must be a number (seconds since the epoch)")
    return expires_at


def _user_identity(claims: dict) -> Identity:
    """A signed-in user's identity, once the role is allowed and `sub` is a uuid."""
    if "role" not in claims:
        raise Unauthorized("invalid token: it has no role claim")
    role = ROLE_ALLOW_LIST.get(claims["role"]) if isinstance(claims["role"], str) else None
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
    """The caller of the current request, verified once per request; a deleted user's token is refused."""
    if "identity" not in flask.g:
        token = bearer_token()
        verifier: TokenVerifier = flask.current_app.extensions["token_verifier"]
        identity = ANONYMOUS if token is None else verifier.verify(token)
        if identity.is_user:
            flask.current_app.extensions[accounts.EXTENSION].require(identity.user_id)
        flask.g.identity = identity
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
