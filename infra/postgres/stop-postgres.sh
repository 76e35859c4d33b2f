#!/usr/bin/env bash
# Stops the project-owned cluster started by ensure-postgres.sh, if it runs.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=data-dir.sh
source "$ROOT/infra/postgres/data-dir.sh"
PGDATA_DIR=$(reslab_pgdata_dir "$ROOT")
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$BIN" ] && [ -s "$PGDATA_DIR/postmaster.pid" ] || exit 0
if [ "$(id -u)" -eq 0 ]; then
  (cd / && runuser -u postgres -- "$BIN/pg_ctl" -D "$PGDATA_DIR" -m fast -w stop >&2)
else
  "$BIN/pg_ctl" -D "$PGDATA_DIR" -m fast -w stop >&2
fi
