# E-City. `make demo` serves the demo city; `make test` runs every test.
SHELL := /bin/bash
PY := .venv/bin/python
PORT ?= 8000
export DJANGO_SETTINGS_MODULE ?= gis.settings
# Without DATABASE_URL/REDIS_URL the private servers under var/ are used.
USE_PRIVATE_PG := $(if $(DATABASE_URL),,1)
USE_PRIVATE_REDIS := $(if $(REDIS_URL),,1)

.PHONY: demo serve backup restore test drills bench loadtest stop deps venv assets db redis migrate static messages lint clean-db

deps:
	@scripts/deps.sh

venv: .venv/.installed
.venv/.installed: pyproject.toml
	@test -x $(PY) || python3 -m venv .venv
	@.venv/bin/pip install -q --upgrade pip
	@.venv/bin/pip install -q -e '.[dev]'
	@touch $@

# The interface's translations (locale/*/LC_MESSAGES/django.po → .mo), compiled at set-up, never committed.
messages: venv
	@$(PY) manage.py compilemessages -v 0 --ignore=.venv --ignore=node_modules --ignore=var

assets: var/vendor/.installed
var/vendor/.installed: package.json package-lock.json scripts/vendor.sh
	@scripts/vendor.sh
	@touch $@

db:
	@$(if $(USE_PRIVATE_PG),scripts/pg.sh start,true)

redis:
	@$(if $(USE_PRIVATE_REDIS),scripts/redis.sh start,true)

# A streaming standby of the private cluster (var/pg-standby). Serve with it:
#   DATABASE_REPLICA_URL=$$(scripts/pg.sh standby-url) make serve
standby: db
	@$(if $(USE_PRIVATE_PG),scripts/pg.sh standby-start && scripts/pg.sh standby-status,\
	  echo "DATABASE_URL is set: its standby is that server's business (see the README)" >&2)

migrate: deps venv db
	@$(PY) manage.py migrate --noinput -v 0

# Hashed, gzip- and brotli-compressed copies under var/static (STATIC_ROOT), served by WhiteNoise.
static: venv assets
	@$(PY) manage.py collectstatic --noinput -v 0

# The demo is the production set-up (gunicorn, WhiteNoise, Celery worker + beat, DEBUG off) plus demo data
# and demo accounts. `make serve` serves an existing database the same way.
demo: deps venv messages assets db redis migrate static
	@$(PY) manage.py load_demo_city
	@$(PY) manage.py generate_appeals --years 3
	@$(PY) manage.py setup_demo --print-accounts
	@PORT=$(PORT) scripts/serve.sh start

serve: deps venv messages assets db redis migrate static
	@PORT=$(PORT) scripts/serve.sh start

# pg_dump (custom format) into var/backups/; `make restore FILE=var/backups/….dump` restores one into a fresh
# private cluster and prints the DATABASE_URL to serve it with.
backup: deps db
	@scripts/backup.sh backup

restore: deps
	@test -n "$(FILE)" || { echo "usage: make restore FILE=var/backups/ecity-….dump" >&2; exit 2; }
	@scripts/backup.sh restore "$(FILE)"

test: deps venv messages assets db redis
	@.venv/bin/ruff check .
	@.venv/bin/lint-imports --no-cache
	@.venv/bin/pytest -q $(PYTEST_ARGS)

# The fault drills (README "Fault drills"): the quick ones run in `make test` too; this runs them all, the slow
# ones included (a throwaway cluster and the real server each), and prints one PASS/FAIL line per fault.
drills: deps venv messages assets db redis
	@ECITY_DRILLS=1 .venv/bin/pytest -q -p no:warnings -m fault tests/integration $(PYTEST_ARGS)

bench: deps venv assets db redis migrate
	@$(PY) benchmarks/run.py $(BENCH_ARGS)

# The production server at 1M appeals under the issue-17 mix for LOADTEST_MINUTES (10): p95 per endpoint, what
# saturates first, the headroom. See scripts/loadtest.sh for LOADTEST_DUMP, LOADTEST_SCALE and the rest.
loadtest: deps venv messages assets db redis static
	@scripts/loadtest.sh

stop:
	@-scripts/serve.sh stop
	@-scripts/workers.sh stop
	@-scripts/redis.sh stop
	@-scripts/pg.sh standby-stop
	@-scripts/pg.sh stop
