# syntax=docker/dockerfile:1
#
# The service's image (README: Running in containers). Three stages on one base image, so the
# native modules (better-sqlite3 compiled here, sharp's prebuilt libvips for this libc) are
# built for exactly the system they run on. scripts/check-dockerfile.mjs, run by the tests,
# checks these stages against package.json.
#
#   docker build -t dnd-image-service .
#   docker run -p 8000:8000 -v dnd-data:/app/data -v dnd-images:/app/images -v dnd-backups:/app/backups dnd-image-service

# Node 20 is what the project targets (package.json engines); the tag follows 20.x releases.
FROM node:20-bookworm-slim AS base
WORKDIR /app

# --- build: the service (tsc) and the web app (vite) into dist/ ----------------------------
FROM base AS build
COPY package.json package-lock.json ./
# package.json's allowScripts is read by npm 11, not by the npm 10 this image ships, so no
# install script runs here: tsc and vite need none.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run build

# --- prod-deps: the runtime's node_modules, without dev dependencies -----------------------
FROM base AS prod-deps
# better-sqlite3 downloads a prebuilt addon, or compiles one with these (against the headers
# that come with this image's Node, so nothing else is fetched).
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
ENV npm_config_nodedir=/usr/local
COPY package.json package-lock.json ./
# The install scripts allowed by package.json's allowScripts, and only those, run in rebuild.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm rebuild @google/genai better-sqlite3 \
 && npm cache clean --force

# --- runtime -------------------------------------------------------------------------------
FROM base AS runtime
# Backups on PostgreSQL need pg_dump/pg_restore at least as new as the server (README:
# PostgreSQL): PG_MAJOR must be the server's major. Debian bookworm has 15 (compose.yaml's
# server); another major comes from the PostgreSQL project's apt repository (PGDG).
# fonts-dejavu-core: the local provider writes its captions in DejaVu.
ARG PG_MAJOR=15
RUN set -eux; \
    apt-get update; \
    if ! apt-cache show "postgresql-client-${PG_MAJOR}" >/dev/null 2>&1; then \
      apt-get install -y --no-install-recommends ca-certificates curl; \
      install -d /usr/share/postgresql-common/pgdg; \
      curl -fsSLo /usr/share/postgresql-common/pgdg/apt.postgresql.org.asc https://www.postgresql.org/media/keys/ACCC4CF8.asc; \
      echo "deb [signed-by=/usr/share/postgresql-common/pgdg/apt.postgresql.org.asc] https://apt.postgresql.org/pub/repos/apt bookworm-pgdg main" > /etc/apt/sources.list.d/pgdg.list; \
      apt-get update; \
    fi; \
    apt-get install -y --no-install-recommends "postgresql-client-${PG_MAJOR}" fonts-dejavu-core; \
    rm -rf /var/lib/apt/lists/*; \
    "/usr/lib/postgresql/${PG_MAJOR}/bin/pg_dump" --version
# The service looks for pg_dump and pg_restore on the PATH: this major's, not a wrapper's choice.
ENV PATH=/usr/lib/postgresql/${PG_MAJOR}/bin:$PATH

# What a container writes: the SQLite database (with its -wal, -shm and .pid files, hence a
# folder), images and backups. The last two are the config's defaults (images, backups)
# under /app; the node user owns them, the code stays root's and read-only.
ENV DATABASE_URL=sqlite:////app/data/dnd_game.db
# JSON log lines, one per request and per event (README: Logs).
ENV NODE_ENV=production
RUN mkdir -p /app/data /app/images /app/backups \
 && chown node:node /app/data /app/images /app/backups

# package.json: the service finds its root (and dist/web) and its version by it.
COPY package.json ./
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/dist/migrations ./dist/migrations
COPY --from=build /app/dist/web ./dist/web
COPY --from=build /app/dist/ormconfig.js ./dist/ormconfig.js
COPY scripts/backup.sh ./scripts/backup.sh

USER node
VOLUME ["/app/data", "/app/images", "/app/backups"]
EXPOSE 8000
# No curl in a slim image: Node's fetch asks the liveness route.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8000) + '/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# `npm start` without its prestart build (dist is built above). Pending migrations run at
# start, under an advisory lock on PostgreSQL. Node is PID 1 and handles SIGTERM itself
# (SHUTDOWN_DRAIN_MS, then close).
CMD ["node", "dist/src/main.js"]
