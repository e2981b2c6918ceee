"""The API's SQL: named queries read once from `sql/api/*.sql`.

A query starts with a `-- name: NAME --` line and a one-line description comment; its text runs
to the next such line. Python passes parameters to these texts and never formats SQL itself.
"""

from __future__ import annotations

import re
from pathlib import Path

SQL_DIRECTORY = Path(__file__).resolve().parent.parent / "sql" / "api"
QUERY_HEADER = re.compile(r"^-- name: (?P<name>\w+) --\s*$", re.MULTILINE)


def parse(text: str) -> dict[str, str]:
    """Split one file's text into its named queries; text before the first name is a preamble."""
    parts = QUERY_HEADER.split(text)
    # parts = [preamble, name1, body1, name2, body2, ...]
    return {name: body.strip().rstrip(";") for name, body in zip(parts[1::2], parts[2::2])}


def load(directory: Path = SQL_DIRECTORY) -> dict[str, str]:
    """Every named query of every file in `directory`; a name used twice is an error."""
    queries: dict[str, str] = {}
    for path in sorted(directory.glob("*.sql")):
        for name, body in parse(path.read_text(encoding="utf-8")).items():
            if name in queries:
                raise ValueError(f"{path.name}: query {name!r} is defined twice")
            queries[name] = body
    return queries


QUERIES = load()
