"""Local sign-in: the subset of Supabase Auth's API that the contract names, on plain PostgreSQL.

`POST /auth/v1/signup`, `POST /auth/v1/token?grant_type=password|refresh_token`, `GET /auth/v1/user`
and `POST /auth/v1/logout` answer with Supabase Auth's own request, response and error shapes, so
that its client libraries (supabase-js, the `supabase_auth` Python package) work unchanged. Errors
are Supabase Auth's JSON, not problem+json (`api.sign_in.errors`). None of it is served when
SUPABASE_URL is set: that project's Auth is.

Passwords are bcrypt hashes (`api.sign_in.passwords`, cost 10 as Supabase Auth's). A sign-in with an
unknown email checks the password against a dummy hash of the same cost, and gets the same answer
as a wrong password, in the same time.
"""

from __future__ import annotations

import json
import re
import uuid

import flask
import jwt
import limits
from flask_limiter import Limiter
from psycopg.types.json import Jsonb

from api.caller.database import get_database
from api.sign_in import errors as local_auth_errors
from api.sign_in import failures, passwords
from api.sign_in import sessions as local_sessions
from api.sign_in.errors import AuthError
from chirp.queries import QUERIES
from chirp.settings import Settings

blueprint = flask.Blueprint("local_auth", __name__, url_prefix="/auth/v1")
local_auth_errors.init_blueprint(blueprint)

MINIMUM_PASSWORD_CHARACTERS = 8
MAXIMUM_EMAIL_BYTES = 255  # as Supabase Auth counts them
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
INVALID_LOGIN = "Invalid login credentials"


def _json_object() -> dict:
    """The request body as a JSON object, whatever its Content-Type (as Supabase Auth reads it)."""
    try:
        body = json.loads(flask.request.get_data() or b"{}")
    except (ValueError, UnicodeDecodeError, RecursionError) as error:
        raise AuthError(400, "bad_json", f"Could not parse request body as JSON: {error}") from None
    if not isinstance(body, dict):
        raise AuthError(400, "bad_json", "Could not parse request body as JSON: expected an object")
    try:
        # JSON may escape a lone surrogate (\ud800), which is no Unicode text: nothing downstream
        # (bcrypt, the database, a digest) could encode it.
        json.dumps(body, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise AuthError(400, "bad_json", "Could not parse request body as JSON: a string holds a lone "
                        "surrogate (\\ud800-\\udfff), which is not text") from None
    return body


def _string(body: dict, name: str) -> str:
    """A string field of the body; absent or not a string counts as empty."""
    value = body.get(name)
    return value if isinstance(value, str) else ""


def _check_email_length(email: str) -> None:
    """Supabase Auth's bound on an email: 400 past MAXIMUM_EMAIL_BYTES of UTF-8."""
    if len(email.encode("utf-8")) > MAXIMUM_EMAIL_BYTES:
        raise AuthError(400, "validation_failed",
                        f"An email address is too long (at most {MAXIMUM_EMAIL_BYTES} bytes)")


def _email(raw: str) -> str:
    """The email, lower-cased as Supabase Auth keeps it; 400 when malformed."""
    email = raw.strip()
    _check_email_length(email)
    if not EMAIL.fullmatch(email):
        raise AuthError(400, "validation_failed", "Unable to validate email address: invalid format")
    return email.lower()


def _check_password_strength(password: str) -> None:
    """Supabase Auth's checks: at most 72 bytes (400), at least the minimum length (422 weak_password)."""
    if len(password.encode("utf-8")) > passwords.MAXIMUM_BYTES:
        raise AuthError(400, "validation_failed",
                        f"Password cannot be longer than {passwords.MAXIMUM_BYTES} characters")
    if len(password) < MINIMUM_PASSWORD_CHARACTERS:
        raise AuthError(422, "weak_password",
                        f"Password should be at least {MINIMUM_PASSWORD_CHARACTERS} characters.",
                        reasons=["length"])


def _issuer() -> local_sessions.Issuer:
    """This server's token issuer (Supabase Auth's `iss` is its own /auth/v1 URL)."""
    secret = flask.current_app.extensions["local_auth"]["secret"]
    return local_sessions.Issuer(secret, flask.request.host_url.rstrip("/") + blueprint.url_prefix)


@blueprint.post("/signup")
def signup():
    """Create a confirmed email user and sign them in (a project without email confirmation)."""
    body = _json_object()
    if not _string(body, "email"):
        raise AuthError(400, "validation_failed", "To signup, please provide your email")
    password = _string(body, "password")
    if not password:
        raise AuthError(400, "validation_failed", "Signup requires a valid password")
    _check_password_strength(password)
    email = _email(_string(body, "email"))
    metadata = body.get("data") if isinstance(body.get("data"), dict) else {}
    local_sessions.check_metadata_size(metadata)  # the token's own check comes later; this spares bcrypt
    password_hash = passwords.hash_password(password)  # before the transaction: no connection waits on it
    with get_database().owner_transaction() as connection:
        row = connection.execute(QUERIES["create_password_user"], {
            "user_id": uuid.uuid4(), "email": email, "password_hash": password_hash,
            "user_metadata": Jsonb(metadata),
        }).fetchone()
        if row is None:
            raise AuthError(422, "user_already_exists", "User already registered")
        return local_sessions.start_session(_issuer(), connection, row["id"])


@blueprint.post("/token")
def token():
    """The password and refresh-token grants; any other grant type is refused as Supabase Auth does."""
    grant_type = flask.request.args.get("grant_type", "")
    if grant_type == "password":
        return _password_grant(_json_object())
    if grant_type == "refresh_token":
        return _refresh_token_grant(_json_object())
    raise AuthError(400, "invalid_credentials", "unsupported_grant_type")


def _password_grant(body: dict) -> dict:
    """Sign in with email and password; one answer for an unknown email and a wrong password."""
    raw_email = _string(body, "email")
    if not raw_email:
        raise AuthError(400, "validation_failed", "missing email or phone")
    email = raw_email.strip().lower()
    _check_email_length(email)
    failures.count_attempt(email)  # before the check: concurrent guesses get no more checks than the limit
    with get_database().owner_transaction() as connection:
        row = connection.execute(QUERIES["password_hash"], {"email": email}).fetchone()
    # Checked outside the transaction: no connection is held for bcrypt's tens of milliseconds.
    if passwords.matches(_string(body, "password"), row and row["encrypted_password"]):
        failures.forgive_attempt(email)
        with get_database().owner_transaction() as connection:
            return local_sessions.start_session(_issuer(), connection, row["id"])
    raise AuthError(400, "invalid_credentials", INVALID_LOGIN)


def _refresh_token_grant(body: dict) -> dict:
    """Spend a refresh token for a new session response; a spent one presented again ends its session."""
    refresh_token = _string(body, "refresh_token")
    if not 12 <= len(refresh_token) <= 255:
        raise AuthError(400, "validation_failed", "Refresh token is not valid")
    token_hash = local_sessions.token_hash(refresh_token)
    with get_database().owner_transaction() as connection:
        spent = connection.execute(QUERIES["spend_refresh_token"], {"token_hash": token_hash}).fetchone()
        if spent is not None:
            successor = local_sessions.rotate(connection, spent)
            return local_sessions.session_json(
                _issuer(), connection, spent["user_id"], spent["session_id"], successor)
        state = connection.execute(QUERIES["refresh_token_state"], {"token_hash": token_hash}).fetchone()
        if state is not None and state["revoked"]:
            # Reuse of a spent token means it leaked, or a client lost the successor: end the session.
            connection.execute(QUERIES["end_session"], {"session_id": state["session_id"]})
    if state is not None:
        raise AuthError(400, "refresh_token_already_used", "Invalid Refresh Token: Already Used")
    raise AuthError(400, "refresh_token_not_found", "Invalid Refresh Token: Refresh Token Not Found")


def _signed_in_user(connection) -> tuple[dict, str | None]:
    """The user and session of the request's access token, refused as Supabase Auth refuses them."""
    scheme, _, token = flask.request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError(401, "no_authorization", "This endpoint requires a valid Bearer token")
    try:
        claims = jwt.decode(token.strip(), flask.current_app.extensions["local_auth"]["secret"],
                            algorithms=["HS256"], audience="authenticated", options={"require": ["exp"]})
    except jwt.PyJWTError as error:
        raise AuthError(403, "bad_jwt", f"invalid JWT: unable to parse or verify signature, {error}") from None
    try:
        user_id = uuid.UUID(str(claims["sub"]))
    except KeyError:
        raise AuthError(403, "bad_jwt", "invalid claim: missing sub claim") from None
    except ValueError:
        raise AuthError(400, "bad_jwt", "invalid claim: sub claim must be a UUID") from None
    row = connection.execute(QUERIES["auth_user"], {"user_id": user_id}).fetchone()
    if row is None:
        raise AuthError(403, "user_not_found", "User from sub claim in JWT does not exist")
    session_id = claims.get("session_id")
    if session_id is not None:
        try:
            parameters = {"session_id": uuid.UUID(str(session_id)), "user_id": user_id}
        except ValueError:
            raise AuthError(403, "bad_jwt", "invalid claim: session_id claim must be a UUID") from None
        if not connection.execute(QUERIES["session_exists"], parameters).fetchone()["exists"]:
            raise AuthError(403, "session_not_found", "Session from session_id claim in JWT does not exist")
    return row, session_id


@blueprint.get("/user")
def user():
    """The signed-in user."""
    with get_database().owner_transaction() as connection:
        row, _ = _signed_in_user(connection)
    return local_sessions.user_json(row)


@blueprint.post("/logout")
def logout():
    """Sign out: `scope=global` (default) every session of the user, `local` this one, `others` the rest."""
    scope = flask.request.args.get("scope", "global") or "global"
    if scope not in ("global", "local", "others"):
        raise AuthError(400, "validation_failed", f"Unsupported logout scope {scope!r}")
    with get_database().owner_transaction() as connection:
        row, session_id = _signed_in_user(connection)
        if scope == "global" or session_id is None:
            connection.execute(QUERIES["end_user_sessions"], {"user_id": row["id"]})
        elif scope == "local":
            connection.execute(QUERIES["end_session"], {"session_id": session_id})
        else:
            connection.execute(QUERIES["end_other_sessions"], {"user_id": row["id"], "session_id": session_id})
    return "", 204


def init_app(app: flask.Flask, settings: Settings, limiter: Limiter) -> None:
    """Serve /auth/v1 on `app` unless a Supabase project's own Auth is configured."""
    if settings.supabase_url:
        return
    app.extensions["local_auth"] = {
        "secret": settings.require_jwt_secret(), "limiter": limiter,
        # Settings checked the notation; the first rate of the setting is the limit.
        "failed_sign_in_limit": limits.parse(settings.rate_limit_failed_sign_in),
    }
    app.register_blueprint(blueprint)
