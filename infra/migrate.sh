#!/usr/bin/env bash
# Applies prisma/migrations to DATABASE_URL: with `prisma migrate deploy` where
# Prisma's native schema engine is present, else with the orchestrator's own
# applier, which keeps the same _prisma_migrations bookkeeping.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# shellcheck source=env.sh
source infra/env.sh
engine=${PRISMA_SCHEMA_ENGINE_BINARY:-$(ls node_modules/@prisma/engines/schema-engine-* 2>/dev/null | head -n 1 || true)}
if [ -n "$engine" ] && [ -x "$engine" ] && "$engine" --version >/dev/null 2>&1; then
  PRISMA_SCHEMA_ENGINE_BINARY=$engine npx prisma migrate deploy
else
  node apps/orchestrator/dist/database/migrate-cli.js
fi
