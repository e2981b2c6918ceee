"""The event types the triggers enqueue, as frozen dataclasses, and their strict parsing."""

from __future__ import annotations

import dataclasses
import re
import uuid
from datetime import datetime
from typing import Any, Union


class MalformedEvent(ValueError):
    """A message that can never be processed: not an object, an unknown type, a missing or bad field."""


@dataclasses.dataclass(frozen=True)
class TweetCreated:
    tweet_id: uuid.UUID
    user_id: uuid.UUID
    reply_to_id: uuid.UUID | None
    content: str
    created_at: datetime
    quote_of_id: uuid.UUID | None = None


@dataclasses.dataclass(frozen=True)
class TweetDeleted:
    tweet_id: uuid.UUID
    user_id: uuid.UUID
    content: str
    created_at: datetime
    # Absent from messages enqueued before reply counts were kept.
    reply_to_id: uuid.UUID | None = None


@dataclasses.dataclass(frozen=True)
class LikeCreated:
    user_id: uuid.UUID
    tweet_id: uuid.UUID


@dataclasses.dataclass(frozen=True)
class LikeDeleted:
    user_id: uuid.UUID
    tweet_id: uuid.UUID


@dataclasses.dataclass(frozen=True)
class RepostCreated:
    user_id: uuid.UUID
    tweet_id: uuid.UUID


@dataclasses.dataclass(frozen=True)
class RepostDeleted:
    user_id: uuid.UUID
    tweet_id: uuid.UUID


@dataclasses.dataclass(frozen=True)
class FollowCreated:
    follower_id: uuid.UUID
    followee_id: uuid.UUID


@dataclasses.dataclass(frozen=True)
class FollowDeleted:
    follower_id: uuid.UUID
    followee_id: uuid.UUID


@dataclasses.dataclass(frozen=True)
class BlockCreated:
    blocker_id: uuid.UUID
    blocked_id: uuid.UUID


@dataclasses.dataclass(frozen=True)
class BlockDeleted:
    blocker_id: uuid.UUID
    blocked_id: uuid.UUID


@dataclasses.dataclass(frozen=True)
class MuteCreated:
    muter_id: uuid.UUID
    muted_id: uuid.UUID


@dataclasses.dataclass(frozen=True)
class MuteDeleted:
    muter_id: uuid.UUID
    muted_id: uuid.UUID


@dataclasses.dataclass(frozen=True)
class UserSuspended:
    user_id: uuid.UUID


@dataclasses.dataclass(frozen=True)
class UserReinstated:
    user_id: uuid.UUID


Event = Union[TweetCreated, TweetDeleted, LikeCreated, LikeDeleted, RepostCreated, RepostDeleted,
              FollowCreated, FollowDeleted, BlockCreated, BlockDeleted, MuteCreated, MuteDeleted,
              UserSuspended, UserReinstated]

EVENT_TYPES: dict[str, type] = {
    "tweet.created": TweetCreated,
    "tweet.deleted": TweetDeleted,
    "like.created": LikeCreated,
    "like.deleted": LikeDeleted,
    "repost.created": RepostCreated,
    "repost.deleted": RepostDeleted,
    "follow.created": FollowCreated,
    "follow.deleted": FollowDeleted,
    "block.created": BlockCreated,
    "block.deleted": BlockDeleted,
    "mute.created": MuteCreated,
    "mute.deleted": MuteDeleted,
    "user.suspended": UserSuspended,
    "user.reinstated": UserReinstated,
}

# Fields that may be null or absent: a tweet that replies to or quotes nothing.
OPTIONAL_FIELDS = frozenset({"reply_to_id", "quote_of_id"})
# PostgreSQL writes 0 to 6 fraction digits; Python 3.10's fromisoformat wants 0, 3 or 6.
FRACTION = re.compile(r"\.(\d{1,6})(?=[+-]|Z|$)")


def parse(message: Any) -> Event:
    """The event a queue message describes; raises MalformedEvent when it describes none."""
    if not isinstance(message, dict):
        raise MalformedEvent(f"message is {type(message).__name__}, not an object")
    type_name = message.get("type")
    event_type = EVENT_TYPES.get(type_name) if isinstance(type_name, str) else None
    if event_type is None:
        raise MalformedEvent(f"unknown event type {type_name!r}"[:200])
    values = {}
    for field in dataclasses.fields(event_type):
        values[field.name] = _field(message, field.name, optional=field.name in OPTIONAL_FIELDS)
    return event_type(**values)


def _field(message: dict, name: str, optional: bool) -> Any:
    """One field, converted by its name: ids to UUID, `created_at` to datetime, `content` checked."""
    value = message.get(name)
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise MalformedEvent(f"{message.get('type')}: field {name!r} is missing or not a string")
    try:
        if name.endswith("_id"):
            return uuid.UUID(value)
        if name == "created_at":
            return _timestamp(value)
    except ValueError:
        raise MalformedEvent(f"{message.get('type')}: field {name!r} is malformed: {value[:100]!r}") from None
    return value


def _timestamp(text: str) -> datetime:
    """An ISO 8601 timestamp with its time zone, as PostgreSQL's jsonb writes them."""
    padded = FRACTION.sub(lambda match: "." + match[1].ljust(6, "0"), text.replace("Z", "+00:00"))
    parsed = datetime.fromisoformat(padded)
    if parsed.tzinfo is None:
        raise ValueError("no time zone")
    return parsed
