#!/usr/bin/env bash
# Private PostgreSQL+PostGIS cluster for E-City.
#   scripts/pg.sh start   -> init (once) and start; prints nothing else on success
#   scripts/pg.sh stop
#   scripts/pg.sh url     -> the DATABASE_URL for the private cluster
#   scripts/pg.sh dir     -> where the cluster lives
# The cluster listens on a unix socket only (no TCP port to clash with a system
# PostgreSQL). initdb refuses root, so as root the cluster belongs to the
# 'postgres' system user; when that user cannot enter the checkout (a clone
# under /root, say) the cluster lives in /var/tmp/ecity-pg-<hash> and var/pg
# is a link to it.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
DBNAME=${ECITY_DBNAME:-ecity}

as_owner() {
  if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

cluster_dir() {
  # ECITY_PG_DIR: another cluster than the checkout's own (scripts/backup.sh restores into a fresh one).
  if [ -n "${ECITY_PG_DIR:-}" ]; then echo "$ECITY_PG_DIR"; return; fi
  if [ -e var/pg ]; then readlink -f var/pg; return; fi
  mkdir -p var
  if [ "$(id -u)" != 0 ]; then echo "$ROOT/var/pg"; return; fi
  if runuser -u postgres -- test -w "$ROOT/var" 2>/dev/null || { chown postgres: "$ROOT/var/" 2>/dev/null && runuser -u postgres -- test -x "$ROOT/var"; }; then
    echo "$ROOT/var/pg"
  else
    echo "/var/tmp/ecity-pg-$(echo -n "$ROOT" | sha1sum | cut -c1-12)"
  fi
}

DIR=$(cluster_dir)
DATA="$DIR/data"
SOCK="$DIR/sock"

url() { echo "postgres://postgres@/${DBNAME}?host=${SOCK}"; }

start() {
  # A cluster kept outside the checkout (see cluster_dir) is reached through var/pg, also when the
  # cluster outlived an earlier clone at the same path.
  if [ -z "${ECITY_PG_DIR:-}" ] && [ "$DIR" != "$ROOT/var/pg" ] && [ ! -L var/pg ]; then mkdir -p var && ln -sfn "$DIR" var/pg; fi
  if [ ! -f "$DATA/PG_VERSION" ]; then
    mkdir -p "$DIR"
    [ "$(id -u)" = 0 ] && chown postgres: "$DIR"
    as_owner mkdir -p "$SOCK"
    as_owner "$PGBIN/initdb" -D "$DATA" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$DIR/initdb.log"
    cat >>"$DATA/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$SOCK'
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 512MB
work_mem = 32MB
maintenance_work_mem = 256MB
max_connections = 200
jit = off
CONF
  fi
  if ! as_owner "$PGBIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    as_owner "$PGBIN/pg_ctl" -D "$DATA" -l "$DIR/server.log" -w -t 60 start >/dev/null
  fi
  # The application database, with PostGIS (tests create theirs from it).
  if ! as_owner "$PGBIN/psql" -h "$SOCK" -U postgres -Atqc "select 1 from pg_database where datname='$DBNAME'" postgres | grep -q 1; then
    as_owner "$PGBIN/createdb" -h "$SOCK" -U postgres "$DBNAME"
  fi
  as_owner "$PGBIN/psql" -h "$SOCK" -U postgres -qc "create extension if not exists postgis; create extension if not exists pg_trgm;" "$DBNAME" >/dev/null
  as_owner "$PGBIN/psql" -h "$SOCK" -U postgres -qc "create extension if not exists postgis; create extension if not exists pg_trgm;" template1 >/dev/null
}

stop() {
  if [ -f "$DATA/PG_VERSION" ]; then
    as_owner "$PGBIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null 2>&1 || true
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  url) url ;;
  dir) echo "$DIR" ;;
  *) echo "usage: $0 start|stop|url|dir" >&2; exit 2 ;;
esac
