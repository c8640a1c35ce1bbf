#!/usr/bin/env bash
# Celery worker and beat for E-City, in the background, with pidfiles and logs under var/celery.
#   scripts/workers.sh start|stop|status
# The broker is settings.CELERY_BROKER_URL (REDIS_URL, default: the private Redis of scripts/redis.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=$(pwd)/var/celery
CELERY=.venv/bin/celery
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-gis.settings}

running() { [[ -f "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

stop_one() {  # pidfile name
  local pidfile=$DIR/$1.pid
  if running "$pidfile"; then
    local pid; pid=$(cat "$pidfile")
    kill -TERM "$pid"
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" || true
  fi
  rm -f "$pidfile"
}

case "${1:-}" in
  start)
    mkdir -p "$DIR"
    if [[ -z "${REDIS_URL:-}" ]]; then scripts/redis.sh start; fi
    if ! running "$DIR/worker.pid"; then
      rm -f "$DIR/worker.pid"
      $CELERY -A gis.celery worker --loglevel=INFO --concurrency=2 --hostname="ecity@%h" \
        --pidfile="$DIR/worker.pid" --logfile="$DIR/worker.log" --detach
    fi
    if ! running "$DIR/beat.pid"; then
      rm -f "$DIR/beat.pid"
      $CELERY -A gis.celery beat --loglevel=INFO --schedule="$DIR/beat-schedule" \
        --pidfile="$DIR/beat.pid" --logfile="$DIR/beat.log" --detach
    fi
    for _ in $(seq 100); do running "$DIR/worker.pid" && running "$DIR/beat.pid" && break; sleep 0.1; done
    echo "celery worker and beat running (logs in var/celery/)" ;;
  stop)
    stop_one beat
    stop_one worker ;;
  status)
    running "$DIR/worker.pid" && echo "worker: running ($(cat "$DIR/worker.pid"))" || echo "worker: stopped"
    running "$DIR/beat.pid" && echo "beat: running ($(cat "$DIR/beat.pid"))" || echo "beat: stopped" ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
