# syntax=docker/dockerfile:1

# --- build: full toolchain, compiles TypeScript ---
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
# Everything .dockerignore lets through: the build also compiles scripts/ (db-init) and the
# simulator they share with the tests. Only the files main.js and db-init.js load leave this
# stage: scripts/runtime-files.ts follows their requires and refuses test, bench, simulator and
# dev-token files (test/e2e/runtime-image.e2e-spec.ts checks the list from a fresh build).
COPY . .
RUN npm run build && node dist/scripts/runtime-files.js --copy-to /runtime

# --- deps: production dependencies only ---
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# --- runtime: no compiler, no dev dependencies, not root ---
FROM node:24-bookworm-slim AS runtime
# Memory bounds (README, "Memory"; the same values as scripts/local-stack/runtime-memory.ts and
# the task definition): a 32 MB young generation instead of one sized from the host's memory, a
# heap ceiling, and two malloc arenas instead of one per allocating thread.
ENV NODE_ENV=production \
    PORT=3000 \
    NODE_OPTIONS="--max-semi-space-size=16 --max-old-space-size=384" \
    MALLOC_ARENA_MAX=2
WORKDIR /app
# Owned by root and not writable by `node`: the process cannot change its own code, and nothing
# here needs to be written, so the task runs with readonlyRootFilesystem.
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /runtime/dist ./dist
COPY --chmod=0444 package.json ./
# The bundled ticker list: the fallback while S3 has not answered since start, and what db-init uploads.
COPY --chmod=0444 fixtures/us-symbols.json ./fixtures/us-symbols.json
USER node
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# SIGTERM goes straight to node (no npm wrapper), which drains in-flight requests before exiting.
CMD ["node", "dist/src/main.js"]
