#!/usr/bin/env bash
# Private PostgreSQL+PostGIS cluster for E-City.
#   scripts/pg.sh start   -> init (once) and start; prints nothing else on success
#   scripts/pg.sh stop
#   scripts/pg.sh url     -> the DATABASE_URL for the private cluster
#   scripts/pg.sh dir     -> where the cluster lives
#   scripts/pg.sh standby-start | standby-stop | standby-status | standby-url | standby-dir | standby-drop
#                         -> a streaming standby of that cluster (physical replication, hot_standby, its own
#                            socket; see "Reads from a streaming standby" in the README)
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

# --- the streaming standby -------------------------------------------------------------------------------
# A second cluster beside the primary (var/pg-standby, or <primary dir>-standby in /var/tmp, linked from
# var/pg-standby, when the postgres user cannot enter the checkout), made by pg_basebackup -R over the
# primary's unix socket and kept by a physical replication slot of its own. ECITY_PG_STANDBY_DIR names
# another standby (the replica test runs one of its own beside the developer's).
standby_dir() {
  if [ -n "${ECITY_PG_STANDBY_DIR:-}" ]; then echo "$ECITY_PG_STANDBY_DIR"; return; fi
  if [ -z "${ECITY_PG_DIR:-}" ] && [ -e var/pg-standby ]; then readlink -f var/pg-standby; return; fi
  echo "$DIR-standby"
}

SDIR=$(standby_dir)
SDATA="$SDIR/data"
SSOCK="$SDIR/sock"
SLOT="ecity_standby_$(echo -n "$SDIR" | sha1sum | cut -c1-10)"

psql_primary() { as_owner "$PGBIN/psql" -h "$SOCK" -U postgres -Atqc "$1" postgres; }
psql_standby() { as_owner "$PGBIN/psql" -h "$SSOCK" -U postgres -Atqc "$1" postgres; }
standby_url() { echo "postgres://postgres@/${DBNAME}?host=${SSOCK}"; }
standby_running() { [ -f "$SDATA/PG_VERSION" ] && as_owner "$PGBIN/pg_ctl" -D "$SDATA" status >/dev/null 2>&1; }

standby_start() {
  if ! as_owner "$PGBIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    echo "the primary is not running (scripts/pg.sh start)" >&2; exit 1
  fi
  # Replication over the local socket (initdb's pg_hba.conf has it; a hand-edited one may not).
  if ! grep -Eq '^[[:space:]]*local[[:space:]]+replication[[:space:]]' "$DATA/pg_hba.conf"; then
    as_owner sh -c "echo 'local   replication     all                                     trust' >>'$DATA/pg_hba.conf'"
    psql_primary "SELECT pg_reload_conf()" >/dev/null
  fi
  case "$(psql_primary "SHOW wal_level")" in
    replica|logical) ;;
    *) echo "the primary's wal_level is minimal: set wal_level = replica and restart it" >&2; exit 1 ;;
  esac
  # A slot keeps the WAL a stopped standby still needs, but never more than this (then rebuild the standby).
  if [ "$(psql_primary "SHOW max_slot_wal_keep_size")" = "-1" ]; then
    psql_primary "ALTER SYSTEM SET max_slot_wal_keep_size = '2GB'" >/dev/null
    psql_primary "SELECT pg_reload_conf()" >/dev/null
  fi
  if [ -z "${ECITY_PG_STANDBY_DIR:-}${ECITY_PG_DIR:-}" ] && [ "$SDIR" != "$ROOT/var/pg-standby" ] && [ ! -L var/pg-standby ]; then
    ln -sfn "$SDIR" var/pg-standby
  fi
  if [ ! -f "$SDATA/PG_VERSION" ]; then
    mkdir -p "$SDIR"
    [ "$(id -u)" = 0 ] && chown postgres: "$SDIR"
    as_owner mkdir -p "$SSOCK"
    if [ -z "$(psql_primary "SELECT 1 FROM pg_replication_slots WHERE slot_name = '$SLOT'")" ]; then
      psql_primary "SELECT pg_create_physical_replication_slot('$SLOT')" >/dev/null
    fi
    # -R writes primary_conninfo and primary_slot_name into postgresql.auto.conf and standby.signal.
    as_owner "$PGBIN/pg_basebackup" -h "$SOCK" -U postgres -D "$SDATA" -R -X stream -S "$SLOT" \
      --checkpoint=fast >"$SDIR/basebackup.log" 2>&1
    # Later lines win over the primary's copied ones.
    cat <<CONF | as_owner sh -c "cat >>'$SDATA/postgresql.conf'"
# --- streaming standby (scripts/pg.sh standby-start) ---
unix_socket_directories = '$SSOCK'
hot_standby = on
hot_standby_feedback = on
shared_buffers = 128MB
CONF
  fi
  if ! standby_running; then
    as_owner "$PGBIN/pg_ctl" -D "$SDATA" -l "$SDIR/server.log" -w -t 120 start >/dev/null
  fi
  # Ready when it streams from the primary (pg_ctl -w waited for hot standby to accept connections).
  local i
  for i in $(seq 1 1200); do
    [ "$(psql_standby "SELECT status FROM pg_stat_wal_receiver")" = streaming ] && return 0
    sleep 0.1
  done
  echo "the standby started but does not stream from the primary: see $SDIR/server.log" >&2; exit 1
}

standby_stop() {
  if [ -f "$SDATA/PG_VERSION" ]; then
    as_owner "$PGBIN/pg_ctl" -D "$SDATA" -m fast -w stop >/dev/null 2>&1 || true
  fi
}

# One line: running/stopped, what the primary says of it, and the replay delay; exit 0 only when streaming.
standby_status() {
  if ! standby_running; then echo "standby $SDIR: stopped"; exit 3; fi
  local receiver lag
  receiver=$(psql_standby "SELECT coalesce((SELECT status FROM pg_stat_wal_receiver), 'not connected')")
  lag=$(psql_standby "SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
                        ELSE round(extract(epoch FROM now() - pg_last_xact_replay_timestamp())::numeric, 1) END")
  echo "standby $SDIR: running, in recovery $(psql_standby "SELECT pg_is_in_recovery()"), $receiver, replay lag ${lag:-?} s, paused $(psql_standby "SELECT pg_is_wal_replay_paused()")"
  [ "$receiver" = streaming ]
}

# Stop it, delete it and drop its slot on the primary (so the primary keeps no WAL for it).
standby_drop() {
  standby_stop
  if as_owner "$PGBIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1 \
     && [ -n "$(psql_primary "SELECT 1 FROM pg_replication_slots WHERE slot_name = '$SLOT'")" ]; then
    psql_primary "SELECT pg_drop_replication_slot('$SLOT')" >/dev/null
  fi
  rm -rf "$SDIR"
  if [ -L var/pg-standby ] && [ "$(readlink -f var/pg-standby)" = "$SDIR" ]; then rm -f var/pg-standby; fi
}

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
  standby-start) standby_start ;;
  standby-stop) standby_stop ;;
  standby-status) standby_status ;;
  standby-url) standby_url ;;
  standby-dir) echo "$SDIR" ;;
  standby-drop) standby_drop ;;
  *) echo "usage: $0 start|stop|url|dir|standby-start|standby-stop|standby-status|standby-url|standby-dir|standby-drop" >&2
     exit 2 ;;
esac
