"""Named SQL queries, read once from `sql/<folder>/*.sql`: Python passes parameters, never SQL text.

A query starts at a line that is only `-- name --`, then a one-line description comment, and runs
to the next such line; text before the first name is the file's preamble.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

SQL_DIRECTORY = Path(__file__).resolve().parent.parent / "sql"
QUERY_HEADER = re.compile(r"^--\s*(?P<name>[a-z_0-9]+)\s*--\s*$", re.MULTILINE)


def parse(text: str) -> dict[str, str]:
    """Split one file's text into its named queries (descriptions stay, as SQL comments)."""
    parts = QUERY_HEADER.split(text)
    # parts = [preamble, name1, body1, name2, body2, ...]
    return {name: body.strip().rstrip(";").strip() for name, body in zip(parts[1::2], parts[2::2])}


@cache
def load(folder: str) -> dict[str, str]:
    """Every named query of every file in `sql/<folder>/`; a name defined twice is an error."""
    queries: dict[str, str] = {}
    for path in sorted((SQL_DIRECTORY / folder).glob("*.sql")):
        for name, body in parse(path.read_text(encoding="utf-8")).items():
            if name in queries:
                raise ValueError(f"{folder}/{path.name}: query {name!r} is defined twice")
            queries[name] = body
    return queries
