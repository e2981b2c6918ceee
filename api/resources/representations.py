"""How rows from `chirp/sql/api` become the JSON objects of the contract."""

from __future__ import annotations


def author(row: dict, id_column: str, prefix: str = "") -> dict:
    """The short profile embedded in tweets and notifications (its columns named `prefix` + name)."""
    return {
        "id": row[id_column],
        "username": row[f"{prefix}username"],
        "full_name": row[f"{prefix}full_name"],
        "avatar_url": row[f"{prefix}avatar_url"],
    }


def tweet(row: dict) -> dict:
    """A tweet as the caller sees it: author, counts, what the caller did, the tweet it quotes; and
    who reposted it, in lists that show it because of a repost."""
    shown = _tweet(row, "")
    shown["quote_of"] = _tweet(row, "quoted_") if row["quoted_id"] is not None else None
    if row.get("reposted_by_id") is not None:
        shown["reposted_by"] = author(row, "reposted_by_id", "reposted_by_")
        shown["reposted_at"] = row["position_at"]
    return shown


def _tweet(row: dict, prefix: str) -> dict:
    """The contract's tweet fields from the columns named `prefix` + name (without quote_of)."""
    return {
        "id": row[f"{prefix}id"],
        "user_id": row[f"{prefix}user_id"],
        "content": row[f"{prefix}content"],
        "created_at": row[f"{prefix}created_at"],
        "reply_to_id": row[f"{prefix}reply_to_id"],
        "author": author(row, f"{prefix}user_id", prefix),
        "like_count": row[f"{prefix}like_count"],
        "reply_count": row[f"{prefix}reply_count"],
        "repost_count": row[f"{prefix}repost_count"],
        "liked": row[f"{prefix}liked"],
        "reposted": row[f"{prefix}reposted"],
        "bookmarked": row[f"{prefix}bookmarked"],
    }


RELATION_FLAGS = ("following", "followed_by", "blocking", "muting")


def profile(row: dict) -> dict:
    """A profile with its counters, and whether the caller follows it and it follows the caller."""
    return {
        "id": row["id"],
        "username": row["username"],
        "full_name": row["full_name"],
        "avatar_url": row["avatar_url"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "tweet_count": row["tweet_count"],
        "follower_count": row["follower_count"],
        "following_count": row["following_count"],
        # The caller's relation to this user (false for an anonymous caller, and in lists whose
        # query does not ask: a list of one's blocks or mutes, say).
        **{flag: bool(row.get(flag)) for flag in RELATION_FLAGS},
    }


def notification(row: dict) -> dict:
    """A notification with the profile of whoever caused it."""
    return {
        "id": row["id"],
        "type": row["type"],
        "actor": author(row, "actor_id"),
        "tweet_id": row["tweet_id"],
        "created_at": row["created_at"],
        "read_at": row["read_at"],
    }
