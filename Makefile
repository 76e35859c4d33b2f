# ResLab: two commands. `make demo` runs the stack with a plain-vs-residual
# sweep on Fashion-MNIST; `make test` runs every test. Both install what they
# need on first use and skip it the second time (stamp files below).
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

export DATABASE_URL ?= $(shell . infra/env.sh && echo $$DATABASE_URL)
export NEXT_TELEMETRY_DISABLED := 1
export PRISMA_HIDE_UPDATE_MESSAGE := 1

PYTHON ?= python3
VENV := .venv
STAMPS := .reslab/stamps
TS_SOURCES := $(shell find libs/contracts/src apps/orchestrator/src apps/worker/src apps/cli/src -name '*.ts' -not -path '*/generated/*' 2>/dev/null)
DASHBOARD_SOURCES := $(shell find apps/dashboard -path apps/dashboard/.next -prune -o -path apps/dashboard/node_modules -prune -o -type f \( -name '*.ts' -o -name '*.tsx' -o -name '*.css' \) -print 2>/dev/null)

.PHONY: help demo test setup lint typecheck test-ts test-python migrate db-up db-down

help:
	@echo "make demo   # Postgres, orchestrator, a worker and the dashboard, with a plain-vs-residual sweep"
	@echo "make test   # every test: lint, types, TypeScript (Vitest) and Python (pytest) suites"

# Installs run side by side (-j4): the npm, build and dashboard chain beside the two Python environments.
demo:
	$(MAKE) --no-print-directory -j4 setup
	infra/demo/demo.sh

test:
	$(MAKE) --no-print-directory -j4 setup $(STAMPS)/venv-torchvision $(STAMPS)/venv-mlflow
	infra/with-postgres.sh $(MAKE) --no-print-directory lint typecheck migrate test-ts test-python

setup: $(STAMPS)/npm $(STAMPS)/venv $(STAMPS)/dataset $(STAMPS)/build $(STAMPS)/dashboard $(STAMPS)/chromium

$(STAMPS)/npm: package.json package-lock.json libs/contracts/package.json apps/orchestrator/package.json apps/worker/package.json apps/cli/package.json apps/dashboard/package.json
	npm ci --no-audit --no-fund --loglevel=error
	@mkdir -p $(STAMPS) && touch $@

# The CPU build of torch 2.13.0 lies on this machine's disk; the pin keeps pip
# from ever fetching a multi-GB CUDA build on a CPU machine.
# schemathesis (test/security/requirements.txt) fuzzes the orchestrator's API from /openapi.json in make test.
# The engine and the logging SDK (libs/sdk-python) go in editable, as a user's `pip install ./libs/engine
# ./libs/sdk-python` would (the SDK's tests and test/sdk's scripts import both); setuptools is the venv's own, so
# no build environment is fetched.
$(STAMPS)/venv: libs/engine/requirements.txt libs/engine/requirements-test.txt test/security/requirements.txt test/requirements.txt libs/engine/pyproject.toml libs/sdk-python/pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q -r libs/engine/requirements.txt -r libs/engine/requirements-test.txt -r test/security/requirements.txt -r test/requirements.txt 'setuptools>=64'
	$(VENV)/bin/python -m pip install -q --no-build-isolation -e libs/engine -e 'libs/sdk-python[tensorboard]'
	@mkdir -p $(STAMPS) && touch $@

# torchvision does not import beside the CPU build of torch 2.13.0, so the
# equivalence test with torchvision's ResNets runs in an environment of its own:
# torch 2.14.1 + torchvision 0.29.1, a CUDA build that lies on this machine's
# disk (no download; about 5.5 GB, one minute) and runs on the CPU.
$(STAMPS)/venv-torchvision: libs/engine/requirements-torchvision.txt
	test -x .venv-torchvision/bin/python || $(PYTHON) -m venv .venv-torchvision
	.venv-torchvision/bin/python -m pip install -q -r libs/engine/requirements-torchvision.txt
	@mkdir -p $(STAMPS) && touch $@

# The real MLflow (client and tracking server) for the compatibility test and the ingest benchmark; 860 MB, 40 s.
$(STAMPS)/venv-mlflow: test/mlflow/requirements.txt
	test -x .venv-mlflow/bin/python || $(PYTHON) -m venv .venv-mlflow
	.venv-mlflow/bin/python -m pip install -q -r test/mlflow/requirements.txt
	@mkdir -p $(STAMPS) && touch $@

# The real Fashion-MNIST, from Debian (as root), or from $RESLAB_DATA_DIR/fashion-mnist. Without either the
# stamp is not written and setup stops, saying how to get it: no test falls back to other data.
FASHION_MNIST_DIRS := /usr/share/datasets/fashion-mnist $(if $(RESLAB_DATA_DIR),$(RESLAB_DATA_DIR)/fashion-mnist)
$(STAMPS)/dataset:
	@if ! ls -d $(FASHION_MNIST_DIRS) >/dev/null 2>&1 && [ "$$(id -u)" -eq 0 ]; then \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist; }; fi
	@for d in $(FASHION_MNIST_DIRS); do [ -d "$$d" ] && exit 0; done; \
	  echo "Fashion-MNIST is not installed (looked in $(FASHION_MNIST_DIRS)): run 'sudo apt-get install dataset-fashion-mnist', or put its four IDX files in \$$RESLAB_DATA_DIR/fashion-mnist" >&2; exit 1
	@mkdir -p $(STAMPS) && touch $@

# Headless Chromium for the browser tests (playwright-core drives Debian's build), and a Hangul font (Nanum,
# 33 MB) so the Korean dashboard renders glyphs, not boxes, in its screenshots.
# After the data set: both may run apt-get, which takes one lock at a time.
$(STAMPS)/chromium: $(STAMPS)/dataset
	@if { ! command -v chromium >/dev/null || [ ! -d /usr/share/fonts/truetype/nanum ]; } && [ "$$(id -u)" -eq 0 ]; then \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-nanum || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-nanum; }; fi
	@mkdir -p $(STAMPS) && touch $@

$(STAMPS)/build: $(STAMPS)/npm prisma/schema.prisma $(TS_SOURCES)
	infra/prisma-generate.sh >/dev/null
	npx tsc -b libs/contracts apps/orchestrator apps/worker apps/cli
	@mkdir -p $(STAMPS) && touch $@

$(STAMPS)/dashboard: $(STAMPS)/build $(DASHBOARD_SOURCES)
	npm run build -w @reslab/dashboard --silent
	@mkdir -p $(STAMPS) && touch $@

# Every TypeScript file: the packages (tsc -b), the dashboard, and the tests and benchmarks (root tsconfig.json).
typecheck: $(STAMPS)/build
	npx tsc -b libs/contracts apps/orchestrator apps/worker apps/cli
	npx tsc --noEmit -p apps/dashboard
	npx tsc -p tsconfig.json

lint:
	npx biome check .
	$(VENV)/bin/ruff check libs/engine libs/sdk-python test/sdk benchmarks
	$(VENV)/bin/ruff format --check libs/engine libs/sdk-python test/sdk benchmarks

migrate:
	infra/migrate.sh

# The process logs and secrets of this run only (test/support/test-log.ts); the scan of them runs last.
test-ts:
	rm -rf .reslab/test-logs
	npx vitest run
	npx vitest run --config test/secrets/vitest.config.ts

test-python:
	cd libs/engine && ../../$(VENV)/bin/python -m pytest -q
	cd libs/sdk-python && ../../$(VENV)/bin/python -m pytest -q
	cd libs/engine && ../../.venv-torchvision/bin/python -m pytest -q -m torchvision tests/test_torchvision_equivalence.py

db-up:
	infra/postgres/ensure-postgres.sh >/dev/null

db-down:
	infra/postgres/stop-postgres.sh
