"""The database holds tweet content to the API's rules for any writer: NFC, trimmed, something visible.

Tried as `authenticated`, the way PostgREST or psql with that role and claims would write, and
compared code point by code point with the API's own sets (api/http/characters.py).
"""

from __future__ import annotations

import unicodedata

import psycopg
import pytest

from api.http import characters
from tests.helpers.fixtures import acting_as

LAST_CODE_POINT = 0x10FFFF
SURROGATES = range(0xD800, 0xE000)


def insert_as(connection, user_id, content) -> str | None:
    """Insert a tweet as `authenticated` `user_id`; the name of the check it breaks, or None."""
    with acting_as(connection, user_id):
        try:
            connection.execute("insert into public.tweets (user_id, content) values (%s, %s)",
                               (user_id, content))
        except psycopg.errors.CheckViolation as error:
            return error.diag.constraint_name
    return None


@pytest.mark.parametrize("content, rule", [
    ("   ", "tweets_content_trimmed"),
    ("\n\t", "tweets_content_trimmed"),
    (" leading", "tweets_content_trimmed"),
    ("trailing\n", "tweets_content_trimmed"),
    ("\u3000ideographic space", "tweets_content_trimmed"),
    ("no-break space\u00a0", "tweets_content_trimmed"),
    ("\u202e\u200b", "tweets_content_visible"),
    ("\u200b", "tweets_content_visible"),
    ("\u200d\u2060\ufeff", "tweets_content_visible"),
    ("\u2800\u2800", "tweets_content_visible"),
    ("\u3164", "tweets_content_visible"),
    ("\U000e0041\U000e007f", "tweets_content_visible"),
    ("e\u0301", "tweets_content_nfc"),
    ("\u212b", "tweets_content_nfc"),  # ANGSTROM SIGN: NFC is U+00C5
])
def test_content_breaking_a_rule_is_refused(postgresql, alice, content, rule):
    assert insert_as(postgresql, alice, content) == rule


@pytest.mark.parametrize("content", [
    "a", "\u00e9", "a\u200bb", "line one\n\tline two", "\u06dd", "\U0001F600", "x" * 280,
    "\u0627\u0644\u0633\u0644\u0627\u0645 \u202bmixed\u202c text",
])
def test_content_keeping_the_rules_is_accepted(postgresql, alice, content):
    assert insert_as(postgresql, alice, content) is None


def test_the_rules_are_validated_for_existing_rows(postgresql):
    rows = postgresql.execute(
        "select conname, convalidated from pg_constraint where conrelid = 'public.tweets'::regclass"
        " and conname in ('tweets_content_nfc', 'tweets_content_trimmed', 'tweets_content_visible')").fetchall()
    assert sorted(rows) == [("tweets_content_nfc", True), ("tweets_content_trimmed", True),
                            ("tweets_content_visible", True)]


def code_points_failing(connection, constraint: str) -> set[int]:
    """Every code point whose one-character content fails `constraint`'s expression."""
    expression = connection.execute(
        "select pg_get_expr(conbin, conrelid) from pg_constraint"
        " where conrelid = 'public.tweets'::regclass and conname = %s", (constraint,)).fetchone()[0]
    # The expression is the catalog's own text, over one column named `content`.
    rows = connection.execute(
        f"select code_point from generate_series(1, {LAST_CODE_POINT}) as code_point,"
        f" lateral (select chr(code_point) as content) as one"
        f" where code_point not between {SURROGATES.start} and {SURROGATES.stop - 1} and not ({expression})")
    return {code_point for (code_point,) in rows}


def code_points_in(ranges) -> set[int]:
    return {code_point for first, last in ranges for code_point in range(first, last + 1)}


def test_the_databases_invisible_characters_are_the_apis(postgresql):
    invisible = code_points_failing(postgresql, "tweets_content_visible")
    assert invisible == code_points_in(characters.INVISIBLE_RANGES)
    api_invisible = {code_point for code_point in range(1, LAST_CODE_POINT + 1)
                     if code_point not in SURROGATES and not characters.has_visible_character(chr(code_point))}
    assert api_invisible == invisible
    assert {0x202E, 0x200B, 0x20, 0x3164, 0x2800} <= invisible and not {0x41, 0x06DD, 0x1F600} & invisible


def test_the_databases_whitespace_is_what_the_api_strips(postgresql):
    whitespace = code_points_failing(postgresql, "tweets_content_trimmed")
    assert whitespace == code_points_in(characters.WHITESPACE_RANGES)
    assert whitespace == {code_point for code_point in range(LAST_CODE_POINT + 1)
                          if code_point not in SURROGATES and chr(code_point).isspace()}


def test_every_format_character_but_the_prepended_marks_is_invisible():
    invisible = code_points_in(characters.INVISIBLE_RANGES)
    prepended_concatenation_marks = {*range(0x0600, 0x0606), 0x06DD, 0x070F, 0x0890, 0x0891, 0x08E2,
                                     0x110BD, 0x110CD}
    format_characters = {code_point for code_point in range(LAST_CODE_POINT + 1)
                         if unicodedata.category(chr(code_point)) == "Cf"}
    assert format_characters - prepended_concatenation_marks <= invisible
    assert not prepended_concatenation_marks & invisible
