# syntax=docker/dockerfile:1
# The dashboard (apps/dashboard, Next.js). Build from the repository root:
#   docker build -f infra/docker/dashboard.Dockerfile -t reslab/dashboard .
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.base.json ./
COPY libs/contracts/package.json libs/contracts/
COPY apps/dashboard/package.json apps/dashboard/
RUN npm ci --workspace @reslab/contracts --workspace apps/dashboard --include-workspace-root
COPY libs/contracts libs/contracts
COPY apps/dashboard apps/dashboard
RUN npx tsc -b libs/contracts && npm run build -w apps/dashboard \
  && npm prune --omit=dev --workspace @reslab/contracts --workspace apps/dashboard --include-workspace-root

FROM node:20-bookworm-slim
ENV NODE_ENV=production NEXT_TELEMETRY_DISABLED=1 RESLAB_API_URL=http://orchestrator:4000
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/libs/contracts/package.json libs/contracts/
COPY --from=build /app/libs/contracts/dist libs/contracts/dist
COPY --from=build /app/apps/dashboard apps/dashboard
USER node
EXPOSE 3000
WORKDIR /app/apps/dashboard
CMD ["npx", "next", "start", "-H", "0.0.0.0", "-p", "3000"]
