# syntax=docker/dockerfile:1
# One image for every role: the API (default command), refresh workers (`node dist/src/cli/worker.js`)
# and the one-off migration (`node dist/src/cli/migrate.js`). See docs/DEPLOYMENT.md.
#
#   docker build -t customer-ai-analytics .
#   docker compose up --scale api=2 --scale worker=2

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: every dependency, the compiled server and the browser apps ----
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# The install's postinstall generates the Prisma clients from prisma/ with scripts/prisma.mjs.
COPY package.json package-lock.json ./
COPY scripts ./scripts
COPY prisma ./prisma
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund

# ---- runtime: production dependencies and the build only, run as the unprivileged "node" user ----
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json /app/package-lock.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
# Migrations (read by dist/src/cli/migrate.js and MIGRATE_ON_START) and the health check.
COPY --from=build --chown=node:node /app/prisma ./prisma
COPY --from=build --chown=node:node /app/scripts/healthcheck.mjs ./scripts/healthcheck.mjs
USER node
# API (PORT) and a worker's /metrics + /healthz (WORKER_METRICS_PORT).
EXPOSE 4000 9464
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "scripts/healthcheck.mjs"]
CMD ["node", "--max-old-space-size=1024", "dist/src/cli/start.js"]
