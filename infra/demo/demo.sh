#!/usr/bin/env bash
# `make demo`: Postgres, the orchestrator, one worker and the dashboard, then
# the plain-vs-residual sweep. Runs until Ctrl-C, which stops every process
# this script started (Postgres too, if it was not already running).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
# shellcheck source=../env.sh
source infra/env.sh
API_PORT=${RESLAB_API_PORT:-4000}
DASHBOARD_PORT=${RESLAB_DASHBOARD_PORT:-3000}
API_URL="http://127.0.0.1:$API_PORT"
LOGS=.reslab/logs
mkdir -p "$LOGS"

started_pg=$(infra/postgres/ensure-postgres.sh)
pids=()
cleanup() {
  trap - EXIT INT TERM
  echo "[demo] stopping"
  # Last started, first stopped: the worker drains (its engines checkpoint and report) while the
  # orchestrator still answers; then the dashboard and the orchestrator.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill -TERM "${pids[i]}" 2>/dev/null || true
    wait "${pids[i]}" 2>/dev/null || true
  done
  if [ "$started_pg" = started ]; then infra/postgres/stop-postgres.sh || true; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

infra/migrate.sh
CREDENTIALS=.reslab/demo-credentials.json
WORKER_DIR=.reslab/worker
eval "$(node infra/demo/credentials.mjs admin "$CREDENTIALS")"
export RESLAB_ADMIN_EMAIL RESLAB_ADMIN_PASSWORD
# The orchestrator and the dashboard run in sessions of their own (setsid), out of reach of the terminal's
# Ctrl-C: the worker and its engines get it, checkpoint and report while the orchestrator still answers,
# and the trap below then stops the rest in order.
RESLAB_API_PORT=$API_PORT setsid node apps/orchestrator/dist/main.js >"$LOGS/orchestrator.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 60); do curl -fs "$API_URL/health" >/dev/null 2>&1 && break; sleep 0.5; done
curl -fs "$API_URL/health" >/dev/null || { echo "[demo] the orchestrator did not start; see $LOGS/orchestrator.log"; tail -n 20 "$LOGS/orchestrator.log"; exit 1; }

# Signs in as the admin, keeps the demo's API key, and enrols the worker on its first start.
eval "$(node infra/demo/credentials.mjs session "$CREDENTIALS" "$API_URL" "$WORKER_DIR")"
RESLAB_ENROLMENT_TOKEN=$RESLAB_ENROLMENT_TOKEN RESLAB_WORK_DIR=$WORKER_DIR RESLAB_API_URL=$API_URL \
  node apps/worker/dist/main.js --name "demo-worker-$(hostname)" --slots "${RESLAB_WORKER_SLOTS:-2}" >"$LOGS/worker.log" 2>&1 &
pids+=($!)
(cd apps/dashboard && RESLAB_API_URL=$API_URL exec setsid node ../../node_modules/next/dist/bin/next start -p "$DASHBOARD_PORT" -H 127.0.0.1) >"$LOGS/dashboard.log" 2>&1 &
pids+=($!)

cat <<MSG
[demo] Dashboard: http://127.0.0.1:$DASHBOARD_PORT/sweeps
[demo] Sign in:   $RESLAB_ADMIN_EMAIL / $RESLAB_ADMIN_PASSWORD   (kept in $CREDENTIALS)
[demo] CLI:       npx reslab login --api-url $API_URL --key $RESLAB_DEMO_KEY
[demo] API:       curl -H 'Authorization: Bearer $RESLAB_DEMO_KEY' $API_URL/runs
[demo] Logs:      $LOGS/   Ctrl-C stops everything.
MSG
# The follower rides out an orchestrator outage by itself. Should it stop on an error it cannot retry, the
# stack stays up for the dashboard: only Ctrl-C tears it down.
RESLAB_API_KEY=$RESLAB_DEMO_KEY node infra/demo/degradation-sweep.mjs "$API_URL" ||
  echo "[demo] the sweep follower stopped (exit $?); the stack keeps running. Ctrl-C stops everything."
wait
