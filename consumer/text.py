"""Mentions and hashtags in tweet text, by the contract's rules."""

from __future__ import annotations

import re

# `@username` not preceded by a letter, digit or `_`; a username is 3 to 15 of [A-Za-z0-9_], and a
# longer run of those characters is no username at all.
MENTION = re.compile(r"(?<!\w)@([A-Za-z0-9_]{3,15})(?![A-Za-z0-9_])")
# `#` then letters, digits or `_` (at least one letter), not preceded by a letter or digit.
HASHTAG = re.compile(r"(?<![^\W_])#(\w+)")


def mentions(content: str) -> list[str]:
    """The distinct usernames mentioned, lower case, in order of first mention."""
    return list(dict.fromkeys(name.lower() for name in MENTION.findall(content)))


def hashtags(content: str) -> list[str]:
    """The distinct hashtags (without `#`), in order of first use; lower-casing is the database's."""
    tags = (tag for tag in HASHTAG.findall(content) if any(character.isalpha() for character in tag))
    return list(dict.fromkeys(tags))
