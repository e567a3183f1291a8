# syntax=docker/dockerfile:1
# chainfan ingestor image: node ZMQ + JSON-RPC → Redis (ops 9466).
# Build from the repository root:  docker build -f deploy/docker/ingestor.Dockerfile -t chainfan-ingestor:0.1.0 .
# The process runs the TypeScript sources through tsx (docs/decisions/0001), so there is no compile stage;
# the stages only keep the toolchain and npm's cache out of the runtime image.
ARG NODE_VERSION=20.20.2

# 1. Only the package manifests, so the dependency layer below is rebuilt when dependencies change, not on
#    every source edit (BuildKit caches COPY --from by content).
FROM node:${NODE_VERSION}-bookworm-slim AS manifests
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/ packages/
RUN find packages -mindepth 2 -maxdepth 2 ! -name package.json -exec rm -rf {} +

# 2. Production dependencies. uWebSockets.js and zeromq ship glibc prebuilds (hence Debian, not Alpine); the
#    toolchain is only the fallback for a platform without one and never reaches the runtime image.
FROM node:${NODE_VERSION}-bookworm-slim AS deps
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=manifests /app ./
RUN npm ci --omit=dev --no-audit --no-fund \
 && npm cache clean --force
# uWebSockets.js ships ~250 MB of binaries for every platform and Node ABI; keep the one this image loads
RUN keep="uws_linux_$(node -p process.arch)_$(node -p process.versions.modules).node" \
 && test -f "node_modules/uWebSockets.js/$keep" \
 && find node_modules/uWebSockets.js -maxdepth 1 -name 'uws_*.node' ! -name "$keep" -delete

# 3. Runtime: node, tini, the dependencies and the sources; non-root, read-only friendly (writes only to /tmp,
#    where tsx keeps its transpile cache).
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 chainfan \
 && useradd --system --uid 10001 --gid chainfan --no-create-home --home-dir /app --shell /usr/sbin/nologin chainfan
WORKDIR /app
ENV NODE_ENV=production \
    CHAINFAN_LOG_LEVEL=info
COPY --from=deps /app/node_modules ./node_modules
COPY --from=deps /app/packages ./packages
COPY package.json tsconfig.json tsconfig.base.json ./
COPY packages/ packages/
# numeric, so Kubernetes' runAsNonRoot can verify it
USER 10001:10001
EXPOSE 9466
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.CHAINFAN_INGESTOR_OPS_PORT||9466)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# tini is PID 1: it forwards SIGTERM to node (whose handler drains) and reaps zombies.
STOPSIGNAL SIGTERM
# V8 flags: packages/ingestor/src/node-flags.ts (a larger young generation for its per-transaction garbage)
ENTRYPOINT ["/usr/bin/tini", "--", "node", "--max-semi-space-size=64", "packages/cli/bin/chainfan.js", "ingestor"]
