# syntax=docker/dockerfile:1
# The orchestrator (apps/orchestrator) with its migrations. Build from the repository root:
#   docker build -f infra/docker/orchestrator.Dockerfile -t reslab/orchestrator .
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.base.json prisma.config.ts ./
COPY libs/contracts/package.json libs/contracts/
COPY apps/orchestrator/package.json apps/orchestrator/
RUN npm ci --workspace @reslab/contracts --workspace @reslab/orchestrator --include-workspace-root
COPY prisma prisma
COPY infra/prisma-generate.sh infra/
COPY libs/contracts libs/contracts
COPY apps/orchestrator apps/orchestrator
RUN infra/prisma-generate.sh && npx tsc -b libs/contracts apps/orchestrator \
  && npm prune --omit=dev --workspace @reslab/contracts --workspace @reslab/orchestrator --include-workspace-root

FROM node:20-bookworm-slim
ENV NODE_ENV=production RESLAB_API_HOST=0.0.0.0 RESLAB_API_PORT=4000
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/libs/contracts/package.json libs/contracts/
COPY --from=build /app/libs/contracts/dist libs/contracts/dist
COPY --from=build /app/apps/orchestrator/package.json apps/orchestrator/
COPY --from=build /app/apps/orchestrator/dist apps/orchestrator/dist
COPY --from=build /app/prisma/migrations prisma/migrations
USER node
EXPOSE 4000
# Migrations are a step of their own (an init container, compose's `migrate`): several replicas may start at once,
# and the applier holds Prisma's advisory lock, so they apply once.
CMD ["node", "apps/orchestrator/dist/main.js"]
