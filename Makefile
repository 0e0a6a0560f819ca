# Alliance: `make run` to try it, `make test` to check it. See README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help run serve test lint stop migrations-check clean-db demo-db backup restore-check fault-drill container-check screenshots bench

## help: list the targets with what each does
help:
	@awk '/^## [a-z-]+:/ { sub(/^## /, ""); split($$0, part, ": "); name = part[1]; sub(/^[a-z-]+: /, ""); printf "  %-17s %s\n", name, $$0; next } /^## / { sub(/^## /, ""); printf "  %-17s %s\n", "", $$0 }' $(MAKEFILE_LIST)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamp files: reinstall only when a requirements file changes.
$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

## demo-db: migrate the development database, load the demo data if it is empty (the seed runs the
## rules' first sweep and the demo's review loop), and sweep again for a database loaded earlier
demo-db: $(VENV)/.runtime
	DEBUG=true $(BIN)/python manage.py migrate --no-input
	DEBUG=true $(BIN)/python manage.py seed_demo --if-empty
	DEBUG=true $(BIN)/python manage.py evaluate_flags

## run: install, migrate, load the demo data into an empty database, serve on http://127.0.0.1:8000/
## with the task-queue worker beside it (its console shows the e-mail); Ctrl-C stops both
run: demo-db
	@echo
	@echo "Alliance is at http://$(HOST):$(PORT)/ (sign in at http://$(HOST):$(PORT)/accounts/login/)"
	@echo "Demo accounts, all with the password alliance-demo:"
	@echo "  admin (practice admin), sup.rivera and sup.okafor (supervisors),"
	@echo "  dr.chen, dr.patel, dr.nowak (therapists); other.admin, other.therapist (Lakeside Practice)"
	@echo "Two-factor sign-in is switched off here; start with TWO_FACTOR_REQUIRED=true make run to try it."
	@echo "E-mail is printed by the worker (lines marked 'worker')."
	@echo "Stop with Ctrl-C: the web server, the worker and the database server stop with it."
	@echo
	@trap '$(BIN)/python -m common.embedded_db stop dev' EXIT INT TERM; \
		PATH="$(CURDIR)/$(BIN):$$PATH" DEBUG=true TWO_FACTOR_REQUIRED=$${TWO_FACTOR_REQUIRED:-false} \
		RUN_ADDRESS=$(HOST):$(PORT) $(BIN)/honcho start --procfile Procfile

## serve: the production server (gunicorn, DEBUG off, static files collected) on http://localhost:8000/
## and the task-queue worker beside it; Ctrl-C stops both
# Without SECRET_KEY a random one is made for this run only: sign-ins end when the server stops.
serve: $(VENV)/.runtime
	@if [ -z "$$SECRET_KEY" ]; then \
		echo "SECRET_KEY is not set: using a random key for this run (sign-ins end when the server stops)."; \
	fi
	@if [ -z "$$EMAIL_HOST" ]; then \
		echo "EMAIL_HOST is not set: the worker prints each e-mail to this terminal (EMAIL_TO_CONSOLE=true)."; \
	fi
	@export SECRET_KEY="$${SECRET_KEY:-$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')}" \
		DEBUG=false ALLOWED_HOSTS="$${ALLOWED_HOSTS:-localhost,127.0.0.1}" \
		EMAIL_TO_CONSOLE="$${EMAIL_TO_CONSOLE:-$$([ -z "$$EMAIL_HOST" ] && echo true || echo false)}" \
		GUNICORN_BIND="$${GUNICORN_BIND:-$(HOST):$(PORT)}"; \
	set -e; \
	$(BIN)/python manage.py collectstatic --no-input --verbosity 0; \
	$(BIN)/python manage.py migrate --no-input; \
	echo "Alliance (production settings) at http://localhost:$(PORT)/ with its worker - stop with Ctrl-C."; \
	PATH="$(CURDIR)/$(BIN):$$PATH" exec $(BIN)/honcho start --procfile Procfile.serve

## backup: pg_dump -Fc of the configured database into backups/, named by the UTC time
backup: $(VENV)/.runtime
	DEBUG=$${DEBUG:-true} $(BIN)/python scripts/backup.py backup

## restore-check: restore the latest backup into a scratch database; check migrations and row counts
restore-check: $(VENV)/.runtime
	DEBUG=$${DEBUG:-true} $(BIN)/python scripts/backup.py restore-check

## fault-drill: gunicorn and the worker under load while PostgreSQL stops for 5 s, then the mail
## server for 10 s: no 500s, no lost writes, every e-mail delivered
fault-drill: $(VENV)/.dev
	$(BIN)/python scripts/fault_drill.py

## container-check: build the image, start db, migrate, web and worker with podman-compose, check
## /livez, /readyz and a delivered e-mail, tear down (Debian's podman; see docs/DEPLOY.md)
container-check:
	scripts/container_check.sh

## bench: page times, queries per page, load, rule sweep at practice-large (see docs/PERFORMANCE.md)
bench: $(VENV)/.runtime
	$(BIN)/python scripts/bench.py

## screenshots: a PNG of each main page into docs/screenshots/ (Debian's chromium, the demo database)
screenshots: $(VENV)/.dev demo-db
	DEBUG=true $(BIN)/python scripts/screenshots.py

## test: the whole suite (on the embedded PostgreSQL unless DATABASE_URL is set); the browser tests
## need Debian's chromium (apt-get install -y chromium) and are skipped, with a note, without it
test: $(VENV)/.dev
	$(BIN)/pytest

## lint: ruff (check and format), djLint, the floors contract (import-linter), django-upgrade
lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djlint templates --lint
	$(BIN)/djlint templates --check
	$(BIN)/lint-imports
	git ls-files -z '*.py' | xargs -0 $(BIN)/django-upgrade --target-version 5.2

## migrations-check: the migrations in step with the models
migrations-check: $(VENV)/.dev
	DEBUG=true $(BIN)/python manage.py makemigrations --check --dry-run

## stop: stop the embedded PostgreSQL servers (development and tests)
stop:
	$(BIN)/python -m common.embedded_db stop

## clean-db: stop and delete the embedded databases (all local data is lost)
clean-db: stop
	rm -rf var/postgres var/postgres-test
