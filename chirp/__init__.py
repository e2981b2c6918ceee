"""chirp's shared core, used by the web tier (`api`), the consumer and `python -m migrations`:
settings and `.env`, logging, connections, the named SQL (`sql/`), the migration runner, the
embedded local PostgreSQL, and the launcher behind `make run`, `make psql` and `make stop`."""
