"""Named SQL queries, read once from `chirp/sql/**/*.sql`: Python passes parameters, never SQL text.

A query starts at a line that is only `-- name --`, then a one-line description comment, and runs
to the next such line; text before the first name is the file's preamble. Every process reads its
queries one way, `QUERIES["name"]`; names are unique across the whole folder. The operators' psql
scripts (`sql/operators/`) hold no named queries and are not read here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import cached_property
from pathlib import Path

SQL_DIRECTORY = Path(__file__).resolve().parent / "sql"
OPERATOR_SCRIPTS = SQL_DIRECTORY / "operators"
QUERY_HEADER = re.compile(r"^--\s*(?P<name>[a-z_0-9]+)\s*--\s*$", re.MULTILINE)


class QueryFilesMissing(RuntimeError):
    """The package was installed without its SQL: every endpoint would fail, so nothing starts."""


def parse(text: str) -> dict[str, str]:
    """Split one file's text into its named queries (descriptions stay, as SQL comments)."""
    parts = QUERY_HEADER.split(text)
    # parts = [preamble, name1, body1, name2, body2, ...]
    return {name: body.strip().rstrip(";").strip() for name, body in zip(parts[1::2], parts[2::2])}


def read_folder(directory: Path) -> dict[str, str]:
    """Every named query of every file under `directory`; a name defined twice is an error."""
    paths = sorted(path for path in directory.rglob("*.sql") if OPERATOR_SCRIPTS not in path.parents)
    if not paths:
        raise QueryFilesMissing(f"no SQL files under {directory}: the package was installed without them")
    queries: dict[str, str] = {}
    for path in paths:
        for name, body in parse(path.read_text(encoding="utf-8")).items():
            if name in queries:
                raise ValueError(f"{path.relative_to(directory)}: query {name!r} is defined twice")
            queries[name] = body
    return queries


class Queries(Mapping[str, str]):
    """The named queries, read on first use; a missing name is a KeyError that says where to look."""

    def __init__(self, directory: Path = SQL_DIRECTORY):
        self.directory = directory

    @cached_property
    def _queries(self) -> dict[str, str]:
        return read_folder(self.directory)

    def __getitem__(self, name: str) -> str:
        try:
            return self._queries[name]
        except KeyError:
            raise KeyError(f"no query named {name!r} under {self.directory}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._queries)

    def __len__(self) -> int:
        return len(self._queries)


QUERIES = Queries()
