"""Blocks, mutes and suspensions: what their events tell the live streams.

Their other effects are elsewhere: home timelines in `home_timeline.write` (a block or a mute takes
the other's entries out, an unmute brings them back), and notifications in the statements that
write them, which skip every pair of users across a block or a mute (chirp/sql/consumer/effects.sql).
A suspended user's tweets stay in their followers' home timelines, hidden by RLS, so that lifting
the suspension restores them.
"""

from __future__ import annotations

import uuid

from consumer import events

SAFETY_EVENTS = (events.BlockCreated, events.BlockDeleted, events.MuteCreated, events.MuteDeleted,
                 events.UserSuspended, events.UserReinstated)
# The live event kind of each (see the migration *_safety_events.sql).
LIVE_KINDS = {
    events.BlockCreated: "block", events.BlockDeleted: "unblock",
    events.MuteCreated: "mute", events.MuteDeleted: "unmute",
    events.UserSuspended: "suspend", events.UserReinstated: "reinstate",
}


def live_event(event) -> tuple[str, uuid.UUID, None, None, uuid.UUID | None]:
    """The live event row (kind, user id, tweet id, followee id, target id) of a safety event:
    the user who blocks or mutes and whom, or the user suspended or reinstated."""
    kind = LIVE_KINDS[type(event)]
    if isinstance(event, (events.BlockCreated, events.BlockDeleted)):
        return (kind, event.blocker_id, None, None, event.blocked_id)
    if isinstance(event, (events.MuteCreated, events.MuteDeleted)):
        return (kind, event.muter_id, None, None, event.muted_id)
    return (kind, event.user_id, None, None, None)
