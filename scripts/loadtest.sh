#!/usr/bin/env bash
# make loadtest: the production server (scripts/serve.sh: gunicorn + WhiteNoise + Celery worker and beat, DEBUG
# off) on a database of 1M appeals, under the mix of benchmarks/load/locustfile.py for LOADTEST_MINUTES, with
# CPU and PostgreSQL sessions sampled beside it; then the table and the verdict (benchmarks/load/report.py).
#
#   LOADTEST_MINUTES  length of the run (default 10)
#   LOADTEST_SCALE    the mix's rates times this (default 1: intake 20/s, dispatcher 20/s, tiles 300/s,
#                     clusters 50/s, tracking 30/s)
#   LOADTEST_DB       the database in the private cluster (default ecity_load). Made when missing:
#   LOADTEST_DUMP       from this pg_dump -Fc file (pg_restore --no-owner), else
#   LOADTEST_APPEALS    with load_demo_city + generate_appeals --count N (default 1000000), as the benchmarks do
#   LOADTEST_PORT     where gunicorn listens on 127.0.0.1 (default 8140)
#   LOADTEST_OUT      plan, CSV, samples, logs and report.md (default var/loadtest)
#   LOADTEST_WARMUP_SECONDS  a run at a fifth of the rates before the measured one, not counted (default 30)
# Rate limits are lifted for the run by the settings in benchmarks/load/limits.env, never by code. The load
# goes to 127.0.0.1 only and is bounded in time (the locustfile's shape, plus `timeout`) and in requests.
# Exit status: 0 when no request failed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
V=$ROOT/.venv/bin
MINUTES=${LOADTEST_MINUTES:-10}
RUN_SECONDS=$("$V/python" -c "import sys; print(max(5, int(float(sys.argv[1]) * 60)))" "$MINUTES")
SCALE=${LOADTEST_SCALE:-1}
DB=${LOADTEST_DB:-ecity_load}
PORT=${LOADTEST_PORT:-8140}
OUT=${LOADTEST_OUT:-$ROOT/var/loadtest}
DUMP=${LOADTEST_DUMP:-}
APPEALS=${LOADTEST_APPEALS:-1000000}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
PGDIR=$(scripts/pg.sh dir)
SOCK=$PGDIR/sock
export DATABASE_URL="postgres://postgres@/$DB?host=$SOCK"
export DJANGO_SETTINGS_MODULE=gis.settings
mkdir -p "$OUT"

log() { echo "$(date -u +%FT%TZ) loadtest: $*"; }
psql_() { PGOPTIONS=--client-min-messages=warning "$PGBIN/psql" -h "$SOCK" -U postgres -v ON_ERROR_STOP=1 -Atq "$@"; }
exists() { [[ "$(psql_ -c "SELECT 1 FROM pg_database WHERE datname = '$1'" postgres)" == 1 ]]; }
manage() { "$V/python" manage.py "$@"; }

# --- the database: 1M appeals, made once ---------------------------------------------------------------------
if ! exists "$DB"; then
  partial="${DB}_partial"  # filled under another name, renamed when complete: a half-made one is never used
  psql_ -c "DROP DATABASE IF EXISTS \"$partial\"" postgres
  psql_ -c "CREATE DATABASE \"$partial\"" postgres
  psql_ -c "CREATE EXTENSION IF NOT EXISTS postgis; CREATE EXTENSION IF NOT EXISTS pg_trgm;" "$partial"
  started=$(date +%s)
  if [[ -n "$DUMP" ]]; then
    log "restoring $DUMP into $DB (pg_restore --no-owner, 2 jobs)"
    # --no-owner: the dump's roles need not exist here. Errors are counted by pg_restore and fail the step.
    "$PGBIN/pg_restore" -h "$SOCK" -U postgres --no-owner --no-privileges -j 2 -d "$partial" "$DUMP"
  else
    log "generating the demo city and $APPEALS appeals into $DB (generate_appeals --count $APPEALS; long)"
    DATABASE_URL="postgres://postgres@/$partial?host=$SOCK" manage migrate --noinput -v 0
    DATABASE_URL="postgres://postgres@/$partial?host=$SOCK" manage load_demo_city
    DATABASE_URL="postgres://postgres@/$partial?host=$SOCK" manage generate_appeals --count "$APPEALS"
  fi
  psql_ -c "ANALYZE" "$partial"  # planner statistics of the new rows (autovacuum keeps them up afterwards)
  psql_ -c "ALTER DATABASE \"$partial\" RENAME TO \"$DB\"" postgres
  log "database $DB ready in $(( $(date +%s) - started )) s"
fi
manage migrate --noinput -v 0
log "$(psql_ -c "SELECT count(*) FROM appeals_appeal" "$DB") appeals in $DB"

# --- accounts, key and samples for the clients ---------------------------------------------------------------
"$V/python" benchmarks/load/prepare.py "$OUT/plan.json"

# --- the production server, rate limits lifted by settings ---------------------------------------------------
export SERVE_DIR=$OUT/serve PORT BIND=127.0.0.1:$PORT
set -a; source benchmarks/load/limits.env; set +a
WEB_CONCURRENCY=${WEB_CONCURRENCY:-$("$V/python" -c "import multiprocessing as m; print(min(2 * m.cpu_count() + 1, 9))")}
WEB_THREADS=${WEB_THREADS:-2}
export WEB_CONCURRENCY WEB_THREADS
scripts/serve.sh stop >/dev/null 2>&1 || true  # one left by an interrupted run (its own pid files only)
sampler_pid=""
locust_pid=""
cleanup() {
  [[ -n "$locust_pid" ]] && kill -INT "$locust_pid" 2>/dev/null || true
  [[ -n "$sampler_pid" ]] && kill -TERM "$sampler_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  scripts/serve.sh stop >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM
scripts/serve.sh start

# --- warm-up: every worker loads its gazetteer and caches, as a server that has run for a while has ----------
WARMUP=${LOADTEST_WARMUP_SECONDS:-30}
if (( WARMUP > 0 )); then
  log "warm-up: $WARMUP s at a fifth of the rates (not counted)"
  LOADTEST_PLAN="$OUT/plan.json" LOADTEST_SECONDS=$WARMUP LOADTEST_SCALE=0.2 \
    timeout --signal=INT --kill-after=30 $(( WARMUP + 120 )) \
    "$V/locust" -f benchmarks/load/locustfile.py --headless --host "http://127.0.0.1:$PORT" \
    --csv "$OUT/warmup" --only-summary --loglevel WARNING --exit-code-on-error 0 >"$OUT/warmup.log" 2>&1 || true
fi

# --- the load, sampled ---------------------------------------------------------------------------------------
rm -f "$OUT"/run_*.csv "$OUT/samples.jsonl"
log "load average before: $(cut -d' ' -f1-3 /proc/loadavg); $RUN_SECONDS s at scale $SCALE against http://127.0.0.1:$PORT"
LOADTEST_PLAN="$OUT/plan.json" LOADTEST_SECONDS=$RUN_SECONDS LOADTEST_SCALE=$SCALE \
  timeout --signal=INT --kill-after=30 $(( RUN_SECONDS + 120 )) \
  "$V/locust" -f benchmarks/load/locustfile.py --headless --host "http://127.0.0.1:$PORT" \
  --csv "$OUT/run" --only-summary --loglevel WARNING --exit-code-on-error 0 >"$OUT/locust.log" 2>&1 &
locust_pid=$!
"$V/python" benchmarks/load/sampler.py "$OUT/samples.jsonl" --every 2 --seconds $(( RUN_SECONDS + 150 )) \
  --group "web=$SERVE_DIR/web.pid" --group "worker=$SERVE_DIR/worker.pid" --group "beat=$SERVE_DIR/beat.pid" \
  --group "postgres=$PGDIR/data/postmaster.pid" --group "redis=$ROOT/var/redis/redis.pid" \
  --group "locust=$locust_pid" --database-url "$DATABASE_URL" --redis-socket "$ROOT/var/redis/redis.sock" &
sampler_pid=$!
status=0
wait "$locust_pid" || status=$?
locust_pid=""
kill -TERM "$sampler_pid" 2>/dev/null || true
wait "$sampler_pid" 2>/dev/null || true
sampler_pid=""
if (( status != 0 )); then
  log "locust exited with $status; its log:"; tail -30 "$OUT/locust.log"
fi
log "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
"$V/python" benchmarks/load/report.py "$OUT/run" --plan "$OUT/plan.json" --samples "$OUT/samples.jsonl" \
  --seconds "$RUN_SECONDS" --scale "$SCALE" --web-slots $(( WEB_CONCURRENCY * WEB_THREADS )) \
  --markdown "$OUT/report.md"
