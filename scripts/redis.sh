#!/usr/bin/env bash
# Private Redis for Celery, on a unix socket under var/ (no TCP port).
#   scripts/redis.sh start|stop|url
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=$(pwd)/var/redis
SOCK=$DIR/redis.sock
case "${1:-}" in
  start)
    mkdir -p "$DIR"
    if ! redis-cli -s "$SOCK" ping >/dev/null 2>&1; then
      redis-server --port 0 --unixsocket "$SOCK" --unixsocketperm 700 --dir "$DIR" \
        --daemonize yes --pidfile "$DIR/redis.pid" --logfile "$DIR/redis.log" --save "" --appendonly no
      for _ in $(seq 50); do redis-cli -s "$SOCK" ping >/dev/null 2>&1 && break; sleep 0.1; done
    fi ;;
  stop) redis-cli -s "$SOCK" shutdown nosave >/dev/null 2>&1 || true ;;
  url) echo "redis+socket://$SOCK" ;;
  *) echo "usage: $0 start|stop|url" >&2; exit 2 ;;
esac
