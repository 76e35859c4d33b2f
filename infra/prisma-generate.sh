#!/usr/bin/env bash
# `prisma generate` needs no schema engine (the client's query compiler is
# WASM), but the CLI checks that one exists before it starts. Where none could
# be downloaded, an empty placeholder file satisfies that check.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
engine=${PRISMA_SCHEMA_ENGINE_BINARY:-$(ls node_modules/@prisma/engines/schema-engine-* 2>/dev/null | head -n 1 || true)}
if [ -z "$engine" ]; then
  mkdir -p .reslab
  engine=.reslab/schema-engine-placeholder
  : >"$engine"
fi
PRISMA_SCHEMA_ENGINE_BINARY=$engine PRISMA_HIDE_UPDATE_MESSAGE=1 npx prisma generate
