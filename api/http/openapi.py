"""The OpenAPI 3.1 document of every endpoint, served at /openapi.json."""

from __future__ import annotations

from api.http.characters import INVISIBLE_RANGES, schema_bracket_body
from api.http.pages import CURSOR_PATTERN, MAX_CURSOR_CHARACTERS, MAX_PAGE_SIZE
from api.http.validation import (
    AVATAR_URL_MAX_CHARACTERS,
    FULL_NAME_MAX_CHARACTERS,
    REPORT_REASON_MAX_CHARACTERS,
    SEARCH_QUERY_MAX_CHARACTERS,
    TWEET_MAX_CHARACTERS,
)

UUID_PATTERN = "^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$"
UUID = {"type": "string", "format": "uuid", "pattern": UUID_PATTERN}
NULLABLE_UUID = {"type": ["string", "null"], "format": "uuid", "pattern": UUID_PATTERN}
TIMESTAMP = {"type": "string", "format": "date-time"}
# Null only when a concurrent request made the same block or mute a moment before.
NULLABLE_TIMESTAMP = {"type": ["string", "null"], "format": "date-time"}
NULLABLE_STRING = {"type": ["string", "null"]}
USERNAME = {"type": "string", "pattern": "^[A-Za-z0-9_]{3,15}$"}
# What api.http.validation.clean_text refuses: C0 and C1 controls and DEL; tweets allow tab and newline.
ONE_LINE_TEXT = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$"
TWEET_CHARACTER = "[^\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f]"
# At least one visible character (not whitespace, which is stripped, nor one that shows nothing).
TWEET_TEXT = (f"^{TWEET_CHARACTER}*[^\\u0000-\\u001f\\u007f-\\u009f{schema_bracket_body(INVISIBLE_RANGES)}]"
              f"{TWEET_CHARACTER}*$")
IDEMPOTENCY_KEY = {"type": "string", "pattern": "^[\\x21-\\x7e]{1,255}$"}
# A search query: one line, with something besides whitespace (it is stripped before it is counted).
ONE_LINE_CHARACTER = "[^\\u0000-\\u001f\\u007f-\\u009f]"
SEARCH_TEXT = f"^{ONE_LINE_CHARACTER}*[^\\s\\u0000-\\u001f\\u007f-\\u009f]{ONE_LINE_CHARACTER}*$"


def reference(name: str) -> dict:
    """A reference to a schema of the components."""
    return {"$ref": f"#/components/schemas/{name}"}


def json_content(schema: dict) -> dict:
    """A JSON body of that schema."""
    return {"application/json": {"schema": schema}}


def problem(description: str) -> dict:
    """An error response: a problem+json body."""
    return {"description": description,
            "content": {"application/problem+json": {"schema": reference("Problem")}}}


def page_of(name: str) -> dict:
    """A page of items of that schema, with the next cursor."""
    return {"type": "object", "required": ["data", "next_cursor"], "properties": {
        "data": {"type": "array", "items": reference(name)}, "next_cursor": NULLABLE_STRING}}


def operation(summary: str, responses: dict, user: bool = False, parameters: list | None = None,
              body: dict | None = None) -> dict:
    """One operation; every one may answer 429 and 503, user operations 401 and 403 too, and
    operations with query parameters 400 (malformed, or given more than once)."""
    result = {"summary": summary, "parameters": parameters or [], "responses": {
        **responses, "429": problem("Rate limited"), "503": problem("Database unavailable, or the process too busy")}}
    if any(parameter["in"] in ("query", "header") for parameter in parameters or []):
        result["responses"].setdefault("400", problem("A malformed or repeated parameter"))
    if user:
        result["security"] = [{"bearer": []}]
        result["responses"].update({"401": problem("Missing or invalid token"),
                                    "403": problem("Not allowed")})
    if body is not None:
        result["requestBody"] = {"required": True, "content": json_content(body)}
        result["responses"].update({"400": problem("Malformed JSON"), "413": problem("Body over 64 KiB"),
                                    "415": problem("Not JSON"), "422": problem("Invalid fields")})
    return result


def ok(description: str, schema: dict | None = None) -> dict:
    """A success response, with a JSON body when a schema is given."""
    return {"description": description, **({"content": json_content(schema)} if schema else {})}


def path_parameter(name: str, schema: dict) -> dict:
    """A required parameter in the path."""
    return {"name": name, "in": "path", "required": True, "schema": schema}


PAGE_PARAMETERS = [
    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE}},
    {"name": "cursor", "in": "query", "schema": {"type": "string", "pattern": CURSOR_PATTERN,
                                                 "maxLength": MAX_CURSOR_CHARACTERS},
     "description": "next_cursor of the previous page of the same list, as it is"},
]
TWEET_ID = path_parameter("id", UUID)
USER = path_parameter("username", USERNAME)
BAD_PAGE = {"400": problem("Bad limit or cursor")}
NOT_FOUND = {"404": problem("Not found")}
NO_PROFILE = {"422": problem("Create your profile first (PUT /me)")}

STREAM_TICKET = {"name": "ticket", "in": "query", "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{20,100}$"}}
LAST_EVENT_ID = {"name": "Last-Event-ID", "in": "header", "schema": {"type": "string", "pattern": "^[0-9]{1,18}$"}}
EVENT_STREAM = {"description": "Server-Sent Events: `id:`, `event:`, one line of JSON `data:`; comments keep it open",
                "content": {"text/event-stream": {"schema": {"type": "string"}}}}

TWEET_FIELDS = ["id", "user_id", "content", "created_at", "reply_to_id", "author", "like_count", "reply_count",
                "repost_count", "liked", "reposted", "bookmarked"]
TWEET_PROPERTIES = {
    "id": UUID, "user_id": UUID, "content": {"type": "string"}, "created_at": TIMESTAMP,
    "reply_to_id": NULLABLE_UUID, "author": reference("Author"), "like_count": {"type": "integer"},
    "reply_count": {"type": "integer"}, "repost_count": {"type": "integer"},
    "liked": {"type": "boolean"}, "reposted": {"type": "boolean"}, "bookmarked": {"type": "boolean",
                                                                                "description": "false for anon"}}
SEARCH_QUERY = {"name": "q", "in": "query", "required": True, "schema": {
    "type": "string", "minLength": 1, "maxLength": SEARCH_QUERY_MAX_CHARACTERS, "pattern": SEARCH_TEXT}}

SCHEMAS = {
    "Problem": {"type": "object", "required": ["type", "title", "status", "detail"], "properties": {
        "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
        "detail": {"type": "string"}}},
    "Author": {"type": "object", "properties": {"id": UUID, "username": {"type": "string"},
               "full_name": NULLABLE_STRING, "avatar_url": NULLABLE_STRING}},
    "Tweet": {"type": "object", "required": [*TWEET_FIELDS, "quote_of"], "properties": {
        **TWEET_PROPERTIES,
        "quote_of": {"oneOf": [reference("QuotedTweet"), {"type": "null"}],
                     "description": "the quoted tweet, without its own quote_of; null when it is gone"},
        "reposted_by": {**reference("Author"),
                        "description": "in timelines, user pages and the user stream: who reposted it"},
        "reposted_at": {**TIMESTAMP, "description": "when it was reposted (the row's place in the list)"}}},
    "QuotedTweet": {"type": "object", "required": TWEET_FIELDS, "properties": TWEET_PROPERTIES},
    "NewTweet": {"type": "object", "required": ["content"], "additionalProperties": False, "properties": {
        "content": {"type": "string", "minLength": 1, "maxLength": TWEET_MAX_CHARACTERS, "pattern": TWEET_TEXT},
        "reply_to_id": {**NULLABLE_UUID, "description": "a tweet that exists (else 422)"},
        "quote_of_id": {**NULLABLE_UUID, "description": "a tweet that exists, quoted (else 422)"}}},
    "Mark": {"type": "object", "required": ["user_id", "tweet_id", "created_at"], "properties": {
        "user_id": UUID, "tweet_id": UUID, "created_at": {"type": ["string", "null"], "format": "date-time"}}},
    "Context": {"type": "object", "required": ["ancestors", "descendants"], "properties": {
        "ancestors": {"type": "array", "items": reference("Tweet"), "description": "oldest first"},
        "descendants": {"type": "array", "items": reference("Tweet"),
                        "description": "in conversation order, at most 200, nearest replies first"}}},
    "Profile": {"type": "object", "properties": {
        "id": UUID, "username": {"type": "string"}, "full_name": NULLABLE_STRING,
        "avatar_url": NULLABLE_STRING, "created_at": TIMESTAMP, "updated_at": TIMESTAMP,
        "tweet_count": {"type": "integer"}, "follower_count": {"type": "integer"},
        "following_count": {"type": "integer"},
        "following": {"type": "boolean", "description": "the caller follows this user (false for anon)"},
        "followed_by": {"type": "boolean", "description": "this user follows the caller (false for anon)"},
        "blocking": {"type": "boolean", "description": "whether you block this user (false when anonymous)"},
        "muting": {"type": "boolean", "description": "whether you mute this user (false when anonymous)"}}},
    "ProfileUpdate": {"type": "object", "required": ["username"], "additionalProperties": False, "properties": {
        "username": USERNAME,
        "full_name": {"type": ["string", "null"], "maxLength": FULL_NAME_MAX_CHARACTERS, "pattern": ONE_LINE_TEXT},
        "avatar_url": {"type": ["string", "null"], "maxLength": AVATAR_URL_MAX_CHARACTERS,
                       "pattern": ONE_LINE_TEXT}}},
    "Notification": {"type": "object", "properties": {
        "id": UUID, "type": {"enum": ["mention", "reply", "like", "follow", "repost", "quote"]}, "actor": reference("Author"),
        "tweet_id": NULLABLE_UUID, "created_at": TIMESTAMP,
        "read_at": {"type": ["string", "null"], "format": "date-time"}}},
    "MarkRead": {"oneOf": [
        {"type": "object", "required": ["ids"], "additionalProperties": False,
         "properties": {"ids": {"type": "array", "maxItems": 1000, "items": UUID}}},
        {"type": "object", "required": ["all"], "additionalProperties": False,
         "properties": {"all": {"const": True}}}]},
    "Block": {"type": "object", "required": ["blocker_id", "blocked_id", "created_at"], "properties": {
        "blocker_id": UUID, "blocked_id": UUID, "created_at": NULLABLE_TIMESTAMP}},
    "Mute": {"type": "object", "required": ["muter_id", "muted_id", "created_at"], "properties": {
        "muter_id": UUID, "muted_id": UUID, "created_at": NULLABLE_TIMESTAMP}},
    "NewReport": {"type": "object", "required": ["username", "reason"], "additionalProperties": False,
                  "properties": {
                      "username": {**USERNAME, "description": "the user reported (else 422)"},
                      "tweet_id": {**NULLABLE_UUID, "description": "one of their tweets, if it is about one (else 422)"},
                      "reason": {"type": "string", "minLength": 1, "maxLength": REPORT_REASON_MAX_CHARACTERS,
                                 "pattern": TWEET_TEXT}}},
    "Report": {"type": "object", "required": ["id", "created_at"], "properties": {
        "id": UUID, "created_at": TIMESTAMP}},
    "StreamTicket": {"type": "object", "required": ["ticket", "expires_in"], "properties": {
        "ticket": {"type": "string"}, "expires_in": {"type": "integer"}}},
    "Trends": {"type": "object", "properties": {"data": {"type": "array", "items": {
        "type": "object", "properties": {"tag": {"type": "string"}, "count": {"type": "integer"}}}}}},
}

CREATE_TWEET = operation(
    "Create a tweet", {"201": ok("The tweet (or, for a repeated Idempotency-Key, the first one)", reference("Tweet")),
                       "409": problem("The Idempotency-Key's tweet was deleted"),
                       "422": problem("Invalid content, reply_to_id naming no tweet, or no profile yet")},
    user=True, body=reference("NewTweet"),
    parameters=[{"name": "Idempotency-Key", "in": "header", "schema": IDEMPOTENCY_KEY}])

PATHS = {
    "/tweets": {"post": CREATE_TWEET, "get": operation(
        "All tweets, newest first", {"200": ok("A page", page_of("Tweet")), **BAD_PAGE}, parameters=PAGE_PARAMETERS)},
    "/tweet": {"post": {**CREATE_TWEET, "summary": "Create a tweet (the seed's path)",
                        "operationId": "createTweetSeed"}},
    "/tweets/{id}": {
        "get": operation("One tweet", {"200": ok("The tweet", reference("Tweet")), **NOT_FOUND},
                         parameters=[TWEET_ID]),
        "delete": operation("Delete your tweet", {"204": ok("Deleted"), **NOT_FOUND}, user=True,
                            parameters=[TWEET_ID])},
    "/tweets/{id}/like": {
        "post": operation("Like a tweet (idempotent)", {"200": ok("Liked"), **NOT_FOUND, **NO_PROFILE}, user=True,
                          parameters=[TWEET_ID]),
        "delete": operation("Unlike a tweet (idempotent)", {"204": ok("Not liked"), **NOT_FOUND}, user=True,
                            parameters=[TWEET_ID])},
    "/tweets/{id}/repost": {
        "post": operation("Repost a tweet (idempotent)", {"200": ok("Reposted", reference("Mark")), **NOT_FOUND,
                                                         **NO_PROFILE}, user=True, parameters=[TWEET_ID]),
        "delete": operation("Undo a repost (idempotent)", {"204": ok("Not reposted"), **NOT_FOUND}, user=True,
                            parameters=[TWEET_ID])},
    "/tweets/{id}/bookmark": {
        "post": operation("Bookmark a tweet (idempotent, private)",
                          {"200": ok("Bookmarked", reference("Mark")), **NOT_FOUND, **NO_PROFILE}, user=True,
                          parameters=[TWEET_ID]),
        "delete": operation("Remove a bookmark (idempotent)", {"204": ok("Not bookmarked"), **NOT_FOUND}, user=True,
                            parameters=[TWEET_ID])},
    "/me/bookmarks": {"get": operation("Your bookmarks, newest bookmark first",
                                       {"200": ok("A page", page_of("Tweet")), **BAD_PAGE}, user=True,
                                       parameters=PAGE_PARAMETERS)},
    "/tweets/{id}/context": {"get": operation(
        "The thread around a tweet: what it replies to, oldest first, and the replies under it",
        {"200": ok("Ancestors and descendants", reference("Context")), **NOT_FOUND}, parameters=[TWEET_ID])},
    "/hashtags/{tag}/tweets": {"get": operation(
        "Tweets carrying a hashtag (ignoring case), newest first",
        {"200": ok("A page", page_of("Tweet")), **BAD_PAGE,
         "404": problem("Not a hashtag: letters, digits or _ with at least one letter, without '#'")},
        parameters=[path_parameter("tag", {"type": "string", "minLength": 1}), *PAGE_PARAMETERS])},
    "/search/tweets": {"get": operation(
        "Tweets containing every word of q (any order, ignoring case and accents), newest first",
        {"200": ok("A page", page_of("Tweet")), **BAD_PAGE}, parameters=[SEARCH_QUERY, *PAGE_PARAMETERS])},
    "/search/users": {"get": operation(
        "Profiles whose username or full name starts with q (ignoring case and accents), then those containing it",
        {"200": ok("A page", page_of("Profile")), **BAD_PAGE}, parameters=[SEARCH_QUERY, *PAGE_PARAMETERS])},
    "/timeline": {"get": operation("Your tweets and your followees', newest first",
                                   {"200": ok("A page", page_of("Tweet")), **BAD_PAGE}, user=True,
                                   parameters=PAGE_PARAMETERS)},
    "/users/{username}": {"get": operation("A profile", {"200": ok("The profile", reference("Profile")), **NOT_FOUND},
                                           parameters=[USER])},
    "/users/{username}/tweets": {"get": operation(
        "A user's tweets", {"200": ok("A page", page_of("Tweet")), **BAD_PAGE, **NOT_FOUND},
        parameters=[USER, *PAGE_PARAMETERS])},
    "/users/{username}/follow": {
        "post": operation("Follow (idempotent)", {
            "200": ok("Following"), **NOT_FOUND,
            "422": problem("Following yourself, or no profile yet (PUT /me)")}, user=True, parameters=[USER]),
        "delete": operation("Unfollow (idempotent)", {"204": ok("Not following"), **NOT_FOUND}, user=True,
                            parameters=[USER])},
    "/users/{username}/block": {
        "post": operation("Block (idempotent): both follows end, neither sees the other's tweets", {
            "200": ok("Blocking", reference("Block")), **NOT_FOUND,
            "422": problem("Blocking yourself, or no profile yet (PUT /me)")}, user=True, parameters=[USER]),
        "delete": operation("Unblock (idempotent)", {"204": ok("Not blocking"), **NOT_FOUND}, user=True,
                            parameters=[USER])},
    "/users/{username}/mute": {
        "post": operation("Mute (idempotent): their tweets and notifications no longer reach you", {
            "200": ok("Muting", reference("Mute")), **NOT_FOUND,
            "422": problem("Muting yourself, or no profile yet (PUT /me)")}, user=True, parameters=[USER]),
        "delete": operation("Unmute (idempotent)", {"204": ok("Not muting"), **NOT_FOUND}, user=True,
                            parameters=[USER])},
    "/me/blocks": {"get": operation("The profiles you block, newest block first",
                                    {"200": ok("A page", page_of("Profile")), **BAD_PAGE}, user=True,
                                    parameters=PAGE_PARAMETERS)},
    "/me/mutes": {"get": operation("The profiles you mute, newest mute first",
                                   {"200": ok("A page", page_of("Profile")), **BAD_PAGE}, user=True,
                                   parameters=PAGE_PARAMETERS)},
    "/reports": {"post": operation("Report a user or one of their tweets to the operators", {
        "201": ok("Filed", reference("Report")),
        "422": problem("Invalid fields: an unknown user, a tweet not theirs, yourself, no profile yet")},
        user=True, body=reference("NewReport"))},
    "/me": {
        "get": operation("Your profile", {"200": ok("The profile", reference("Profile")), **NOT_FOUND}, user=True),
        "put": operation("Create or replace your profile", {"200": ok("The profile", reference("Profile")),
                                                            "409": problem("Username taken")},
                         user=True, body=reference("ProfileUpdate"))},
    "/notifications": {"get": operation(
        "Your notifications", {"200": ok("A page", page_of("Notification")), **BAD_PAGE}, user=True,
        parameters=[{"name": "unread", "in": "query", "schema": {"type": "string", "enum": ["true", "false"]}},
                    *PAGE_PARAMETERS])},
    "/notifications/read": {"post": operation("Mark notifications read", {"204": ok("Marked")}, user=True,
                                              body=reference("MarkRead"))},
    "/trends": {"get": operation("Top hashtags of the last 24 hours", {"200": ok("Trends", reference("Trends"))})},
    "/stream/tickets": {"post": operation(
        "A single-use ticket for one GET /stream?ticket= within 30 s",
        {"201": ok("The ticket", reference("StreamTicket"))}, user=True)},
    "/stream": {"get": {**operation(
        "Your live updates: notification, tweet and delete events",
        {"200": EVENT_STREAM, "400": problem("Malformed Last-Event-ID")}, user=True,
        parameters=[STREAM_TICKET, LAST_EVENT_ID])}},
    "/stream/public": {"get": operation(
        "Every new tweet, live: tweet and delete events; signed in (bearer or ticket), none of users "
        "you block, who block you, or you mute",
        {"200": EVENT_STREAM, "400": problem("Malformed Last-Event-ID"),
         "401": problem("Invalid token or ticket"), "403": problem("A suspended account")},
        parameters=[STREAM_TICKET, LAST_EVENT_ID])},
    "/healthz": {"get": {"summary": "Liveness", "responses": {"200": ok("Running")}}},
    "/readyz": {"get": {"summary": "Readiness", "responses": {"200": ok("Database answers"),
                                                              "503": problem("Database unavailable, or the process too busy")}}},
    "/metrics": {"get": {"summary": "Prometheus metrics", "responses": {
        "200": {"description": "Text format", "content": {"text/plain": {"schema": {"type": "string"}}}}}}},
    "/openapi.json": {"get": {"summary": "This document", "responses": {"200": ok("OpenAPI 3.1")}}},
}

# The web client, and the local sign-in (Supabase Auth's API and error shapes; not served with
# SUPABASE_URL). Its errors are Supabase Auth's JSON, not problem+json.
AUTH_ERROR = {"description": "Supabase Auth's error", "content": json_content(reference("AuthError"))}
CREDENTIALS = {"type": "object", "properties": {"email": {"type": "string"}, "password": {"type": "string"}}}


def auth_operation(summary: str, success: dict, body: dict | None = None, parameters: list | None = None) -> dict:
    """One operation of the local sign-in: its success, or Supabase Auth's errors."""
    result = {"summary": summary, "tags": ["local sign-in"], "parameters": parameters or [],
              "responses": {**success, "400": AUTH_ERROR, "401": AUTH_ERROR, "403": AUTH_ERROR,
                            "422": AUTH_ERROR, "429": AUTH_ERROR}}
    if body is not None:
        result["requestBody"] = {"required": True, "content": json_content(body)}
    return result


SCHEMAS["AuthError"] = {"type": "object", "properties": {
    "code": {"type": ["integer", "string"]}, "error_code": {"type": "string"}, "msg": {"type": "string"},
    "message": {"type": "string"}}}
SCHEMAS["Session"] = {"type": "object", "required": ["access_token", "token_type", "expires_in", "expires_at",
                                                     "refresh_token", "user"], "properties": {
    "access_token": {"type": "string"}, "token_type": {"const": "bearer"}, "expires_in": {"type": "integer"},
    "expires_at": {"type": "integer"}, "refresh_token": {"type": "string"}, "user": {"type": "object"}}}
PATHS.update({
    "/": {"get": {"summary": "The web client", "responses": {
        "200": {"description": "HTML", "content": {"text/html": {"schema": {"type": "string"}}}}}}},
    "/config.json": {"get": {"summary": "Where the web client signs in", "responses": {
        "200": ok("Auth URL and anon key", {"type": "object", "properties": {
            "auth_url": {"type": "string"}, "anon_key": {"type": "string"}}})}}},
    "/auth/v1/signup": {"post": auth_operation(
        "Sign up with email and password", {"200": ok("A session", reference("Session"))}, body=CREDENTIALS)},
    "/auth/v1/token": {"post": auth_operation(
        "Sign in (grant_type=password) or refresh (grant_type=refresh_token)",
        {"200": ok("A session", reference("Session"))},
        body={"type": "object", "properties": {**CREDENTIALS["properties"], "refresh_token": {"type": "string"}}},
        parameters=[{"name": "grant_type", "in": "query", "required": True,
                     "schema": {"enum": ["password", "refresh_token"]}}])},
    "/auth/v1/user": {"get": {**auth_operation("The signed-in user", {"200": ok("The user", {"type": "object"})}),
                              "security": [{"bearer": []}]}},
    "/auth/v1/logout": {"post": {**auth_operation(
        "Sign out", {"204": ok("Signed out")},
        parameters=[{"name": "scope", "in": "query", "schema": {"enum": ["", "global", "local", "others"]}}]),
        "security": [{"bearer": []}]}},
})

DOCUMENT = {
    "openapi": "3.1.0",
    "info": {"title": "chirp", "version": "1.0.0",
             "description": "A Twitter-like API; every request runs in PostgreSQL as its caller."},
    "paths": PATHS,
    "components": {"schemas": SCHEMAS, "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                                                      "bearerFormat": "JWT"}}},
}
