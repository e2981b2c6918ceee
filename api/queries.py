"""The API's SQL: the named queries of `sql/api/*.sql`, read once."""

from migrations.queries import load

QUERIES = load("api")
