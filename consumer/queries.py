"""Named SQL queries from `sql/consumer/*.sql`, loaded once: `-- name --`, a description, the query."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

QUERIES_DIRECTORY = Path(__file__).resolve().parent.parent / "sql" / "consumer"
# A query starts at a line that is only `-- name --`.
QUERY_HEADER = re.compile(r"^--\s*(?P<name>[a-z_]+)\s*--\s*$", re.MULTILINE)


def parse(text: str) -> dict[str, str]:
    """Split one file's text into its named queries (descriptions included as SQL comments)."""
    headers = list(QUERY_HEADER.finditer(text))
    queries = {}
    for header, following in zip(headers, headers[1:] + [None]):
        end = following.start() if following else len(text)
        body = text[header.end():end].strip().rstrip(";").strip()
        queries[header["name"]] = body
    return queries


@cache
def all_queries(directory: Path = QUERIES_DIRECTORY) -> dict[str, str]:
    """Every named query of every file in `directory`; a name used twice is an error."""
    queries: dict[str, str] = {}
    for path in sorted(directory.glob("*.sql")):
        for name, query in parse(path.read_text(encoding="utf-8")).items():
            if name in queries:
                raise ValueError(f"query {name!r} is defined twice (second time in {path.name})")
            queries[name] = query
    return queries


def query(name: str) -> str:
    """The text of the query called `name`."""
    return all_queries()[name]
