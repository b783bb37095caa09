# Nudge developer commands. `make test` and `make demo` work on a fresh machine: they create
# .venv and install everything first.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: install test lint format demo bench migrate revision clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) ## create .venv and install Nudge with its dev tools

test: $(STAMP) ## the whole suite (DATABASE_URL/REDIS_URL if set, else the embedded default)
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP) ## ruff, formatting, mypy on app/core + connectors, import contracts, pip-audit
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	$(PY) -m tools.dependency_audit

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

demo: $(STAMP) ## Nudge + sandbox Shopify/WooCommerce/SendGrid + simulated shoppers (embedded default)
	$(PY) -m sandbox.demo

bench: $(STAMP) ## benchmarks; JSON to stdout and bench/results/
	$(PY) -m bench

migrate: $(STAMP) ## apply migrations to DATABASE_URL (or the embedded SQLite file)
	$(VENV)/bin/alembic upgrade head

revision: $(STAMP) ## new migration: make revision m="add something"
	$(VENV)/bin/alembic revision --autogenerate -m "$(m)"

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache instance/*.db* instance/demo
