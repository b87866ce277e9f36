# Maillage: `make run` to try it, `make test` to check it. See README.md.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
STAMP := $(VENV)/.installed

export DJANGO_SETTINGS_MODULE ?= hub.settings.dev

.PHONY: help install run migrate demo test test-fast lint format check bench messages lock clean

help:
	@echo "make run     set up (venv, lock, migrations, demo data) and serve http://127.0.0.1:$(PORT)"
	@echo "make test    ruff, checks, migrations check and pytest (browser tests when Chromium exists)"
	@echo "make bench   benchmarks, JSON under bench/results/"
	@echo "make lint | format | messages | lock | clean"

$(PY):
	$(PYTHON) -m venv $(VENV)

# Reinstall whenever the lock file changes.
$(STAMP): requirements.lock | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py setup_roles --verbosity 0

demo: migrate
	$(PY) manage.py load_demo_data

run: migrate
	$(PY) manage.py load_demo_data --if-empty
	$(PY) -m hub.runner --port $(PORT) $(RUN_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

check: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DJANGO_SETTINGS_MODULE=hub.settings.test $(PY) manage.py check --fail-level WARNING
	DJANGO_SETTINGS_MODULE=hub.settings.test $(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/mypy hub/services.py hub/dashboards.py hub/reports.py sessions/services.py sessions/services_staff.py sessions/conflicts.py lms/services.py lms/eligibility.py certificates/services.py certificates/qualifications.py certificates/openbadges.py groups/roster.py groups/services.py network/services.py network/imports.py network/import_jobs.py network/second_factor.py network/sign_in.py network/middleware.py network/retention.py network/tabular.py network/exports.py network/privacy_services.py network/permissions.py network/audit.py network/registries.py network/roles.py

# Browser tests run when /usr/bin/chromium exists; E2E=required makes its absence a failure.
# One pytest worker per core (pytest-xdist); TEST_WORKERS=0 runs them in this process.
TEST_WORKERS ?= auto
test: check
	DJANGO_SETTINGS_MODULE=hub.settings.test $(VENV)/bin/pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

test-fast: install
	DJANGO_SETTINGS_MODULE=hub.settings.test $(VENV)/bin/pytest -m "not browser" -x $(PYTEST_ARGS)

bench: install
	DJANGO_SETTINGS_MODULE=hub.settings.bench $(PY) -m bench

APPS := network sessions lms certificates groups hub

messages: install
	for app in $(APPS); do mkdir -p $$app/locale && (cd $$app && ../$(PY) ../manage.py makemessages -l fr --no-obsolete --no-location) || exit 1; done
	mkdir -p locale && $(PY) manage.py makemessages -l fr --no-obsolete --no-location $(addprefix --ignore=,$(APPS)) --ignore=.venv --ignore=tests --ignore=bench --ignore=var
	$(PY) manage.py compilemessages --ignore=.venv

# Regenerate the pinned lock from pyproject.toml (needs uv: pip install uv).
lock:
	uv pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements.lock

clean:
	rm -rf var/*.sqlite3* var/static bench/results/*.json
