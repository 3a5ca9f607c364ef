# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
LMTP_PORT ?= 8024
PG_URL ?= postgres://postgres@127.0.0.1:5432/servicedesk

.PHONY: run test test-sqlite test-postgres test-package lint bench install clean system-deps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

## Set up and run the service: venv, install, migrate, demo data, worker and web server.
run: export SERVICEDESK_BASE_URL ?= http://$(HOST):$(PORT)
run: install
	$(BIN)/servicedesk migrate --no-input -v0
	$(BIN)/servicedesk seed_demo
	@echo
	@echo "  Servicedesk runs at http://$(HOST):$(PORT)/desk/  (agents; demo logins above)"
	@echo "  Customer portal:    http://$(HOST):$(PORT)/portal/  (portal logins above)"
	@echo "  Django admin:       http://$(HOST):$(PORT)/admin/"
	@echo "  What-if:            $(BIN)/servicedesk policy deadline --type functional --priority standard --reported 2026-11-24T11:00"
	@echo "  Mail in (LMTP):     lmtp://$(HOST):$(LMTP_PORT)  (or: $(BIN)/servicedesk mail receive < mail.eml)"
	@echo "  Mail out:           written to var/sent-mail/ (set EMAIL_HOST to send through SMTP)"
	@echo "  IMAP mailboxes:     add them in the admin; the worker reads them"
	@echo "  Stop with Ctrl-C (stops the worker and the LMTP listener too)."
	@echo
	@DEBUG=1 $(BIN)/servicedesk worker & worker=$$!; \
	DEBUG=1 $(BIN)/servicedesk mail lmtp --host $(HOST) --port $(LMTP_PORT) & lmtp=$$!; \
	trap 'kill $$worker $$lmtp 2>/dev/null' EXIT INT TERM; \
	DEBUG=1 $(BIN)/servicedesk runserver $(HOST):$(PORT)

## Debian packages the tests need (a real browser, a real IMAP server, PDF tools, libfaketime for the worker's
## clock); installed when missing (root, as in CI).
system-deps:
	@if ! command -v chromium >/dev/null 2>&1 || ! test -x /usr/sbin/dovecot || ! command -v pdftotext >/dev/null 2>&1 \
	    || ! command -v faketime >/dev/null 2>&1 \
	    || ! ldconfig -p | grep -q libpangoft2; then \
	  echo "Installing Debian's chromium, dovecot-imapd, poppler-utils, pango and faketime (browser, IMAP, PDF, worker tests)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    chromium dovecot-imapd poppler-utils libpango-1.0-0 libpangoft2-1.0-0 faketime >/dev/null; \
	fi

## Every test: ruff, the whole suite on SQLite, then again on PostgreSQL, then the installed package.
test: lint test-sqlite test-postgres test-package

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

test-sqlite: install system-deps
	env -u DATABASE_URL $(BIN)/pytest -p no:cacheprovider

test-postgres: install system-deps
	DATABASE_URL=$(PG_URL) $(BIN)/pytest -p no:cacheprovider

## The wheel, installed into a clean venv outside the source tree, migrates, loads the demo, serves its pages
## and takes a mail (.ci/package-check; needs neither .venv nor var/).
test-package:
	$(PYTHON) .ci/package-check

bench: install
	$(BIN)/python bench/policy.py

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .hypothesis
