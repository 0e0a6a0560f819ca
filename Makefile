# Alliance: `make run` to try it, `make test` to check it. See README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint stop migrations-check clean-db

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

## run: install, migrate, load the demo data into an empty database, serve on http://127.0.0.1:8000/
run: $(VENV)/.runtime
	DEBUG=true $(BIN)/python manage.py migrate --no-input
	DEBUG=true $(BIN)/python manage.py seed_demo --if-empty
	@echo
	@echo "Alliance is at http://$(HOST):$(PORT)/ (sign in at http://$(HOST):$(PORT)/accounts/login/)"
	@echo "Demo accounts, all with the password alliance-demo:"
	@echo "  admin (practice admin), sup.rivera and sup.okafor (supervisors),"
	@echo "  dr.chen, dr.patel, dr.nowak (therapists); other.admin, other.therapist (Lakeside Practice)"
	@echo "Stop with Ctrl-C; the database server stops with it."
	@echo
	@trap '$(BIN)/python -m config.embedded_db stop' EXIT INT TERM; \
		DEBUG=true $(BIN)/python manage.py runserver $(HOST):$(PORT)

## test: the whole suite (on the embedded PostgreSQL unless DATABASE_URL is set)
test: $(VENV)/.dev
	$(BIN)/pytest

## lint: ruff (check and format), djLint, and migrations in step with the models
lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djlint templates --lint
	$(BIN)/djlint templates --check

migrations-check: $(VENV)/.dev
	DEBUG=true $(BIN)/python manage.py makemigrations --check --dry-run

## stop: stop the embedded PostgreSQL servers (development and tests)
stop:
	$(BIN)/python -m config.embedded_db stop

## clean-db: stop and delete the embedded databases (all local data is lost)
clean-db: stop
	rm -rf var/postgres var/postgres-test
