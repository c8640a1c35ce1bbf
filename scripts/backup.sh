#!/usr/bin/env bash
# Backups of the E-City database (pg_dump custom format) and their restore into a fresh private cluster.
#   scripts/backup.sh backup              -> var/backups/ecity-<UTC time>.dump (prints the path)
#   scripts/backup.sh restore FILE        -> a new cluster with database "ecity" restored from FILE; prints
#                                            the DATABASE_URL to serve it (DATABASE_URL=… make serve)
#   scripts/backup.sh stop-restored DIR   -> stop a restored cluster (delete DIR yourself when done)
# The database is DATABASE_URL, or the private cluster of scripts/pg.sh. Roles and grants are not part of
# the dump (--no-owner --no-privileges): a fresh cluster has only its superuser.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}

source_url() {
  if [ -n "${DATABASE_URL:-}" ]; then echo "${DATABASE_URL/#postgis:/postgres:}"; else scripts/pg.sh url; fi
}

backup() {
  mkdir -p var/backups
  local file; file="$ROOT/var/backups/ecity-$(date -u +%Y%m%dT%H%M%SZ).dump"
  "$PGBIN/pg_dump" --format=custom --compress=6 --file="$file.part" "$(source_url)"
  mv "$file.part" "$file"
  chmod 600 "$file"  # it holds residents' personal data
  echo "$file"
}

restore() {
  local file=${1:?usage: $0 restore FILE}
  [ -f "$file" ] || { echo "no such backup: $file" >&2; exit 2; }
  file=$(readlink -f "$file")
  local stamp; stamp=$(date -u +%Y%m%dT%H%M%SZ)-$$
  # Beside the checkout's own cluster, or in /var/tmp when the postgres user cannot enter the checkout.
  local dir
  case "$(scripts/pg.sh dir)" in
    "$ROOT"/*) dir="$ROOT/var/restore-$stamp" ;;
    *) dir="/var/tmp/ecity-restore-$(echo -n "$ROOT" | sha1sum | cut -c1-12)-$stamp" ;;
  esac
  ECITY_PG_DIR="$dir" scripts/pg.sh start
  local url; url=$(ECITY_PG_DIR="$dir" scripts/pg.sh url)
  "$PGBIN/pg_restore" --no-owner --no-privileges --exit-on-error --dbname="$url" "$file"
  "$PGBIN/psql" -Atqc "ANALYZE" "$url"
  echo "restored into $dir"
  echo "DATABASE_URL=$url"
}

case "${1:-}" in
  backup) backup ;;
  restore) shift; restore "$@" ;;
  stop-restored) ECITY_PG_DIR=${2:?usage: $0 stop-restored DIR} scripts/pg.sh stop ;;
  *) echo "usage: $0 backup | restore FILE | stop-restored DIR" >&2; exit 2 ;;
esac
