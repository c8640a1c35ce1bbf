#!/usr/bin/env bash
# E-City as a city runs it: gunicorn (scripts/gunicorn.conf.py), a Celery worker and Celery beat, watched by
# one supervisor that restarts any of them that dies. Pids and logs in var/serve/.
#   scripts/serve.sh start    start the supervisor in the background; returns when the site answers
#   scripts/serve.sh stop     stop the supervisor and everything it started, by pid
#   scripts/serve.sh status   which processes run
#   scripts/serve.sh run      the supervisor itself, in the foreground (what `start` runs)
# PORT (default 8000) or BIND (host:port) says where gunicorn listens; see gunicorn.conf.py for the rest.
# SERVE_DIR (default var/serve) holds the pids and logs.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
DIR=${SERVE_DIR:-$ROOT/var/serve}
V=$ROOT/.venv/bin
export PORT=${PORT:-8000}
export BIND=${BIND:-127.0.0.1:$PORT}
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-gis.settings}
PROCS=${SERVE_PROCS:-web worker beat}  # a test may supervise fewer

log() { echo "$(date -u +%FT%TZ) $*"; }
running() { [[ -f "$1" ]] && kill -0 "$(cat "$1" 2>/dev/null)" 2>/dev/null; }

launch() {  # name
  case $1 in
    web) "$V/gunicorn" -c scripts/gunicorn.conf.py gis.wsgi:application >>"$DIR/web.log" 2>&1 & ;;
    worker) "$V/celery" -A gis.celery worker --loglevel=INFO --concurrency=2 --hostname="ecity@%h" \
              >>"$DIR/worker.log" 2>&1 & ;;
    beat) "$V/celery" -A gis.celery beat --loglevel=INFO --schedule="$DIR/beat-schedule" \
            >>"$DIR/beat.log" 2>&1 & ;;
  esac
  echo $! >"$DIR/$1.pid"
  log "started $1 (pid $!)"
}

stop_one() {  # name
  local pidfile=$DIR/$1.pid
  if running "$pidfile"; then
    local pid; pid=$(cat "$pidfile")
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && { log "$1 (pid $pid) did not stop in 30 s: killed"; kill -KILL "$pid"; }
  fi
  rm -f "$pidfile"
}

supervise() {
  mkdir -p "$DIR"
  local stopping=0
  trap 'stopping=1' TERM INT
  declare -A restarts=()
  for p in $PROCS; do launch "$p"; restarts[$p]=0; done
  while (( ! stopping )); do
    sleep 2 & wait $! 2>/dev/null
    (( stopping )) && break
    for p in $PROCS; do
      running "$DIR/$p.pid" && continue
      restarts[$p]=$(( ${restarts[$p]} + 1 ))
      log "$p (pid $(cat "$DIR/$p.pid" 2>/dev/null)) is gone; restart ${restarts[$p]} (log: var/serve/$p.log)"
      # One that keeps dying (a port taken, a broken setting) is retried less often, never given up on.
      (( ${restarts[$p]} > 5 )) && { sleep 10 & wait $! 2>/dev/null; }
      (( stopping )) || launch "$p"
    done
  done
  log "stopping"
  for p in beat worker web; do stop_one "$p"; done
  log "stopped"
}

answers() {  # any HTTP answer from /healthz (503 while beat has not yet beaten is fine)
  "$V/python" - "http://$BIND/healthz" <<'PY'
import sys, urllib.error, urllib.request
try:
    urllib.request.urlopen(sys.argv[1], timeout=10)
except urllib.error.HTTPError:
    pass
except OSError:
    sys.exit(1)
PY
}

case "${1:-}" in
  start)
    mkdir -p "$DIR"
    if running "$DIR/supervisor.pid"; then log "already running (pid $(cat "$DIR/supervisor.pid"))"; exit 0; fi
    if [[ -z "${REDIS_URL:-}" ]]; then scripts/redis.sh start; fi
    setsid nohup "$0" run >>"$DIR/supervisor.log" 2>&1 </dev/null &
    echo $! >"$DIR/supervisor.pid"
    # The answer seen in the loop counts: asking again could time out on a loaded machine and fail a good start.
    ok=0
    for _ in $(seq 120); do if answers; then ok=1; break; fi; sleep 0.5; done
    if (( ok )); then log "E-City on http://$BIND/ (gunicorn, Celery worker and beat; logs in var/serve/; make stop)"
    else log "gunicorn does not answer on $BIND yet: see var/serve/web.log"; exit 1; fi ;;
  run) supervise ;;
  stop)
    if running "$DIR/supervisor.pid"; then
      pid=$(cat "$DIR/supervisor.pid"); kill -TERM "$pid"
      for _ in $(seq 400); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    for p in beat worker web; do stop_one "$p"; done  # whatever a killed supervisor left
    rm -f "$DIR/supervisor.pid" ;;
  status)
    for p in supervisor $PROCS; do
      if running "$DIR/$p.pid"; then echo "$p: running ($(cat "$DIR/$p.pid"))"; else echo "$p: stopped"; fi
    done ;;
  *) echo "usage: $0 start|stop|status|run" >&2; exit 2 ;;
esac
