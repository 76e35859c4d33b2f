# syntax=docker/dockerfile:1
# A worker (apps/worker) and the engine it runs (libs/engine) on CUDA PyTorch. Build from the repository root:
#   docker build -f infra/docker/worker.Dockerfile -t reslab/worker .
# PYTORCH_IMAGE's torch must be libs/engine/requirements.txt's (pip would otherwise replace it with a CPU wheel).
ARG PYTORCH_IMAGE=pytorch/pytorch:2.13.0-cuda12.8-cudnn9-runtime

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.base.json ./
COPY libs/contracts/package.json libs/contracts/
COPY apps/worker/package.json apps/worker/
RUN npm ci --workspace @reslab/contracts --workspace @reslab/worker --include-workspace-root
COPY libs/contracts libs/contracts
COPY apps/worker apps/worker
RUN npx tsc -b libs/contracts apps/worker \
  && npm prune --omit=dev --workspace @reslab/contracts --workspace @reslab/worker --include-workspace-root

FROM ${PYTORCH_IMAGE}
# Node 20 for the worker itself, from the official image (same Debian-based glibc ABI).
COPY --from=node:20-bookworm-slim /usr/local/bin/node /usr/local/bin/node
WORKDIR /app
COPY libs/engine/requirements.txt libs/engine/
RUN grep -v '^torch' libs/engine/requirements.txt > /tmp/requirements.txt \
  && pip install --no-cache-dir -r /tmp/requirements.txt && rm /tmp/requirements.txt
COPY libs/engine libs/engine
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/libs/contracts/package.json libs/contracts/
COPY --from=build /app/libs/contracts/dist libs/contracts/dist
COPY --from=build /app/apps/worker/package.json apps/worker/
COPY --from=build /app/apps/worker/dist apps/worker/dist
# The image's Python runs the engine (the worker's default is the repository's .venv).
ENV RESLAB_PYTHON=python RESLAB_WORK_DIR=/var/lib/reslab-worker
CMD ["node", "apps/worker/dist/main.js"]
