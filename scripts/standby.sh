#!/usr/bin/env bash
# A streaming standby of the local PostgreSQL (127.0.0.1:5432) on another port, for the read
# replica tests and for trying DATABASE_REPLICA_URLS by hand (README, "Read replicas").
#
#   scripts/standby.sh [up] [PORT]   create it, or reuse a running healthy one (default port 5433)
#   scripts/standby.sh stop [PORT]   stop it (only this standby; the cluster on 5432 is never touched)
#   scripts/standby.sh start [PORT]  start it again after a stop
#   scripts/standby.sh url [PORT]    print its server URL (postgres://postgres@127.0.0.1:PORT)
#
# `up` is idempotent: a running standby that streams from 5432 is reused (with its replay resumed,
# should a test have left it paused); a broken one (not running and not startable, promoted, or no
# longer streaming) is deleted and made again with `pg_basebackup -R` (which writes
# primary_conninfo and standby.signal). The data folder is /var/lib/postgresql/dvk-standby-PORT
# (STANDBY_DIR overrides it). PostgreSQL refuses to run as root, so the server runs as the postgres
# OS user (runuser as root, sudo -u postgres otherwise).
#
# The primary must accept replication connections from 127.0.0.1: when it does not (Debian's
# default pg_hba.conf has no `replication` line), `up` appends
# `host replication postgres 127.0.0.1/32 trust` to its pg_hba.conf and reloads it (no restart).
# wal_level must be `replica` or `logical` (the default) and max_wal_senders above 0.
set -euo pipefail

command="up"
case "${1:-}" in up | stop | start | url) command="$1"; shift ;; esac
PORT="${1:-${STANDBY_PORT:-5433}}"
PRIMARY_HOST="${PRIMARY_HOST:-127.0.0.1}"
PRIMARY_PORT="${PRIMARY_PORT:-5432}"
[ "$PORT" != "$PRIMARY_PORT" ] || { echo "standby.sh: the standby cannot use the primary's port $PORT" >&2; exit 2; }
DATA="${STANDBY_DIR:-/var/lib/postgresql/dvk-standby-$PORT}"
VERSION="$(psql -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U postgres -Atc 'show server_version_num' | cut -c1-2)"
BIN="/usr/lib/postgresql/$VERSION/bin"
URL="postgres://postgres@127.0.0.1:$PORT"

if [ "$command" = url ]; then echo "$URL"; exit 0; fi

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"
  elif [ "$(id -un)" = postgres ]; then "$@"
  else sudo -n -u postgres "$@"; fi
}
on_standby() { psql -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -Atqc "$1" 2>/dev/null; }
running() { as_postgres "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; }
start() { as_postgres "$BIN/pg_ctl" -D "$DATA" -l "$DATA/standby.log" -w -t 60 -o "-p $PORT" start >/dev/null; }

# Streaming (wal receiver connected) within a few seconds of being asked.
healthy() {
  for _ in $(seq 1 20); do
    if [ "$(on_standby "select pg_is_in_recovery()")" = t ] && [ "$(on_standby "select count(*) from pg_stat_wal_receiver where status = 'streaming'")" = 1 ]; then
      return 0
    fi
    sleep 0.5
  done
  return 1
}

case "$command" in
  stop)
    if [ -d "$DATA" ] && running; then as_postgres "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null; fi
    exit 0 ;;
  start)
    [ -d "$DATA" ] || { echo "standby.sh: no standby in $DATA; run scripts/standby.sh up $PORT" >&2; exit 1; }
    running || start
    healthy || { echo "standby.sh: the standby on $PORT started but does not stream (see $DATA/standby.log)" >&2; exit 1; }
    exit 0 ;;
esac

# up: reuse a healthy one.
if [ -d "$DATA" ]; then
  running || start || true
  if healthy; then
    on_standby "select pg_wal_replay_resume()" >/dev/null || true
    echo "standby on port $PORT is streaming from $PRIMARY_HOST:$PRIMARY_PORT (reused): $URL"
    exit 0
  fi
  echo "standby.sh: the standby in $DATA is broken; making it again" >&2
  running && as_postgres "$BIN/pg_ctl" -D "$DATA" -m immediate -w stop >/dev/null || true
  rm -rf "$DATA"
fi

primary() { psql -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U postgres -d postgres -Atqc "$1"; }
wal_level="$(primary 'show wal_level')"
[ "$wal_level" != minimal ] || { echo "standby.sh: the primary has wal_level=minimal; set it to replica and restart it" >&2; exit 1; }
[ "$(primary 'show max_wal_senders')" -gt 0 ] || { echo "standby.sh: the primary has max_wal_senders=0" >&2; exit 1; }
if ! psql "host=$PRIMARY_HOST port=$PRIMARY_PORT user=postgres replication=true" -Atqc 'IDENTIFY_SYSTEM' >/dev/null 2>&1; then
  hba="$(primary 'show hba_file')"
  echo "standby.sh: allowing replication connections from 127.0.0.1 in $hba (and reloading it)" >&2
  echo "host replication postgres 127.0.0.1/32 trust # added by scripts/standby.sh" | as_postgres tee -a "$hba" >/dev/null
  primary 'select pg_reload_conf()' >/dev/null
  sleep 1
fi

mkdir -p "$(dirname "$DATA")"
as_postgres "$BIN/pg_basebackup" -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U postgres -D "$DATA" -R -X stream -c fast
# Debian keeps postgresql.conf and pg_hba.conf outside the data folder: the standby gets its own.
as_postgres tee "$DATA/postgresql.conf" >/dev/null <<EOF
port = $PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '/var/run/postgresql'
hot_standby = on
max_connections = $(primary 'show max_connections')
max_worker_processes = $(primary 'show max_worker_processes')
max_wal_senders = $(primary 'show max_wal_senders')
max_prepared_transactions = $(primary 'show max_prepared_transactions')
max_locks_per_transaction = $(primary 'show max_locks_per_transaction')
shared_buffers = 32MB
EOF
as_postgres tee "$DATA/pg_hba.conf" >/dev/null <<EOF
local all all trust
host all all 127.0.0.1/32 trust
EOF
start
healthy || { echo "standby.sh: the new standby on $PORT does not stream (see $DATA/standby.log)" >&2; exit 1; }
echo "standby on port $PORT is streaming from $PRIMARY_HOST:$PRIMARY_PORT: $URL"
