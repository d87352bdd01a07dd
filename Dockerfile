# Stepwise container image. NOT BUILT OR RUN on the machines this was written on (no container engine there);
# each step's commands were run by hand in a clean directory instead — see docs/operations.md#containers.
#
#   docker build -t stepwise .
#   docker run -p 3000:3000 -v stepwise-data:/app/data stepwise            # SQLite, one process
#   docker compose up -d                                                   # PostgreSQL, serve + 2 workers

# ── build: compile native modules, the server (dist/) and the UI (web/dist/) ─────────────────────────────────────
FROM node:22-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 and argon2 download prebuilt binaries; when none can be fetched npm compiles them (C/C++ toolchain).
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build && npm prune --omit=dev

# ── runtime: production dependencies, compiled output, non-root ──────────────────────────────────────────────────
FROM node:22-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATABASE_URL=sqlite:/app/data/stepwise.db \
    STEPWISE_SECRET_KEY_FILE=/app/data/secret.key
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/bin ./bin
COPY --from=build /app/dist ./dist
COPY --from=build /app/web/dist ./web/dist
RUN mkdir -p /app/data && chown node:node /app/data
USER node
VOLUME ["/app/data"]
EXPOSE 3000
# Liveness only (no database query): a worker container has no HTTP port; compose disables this check for it.
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/api/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# SIGTERM: stop claiming, finish the batch in hand, exit within SHUTDOWN_TIMEOUT (default 20 s).
STOPSIGNAL SIGTERM
# The V8 heap limit keeps garbage near twice the live set (docs/operations.md#process-memory).
ENTRYPOINT ["node", "--max-old-space-size=1024", "bin/stepwise.js"]
CMD ["serve"]
