"""The characters a tweet may not start or end with, and those that show nothing on their own.

The database's checks on `public.tweets.content` use the same two sets, written out in
migrations/20261206000300_tweet_content_rules.sql; tests/db/test_tweet_content_rules.py compares
them code point by code point, so the API refuses with 422 whatever the database would refuse.
"""

from __future__ import annotations

import re

# What Python's str.strip() removes (str.isspace): Unicode's White_Space and the separators
# \x1c-\x1f. Content is stripped of these, so it neither starts nor ends with one.
WHITESPACE_RANGES = (
    (0x0009, 0x000D), (0x001C, 0x0020), (0x0085, 0x0085), (0x00A0, 0x00A0), (0x1680, 0x1680),
    (0x2000, 0x200A), (0x2028, 0x2029), (0x202F, 0x202F), (0x205F, 0x205F), (0x3000, 0x3000),
)

# Characters that show nothing by themselves: whitespace; Unicode's Default_Ignorable_Code_Point
# (zero-width spaces and joiners, bidi controls such as U+202E, the soft hyphen, variation
# selectors, Hangul fillers, tags); the other format characters (Cf) except the prepended
# concatenation marks (U+0600-0605, U+06DD, ...), which draw a sign; and U+2800 BRAILLE PATTERN
# BLANK, the usual way to post "nothing". A tweet needs at least one character outside this set.
INVISIBLE_RANGES = (
    (0x0009, 0x000D), (0x001C, 0x0020), (0x0085, 0x0085), (0x00A0, 0x00A0), (0x00AD, 0x00AD),
    (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160), (0x1680, 0x1680), (0x17B4, 0x17B5),
    (0x180B, 0x180F), (0x2000, 0x200F), (0x2028, 0x202F), (0x205F, 0x206F), (0x2800, 0x2800),
    (0x3000, 0x3000), (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFFB), (0x13430, 0x1343F), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF),
)


def bracket_body(ranges: tuple[tuple[int, int], ...]) -> str:
    """The inside of a regular expression's bracket expression matching `ranges`, as escapes that
    Python's `re` and PostgreSQL's regular expressions read alike (\\uXXXX, \\UXXXXXXXX)."""

    def escape(code_point: int) -> str:
        return f"\\u{code_point:04X}" if code_point <= 0xFFFF else f"\\U{code_point:08X}"

    return "".join(escape(first) if first == last else f"{escape(first)}-{escape(last)}"
                   for first, last in ranges)


def schema_bracket_body(ranges: tuple[tuple[int, int], ...]) -> str:
    """The same for a JSON Schema `pattern` (ECMA-262 with the u flag, and Python's `re`): \\uXXXX in
    the Basic Multilingual Plane, the characters themselves beyond it (the two share no escape there)."""

    def character(code_point: int) -> str:
        return f"\\u{code_point:04X}" if code_point <= 0xFFFF else chr(code_point)

    return "".join(character(first) if first == last else f"{character(first)}-{character(last)}"
                   for first, last in ranges)


VISIBLE = re.compile(f"[^{bracket_body(INVISIBLE_RANGES)}]")


def has_visible_character(text: str) -> bool:
    """Whether `text` holds at least one character that shows something."""
    return VISIBLE.search(text) is not None
