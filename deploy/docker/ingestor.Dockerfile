# syntax=docker/dockerfile:1
# chainfan ingestor image: subscribes to the node (ZMQ + JSON-RPC) and publishes to Redis (ops 9466).
# Build from the repository root:  docker build -f deploy/docker/ingestor.Dockerfile -t chainfan-ingestor:0.1.0 .
# Runs the built JavaScript (npm run build → packages/*/dist) on Node 24 LTS. Expected size: about 240 MB
# uncompressed (~80 MB compressed): node:24 trixie-slim without npm ~195 MB, tini, and ~45 MB of chainfan
# with its production dependencies (the copied closure measures 38 MB of node_modules, uWebSockets.js and
# zeromq keeping only their linux-x64 binaries). The previous image was ~52 MB larger in dependencies alone.
ARG NODE_VERSION=24.22.3

# 1. Build: every dependency (the compiler and its toolchain too), then `npm run build`. Nothing of this stage
#    but the copied closure reaches the runtime image.
FROM node:${NODE_VERSION}-trixie-slim AS build
# uWebSockets.js and zeromq ship glibc prebuilds (hence Debian, not Alpine); the toolchain is only the
# fallback for a platform without one
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json tsconfig.json tsconfig.base.json turbo.json ./
COPY packages/ packages/
RUN npm ci --no-audit --no-fund \
 && npm run build \
 && npm cache clean --force
# 2. The production closure of the CLI that runs every role, resolved from package-lock.json (closure.mjs says
#    why `npm ci --omit=dev -w` cannot): no test kit, no compiler. react and react-dom are bundled into the
#    dashboard's static files at build time, @chainfan/react is the browser hook, tsx the loader for running
#    sources; Node never loads them here.
COPY deploy/docker/closure.mjs deploy/docker/closure.mjs
RUN node deploy/docker/closure.mjs --app @chainfan/cli --exclude react,react-dom,@chainfan/react,tsx --platform linux-x64 --out /app \
 && cp package.json /app/
# uWebSockets.js ships ~250 MB of binaries for every platform and Node ABI; keep the one this image loads
RUN keep="uws_linux_$(node -p process.arch)_$(node -p process.versions.modules).node" \
 && test -f "/app/node_modules/uWebSockets.js/$keep" \
 && find /app/node_modules/uWebSockets.js -maxdepth 1 -name 'uws_*.node' ! -name "$keep" -delete
# zeromq ships prebuilds for darwin, win32, other CPUs and musl, and its C++ sources; keep linux/<arch> glibc
# and the manifest its loader reads
RUN arch="$(node -p process.arch)" \
 && test -d "/app/node_modules/zeromq/build/linux/$arch" \
 && find /app/node_modules/zeromq/build -mindepth 1 -maxdepth 1 -type d ! -name linux -exec rm -rf {} + \
 && find /app/node_modules/zeromq/build/linux -mindepth 1 -maxdepth 1 -type d ! -name "$arch" -exec rm -rf {} + \
 && find /app/node_modules/zeromq/build/linux -type d -name 'musl-*' -prune -exec rm -rf {} + \
 && rm -rf /app/node_modules/zeromq/src /app/node_modules/zeromq/script

# 3. Runtime: node, tini and the closure (npm and corepack are removed: build tools); non-root, read-only root
#    filesystem friendly: the only write is the state file (CHAINFAN_INGESTOR_STATE_FILE) on a volume mounted at
#    /var/lib/chainfan, which exists here owned by the runtime user so a fresh named volume inherits that owner.
FROM node:${NODE_VERSION}-trixie-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 chainfan \
 && useradd --system --uid 10001 --gid chainfan --no-create-home --home-dir /app --shell /usr/sbin/nologin chainfan \
 && install -d -o 10001 -g 10001 -m 0700 /var/lib/chainfan \
 && rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack
WORKDIR /app
ENV NODE_ENV=production \
    CHAINFAN_LOG_LEVEL=info
COPY --from=build /app ./
# numeric, so Kubernetes' runAsNonRoot can verify it
USER 10001:10001
EXPOSE 9466
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.CHAINFAN_INGESTOR_OPS_PORT||9466)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# tini is PID 1: it forwards SIGTERM to node (whose handler drains) and reaps zombies.
STOPSIGNAL SIGTERM
# V8 flags: packages/ingestor/src/node-flags.ts (a larger young generation for its per-transaction garbage)
ENTRYPOINT ["/usr/bin/tini", "--", "node", "--max-semi-space-size=64", "packages/cli/dist/main.js", "ingestor"]
