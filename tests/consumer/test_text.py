"""Mentions and hashtags by the contract's rules."""

import pytest

from consumer import text


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("hi @bob", ["bob"]),
        ("@Bob, @BOB and @bob", ["bob"]),
        ("(@alice) @carol_1!", ["alice", "carol_1"]),
        ("mail x@bob or _@bob or 1@bob or é@bob", []),
        ("@al is too short, @abcdefghijklmnop too long", []),
        ("@abcdefghijklmno fits", ["abcdefghijklmno"]),
        ("@bob's and @bob-jr", ["bob"]),
        ("@@bob", ["bob"]),
    ],
)
def test_mentions(content, expected):
    assert text.mentions(content) == expected


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("#Python and #python", ["Python", "python"]),
        ("#2024 #1st #_x_ #__", ["1st", "_x_"]),
        ("a#b 1#c _#d (#e)", ["d", "e"]),
        ("#café #日本", ["café", "日本"]),
        ("#go-lang #go_lang", ["go", "go_lang"]),
        ("no tags # here", []),
    ],
)
def test_hashtags(content, expected):
    assert text.hashtags(content) == expected
