# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/servicedesk

.PHONY: run test test-sqlite test-postgres lint bench install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

## Set up and run the service: venv, install, migrate, start the web server.
run: install
	$(BIN)/servicedesk migrate --no-input -v0
	@echo
	@echo "  Servicedesk runs at http://$(HOST):$(PORT)/"
	@echo "  Django admin: http://$(HOST):$(PORT)/admin/"
	@echo "  What-if: $(BIN)/servicedesk policy deadline --type functional --priority standard --reported 2026-11-24T11:00"
	@echo
	DEBUG=1 $(BIN)/servicedesk runserver $(HOST):$(PORT)

## Every test: ruff, the whole suite on SQLite, then again on PostgreSQL.
test: lint test-sqlite test-postgres

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

test-sqlite: install
	env -u DATABASE_URL $(BIN)/pytest -p no:cacheprovider

test-postgres: install
	DATABASE_URL=$(PG_URL) $(BIN)/pytest -p no:cacheprovider

bench: install
	$(BIN)/python bench/policy.py

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .hypothesis
