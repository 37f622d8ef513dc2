# syntax=docker/dockerfile:1

# --- build: full toolchain, compiles TypeScript ---
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
# Everything .dockerignore lets through: the build also compiles scripts/ (db-init) and the
# simulator they share with the tests.
COPY . .
RUN npm run build

# --- deps: production dependencies only ---
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# --- runtime: no compiler, no dev dependencies, not root ---
FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=3000
WORKDIR /app
COPY --from=deps --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --chown=node:node package.json ./
# The bundled ticker list is the fallback while S3 has not answered since start.
COPY --chown=node:node fixtures/us-symbols.json ./fixtures/us-symbols.json
USER node
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# SIGTERM goes straight to node (no npm wrapper), which drains in-flight requests before exiting.
CMD ["node", "dist/src/main.js"]
