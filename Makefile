# HIROAM — the two commands are `make run` and `make test`.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed

.PHONY: run test install lint typecheck contracts migrations-check pytest format clean lock screenshots \
	backup restore audit

# The virtual environment is rebuilt when the dependency declarations change.
$(STAMP): pyproject.toml constraints.txt
	@interpreter="$$(bin/find-python)" || exit 1; \
	if [ ! -x "$(PY)" ]; then echo "Creating $(VENV) with $$interpreter"; "$$interpreter" -m venv $(VENV); fi
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

# axe-core for the browser tests, exactly as package-lock.json says (npm ci empties node_modules).
$(NODE_STAMP): package.json package-lock.json
	npm ci --silent --no-audit --no-fund
	@touch $(NODE_STAMP)

install: $(STAMP) $(NODE_STAMP)

## make run: the whole product (web, Celery worker, Celery beat) on the local sandboxes.
run: install .env
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" PY=$(PY) bin/hiroam prepare
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" PY=$(PY) bin/hiroam all

.env:
	cp .env.example .env
	@echo "Created .env from .env.example (development defaults on the local sandboxes)."

## make test: lint, types, import contracts, migrations, then pytest on PostgreSQL and Redis.
test: install lint typecheck contracts migrations-check pytest

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck:
	$(VENV)/bin/mypy .

contracts:
	$(VENV)/bin/lint-imports

migrations-check:
	DJANGO_SETTINGS_MODULE=hiroam.test_settings $(PY) manage.py makemigrations --check --dry-run

pytest:
	$(VENV)/bin/pytest $(PYTEST_ARGS)

## make screenshots: the shop's pages at phone and desktop widths, into docs/screenshots/.
screenshots: install
	HIROAM_SCREENSHOT_DIR=docs/screenshots $(VENV)/bin/pytest tests/e2e/test_shop.py -k "guest"

## make backup [BACKUP_DIR=folder]: pg_dump of DATABASE_URL's database (docs/runbooks/backup-and-restore.md).
backup: install
	$(PY) manage.py backup_database $(if $(BACKUP_DIR),--dir "$(BACKUP_DIR)")

## make restore FILE=path.dump [DATABASE=name] [REPLACE=1] [INTO_APP_DATABASE=1]: checksum, then pg_restore.
restore: install
	@if [ -z "$(FILE)" ]; then echo "Usage: make restore FILE=path.dump [DATABASE=name] [REPLACE=1] [INTO_APP_DATABASE=1]" >&2; exit 2; fi
	$(PY) manage.py restore_database "$(FILE)" $(if $(DATABASE),--database "$(DATABASE)") \
		$(if $(REPLACE),--replace) $(if $(INTO_APP_DATABASE),--into-app-database)

format:
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) node_modules staticfiles .pytest_cache .mypy_cache .ruff_cache

## make lock: re-resolve the newest versions allowed by pyproject.toml into constraints.txt.
lock:
	@interpreter="$$(bin/find-python)" || exit 1; rm -rf .lock-venv; "$$interpreter" -m venv .lock-venv
	.lock-venv/bin/pip install --quiet --upgrade pip
	.lock-venv/bin/pip install --quiet -e '.[dev]'
	{ echo "# Exact versions every machine installs (pip install -c constraints.txt -e '.[dev]')."; \
	  echo "# Regenerate after changing pyproject.toml: make lock"; \
	  .lock-venv/bin/pip freeze --exclude-editable | grep -v '^hiroam'; } > constraints.txt
	rm -rf .lock-venv

## make audit: known vulnerabilities in the locked dependencies (constraints.txt), from PyPI's
## advisory data. It needs the network, so `make test` does not run it. --strict: a package
## that could not be looked up fails the audit rather than passing unchecked.
audit: install
	$(VENV)/bin/pip-audit --requirement constraints.txt --no-deps --disable-pip --strict \
	    --desc --progress-spinner off
