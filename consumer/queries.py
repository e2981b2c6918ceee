"""The consumer's SQL: the named queries of `sql/consumer/*.sql`, read once."""

from migrations.queries import load


def query(name: str) -> str:
    """The text of the query called `name`."""
    return load("consumer")[name]
