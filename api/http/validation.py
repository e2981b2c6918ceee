"""Checks of what clients send: JSON bodies, tweet content, usernames, profile fields, uuids.

Every string that reaches PostgreSQL went through `clean_text`: NUL would make PostgreSQL fail
(a 500), and lone surrogates cannot even be encoded, so both are refused here as 422.
"""

from __future__ import annotations

import json
import re
import unicodedata
import uuid

import flask
from werkzeug.exceptions import RequestEntityTooLarge

from api.http import characters
from api.http.errors import BadRequest, UnprocessableContent, UnsupportedMediaType

TWEET_MAX_CHARACTERS = 280
FULL_NAME_MAX_CHARACTERS = 100
AVATAR_URL_MAX_CHARACTERS = 2048
REPORT_REASON_MAX_CHARACTERS = 1000
SEARCH_QUERY_MAX_CHARACTERS = 256
USERNAME = re.compile(r"[A-Za-z0-9_]{3,15}")
# C0 and C1 controls and DEL, except tab and newline; the database's check refuses the same set.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
SURROGATES = re.compile(r"[\ud800-\udfff]")
JSON_MEDIA_TYPE = re.compile(r"^application/(?:[\w.+-]+\+)?json$")
# The canonical hyphenated form only, as /openapi.json says (uuid.UUID would also take braces,
# a urn: prefix or 32 bare hex digits).
UUID_TEXT = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")


def json_body() -> dict:
    """The request's JSON object: 415 unless declared JSON, 400 if malformed, 422 unless an object."""
    media_type = (flask.request.mimetype or "").lower()
    if not JSON_MEDIA_TYPE.match(media_type):
        raise UnsupportedMediaType("send the body as application/json")
    # Werkzeug raises 413 here when Content-Length exceeds MAX_CONTENT_LENGTH; a chunked body
    # is cut at that length instead, so one that fills it is taken as too large.
    raw = flask.request.get_data(cache=True)
    if flask.request.content_length is None and len(raw) >= flask.current_app.config["MAX_CONTENT_LENGTH"]:
        raise RequestEntityTooLarge()
    try:
        body = json.loads(raw)
    except ValueError as error:
        raise BadRequest(f"malformed JSON: {error}") from None
    except RecursionError:
        raise BadRequest("malformed JSON: nested too deeply") from None
    if not isinstance(body, dict):
        raise UnprocessableContent("the body must be a JSON object")
    return body


def clean_text(value: object, field: str, multiline: bool = False) -> str:
    """A string NFC-normalised and stripped, without control characters (tab and newline only if multiline)."""
    if not isinstance(value, str):
        raise UnprocessableContent(f"{field} must be a string")
    if SURROGATES.search(value):
        raise UnprocessableContent(f"{field} is not valid Unicode")
    # Checked before stripping: Python's strip() would quietly drop some controls (\x1c-\x1f, \x85);
    # a one-line field refuses tab and newline anywhere, as /openapi.json's pattern says.
    if CONTROL_CHARACTERS.search(value) or (not multiline and re.search(r"[\t\n]", value)):
        raise UnprocessableContent(f"{field} contains control characters")
    return unicodedata.normalize("NFC", value).strip()


def tweet_content(value: object) -> str:
    """Tweet content per the contract: NFC, stripped, then 1..280 code points, one of them visible."""
    text = clean_text(value, "content", multiline=True)
    if not 1 <= len(text) <= TWEET_MAX_CHARACTERS:
        raise UnprocessableContent(f"content must be 1 to {TWEET_MAX_CHARACTERS} characters after trimming")
    # The database refuses the same (tweets_content_visible): zero-width spaces, bidi controls,
    # other format characters and blanks alone show nothing.
    if not characters.has_visible_character(text):
        raise UnprocessableContent("content must have at least one visible character")
    return text


def username(value: object) -> str:
    """A username matching ^[A-Za-z0-9_]{3,15}$."""
    if not isinstance(value, str) or not USERNAME.fullmatch(value):
        raise UnprocessableContent("username must be 3 to 15 letters, digits or underscores")
    return value


def optional_text(body: dict, field: str, max_characters: int) -> str | None:
    """An optional string field: null or absent gives None; an empty string after trimming too."""
    value = body.get(field)
    if value is None:
        return None
    text = clean_text(value, field)
    if len(text) > max_characters:
        raise UnprocessableContent(f"{field} must be at most {max_characters} characters")
    return text or None


def uuid_field(value: object, field: str) -> uuid.UUID:
    """A uuid given as a string in a JSON body."""
    if isinstance(value, str) and UUID_TEXT.fullmatch(value):
        return uuid.UUID(value)
    raise UnprocessableContent(f"{field} must be a uuid")


def unknown_fields(body: dict, allowed: set[str]) -> None:
    """Refuse fields the endpoint does not know, so a typo is not silently ignored."""
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise UnprocessableContent(f"unknown fields: {', '.join(unknown)}")


def query_parameter(name: str, default: str | None = None) -> str | None:
    """The one value of a query parameter; 400 when it is given more than once, whatever the
    values' order (`?limit=5&limit=abc` and `?limit=abc&limit=5` get the same answer)."""
    values = flask.request.args.getlist(name)
    if len(values) > 1:
        raise BadRequest(f"{name} given more than once")
    return values[0] if values else default


def boolean_parameter(name: str) -> bool:
    """A query parameter `true` or `false` (absent: false)."""
    raw = query_parameter(name, "false")
    if raw not in ("true", "false"):
        raise BadRequest(f"{name} must be true or false")
    return raw == "true"
