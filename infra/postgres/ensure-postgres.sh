#!/usr/bin/env bash
# Makes sure a Postgres server answers at DATABASE_URL.
#
# When nothing answers and DATABASE_URL is the project's default
# (127.0.0.1:$RESLAB_PG_PORT), installs Debian's postgresql if needed (root
# only) and starts a cluster in a project-owned data directory. Any other URL
# that does not answer is an error: we never start servers we were not asked for.
#
# Prints "started" on stdout when this call started the server, so callers can
# stop only what they started (infra/postgres/stop-postgres.sh).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=../env.sh
source "$ROOT/infra/env.sh"
PORT=$RESLAB_PG_PORT
DEFAULT_URL=$RESLAB_DEFAULT_DATABASE_URL
URL=$DATABASE_URL

log() { echo "[postgres] $*" >&2; }

pg_bin_dir() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$dir" ] && [ -x "$dir/pg_ctl" ] && echo "$dir"
}

answers() {
  # psql is in postgresql-client, which postgresql depends on.
  command -v psql >/dev/null 2>&1 && psql "$1" -Atqc 'select 1' >/dev/null 2>&1
}

if answers "$URL"; then
  exit 0
fi

if [ "$URL" != "$DEFAULT_URL" ]; then
  log "nothing answers at DATABASE_URL=$URL; start that server or unset DATABASE_URL to use the project's own cluster on port $PORT"
  exit 1
fi

BIN=$(pg_bin_dir || true)
if [ -z "$BIN" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    log "PostgreSQL is not installed and this is not root: run 'sudo apt-get install postgresql' or set DATABASE_URL"
    exit 1
  fi
  log "installing Debian's postgresql"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 || true
  apt-get install -y -qq postgresql >&2
  BIN=$(pg_bin_dir)
fi

# shellcheck source=data-dir.sh
source "$ROOT/infra/postgres/data-dir.sh"
PGDATA_DIR=$(reslab_pgdata_dir "$ROOT")

# initdb and the server refuse to run as root; run them as the postgres user.
as_owner() {
  # From /, since the postgres user may not be allowed into the current folder.
  if [ "$(id -u)" -eq 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

if [ ! -s "$PGDATA_DIR/PG_VERSION" ]; then
  log "creating a cluster in $PGDATA_DIR"
  mkdir -p "$PGDATA_DIR"
  chmod 700 "$PGDATA_DIR"
  if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$PGDATA_DIR"; fi
  if ! as_owner test -w "$PGDATA_DIR"; then
    log "the postgres user cannot write $PGDATA_DIR (a parent folder is closed to it); set RESLAB_PGDATA to a folder it can reach"
    exit 1
  fi
  PWFILE=$(mktemp)
  echo reslab >"$PWFILE"
  chmod 644 "$PWFILE"
  # The superuser is the app's own role: this cluster is a local dev/test cluster
  # bound to loopback, and tests create one database each.
  as_owner "$BIN/initdb" -D "$PGDATA_DIR" -U reslab --pwfile="$PWFILE" \
    --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >&2
  rm -f "$PWFILE"
fi

as_owner "$BIN/pg_ctl" -D "$PGDATA_DIR" -l "$PGDATA_DIR/server.log" -w -t 60 \
  -o "-p $PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=''" start >&2 || {
  log "the server did not start; its log follows"
  tail -n 20 "$PGDATA_DIR/server.log" >&2 || true
  exit 1
}

ADMIN_URL="postgresql://reslab:reslab@127.0.0.1:${PORT}/postgres"
if ! psql "$ADMIN_URL" -Atqc "select 1 from pg_database where datname = 'reslab'" | grep -q 1; then
  psql "$ADMIN_URL" -qc 'create database reslab' >&2
fi
log "listening on 127.0.0.1:$PORT (data in $PGDATA_DIR)"
echo started
