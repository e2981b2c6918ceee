"""How rows from `chirp/sql/api` become the JSON objects of the contract."""

from __future__ import annotations


def author(row: dict, id_column: str) -> dict:
    """The short profile embedded in tweets and notifications."""
    return {
        "id": row[id_column],
        "username": row["username"],
        "full_name": row["full_name"],
        "avatar_url": row["avatar_url"],
    }


def tweet(row: dict) -> dict:
    """A tweet with its author and like count."""
    return {
        "id": row["id"],
        "user_id": row["user_id"],
        "content": row["content"],
        "created_at": row["created_at"],
        "reply_to_id": row["reply_to_id"],
        "author": author(row, "user_id"),
        "like_count": row["like_count"],
    }


def profile(row: dict) -> dict:
    """A profile with its counters."""
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
        # The caller's own blocks and mutes (false for an anonymous caller).
        "blocking": row["blocking"],
        "muting": row["muting"],
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
