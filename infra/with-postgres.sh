#!/usr/bin/env bash
# Runs a command with Postgres answering at DATABASE_URL, then stops the
# server again if this script was the one that started it.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=env.sh
source "$HERE/env.sh"
started=$("$HERE/postgres/ensure-postgres.sh")
stop() { [ "$started" = started ] && "$HERE/postgres/stop-postgres.sh" || true; }
trap stop EXIT
"$@"
