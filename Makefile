# The two commands a newcomer types: `make run` and `make test`. Python 3.10+ is all they need.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

.PHONY: run test bench bench-soak migrate stop clean

$(INSTALLED): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

# A secret for signing local access tokens, made once and kept out of git.
.env:
	$(PYTHON) -c "import secrets; print('SUPABASE_JWT_SECRET=' + secrets.token_urlsafe(48))" > .env

migrate: $(INSTALLED)
	$(PY) -m migrations

# Local database (embedded unless DATABASE_URL is set), migrations, then the Procfile's processes.
# honcho hands PORT to the first process (web); its own default would be 5000, the contract's 8787.
run: $(INSTALLED) .env migrate
	DATABASE_URL="$${DATABASE_URL:-$$($(PY) -m migrations.embedded url)}" PORT="$${PORT:-8787}" \
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/honcho start -f Procfile -e .env

# Then the API's tests again with the web process behind PgBouncer in transaction mode (skipped,
# saying why, where pgbouncer is not installed); schemathesis ran once already.
test: $(INSTALLED)
	$(PY) -m pytest
	$(PY) -m pytest tests/api --database-pooler=pgbouncer --deselect tests/api/test_schemathesis.py

bench: $(INSTALLED)
	$(PY) -m bench

# Soak mode: the whole system for SOAK_SECONDS (300) at SOAK_RATE tweets/s (200), sampled as it runs.
bench-soak: $(INSTALLED)
	$(PY) -m bench.soak

# Stop the embedded local server that `make run` leaves running.
stop: $(INSTALLED)
	$(PY) -m migrations.embedded stop

clean: stop
	rm -rf .data $(VENV)
