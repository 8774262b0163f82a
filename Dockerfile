# syntax=docker/dockerfile:1
# One image for every agent: `docker run awo <agent> --config /etc/awo/awo.yaml`
# (monitor | analyzer | planner | executor, or `up` for all four in one container).
#   docker build -t awo .
# Each agent serves /healthz, /readyz and /metrics on 0.0.0.0:9464 here (see ENV below).
ARG NODE_VERSION=20

# 1. build: every dependency (dev ones too), then `npm run build` compiles each workspace to dist/.
FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
COPY . .
RUN npm ci --no-audit --no-fund && npm run build

# 2. prod-deps: the same tree without the dev dependencies (TypeScript, vitest, eslint, turbo…).
FROM build AS prod-deps
RUN npm prune --omit=dev --no-audit --no-fund \
 && rm -rf .turbo bench/out coverage

# 3. runtime: production dependencies and the compiled code, run as a non-root user.
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production \
    AWO__health__host=0.0.0.0 AWO__health__port=9464 \
    AWO__monitor__health__host=0.0.0.0 AWO__monitor__health__port=9464 \
    AWO__analyzer__health__host=0.0.0.0 AWO__analyzer__health__port=9464 \
    AWO__planner__health__host=0.0.0.0 AWO__planner__health__port=9464 \
    AWO__executor__health__host=0.0.0.0 AWO__executor__health__port=9464
RUN groupadd --system --gid 10001 awo \
 && useradd --system --uid 10001 --gid awo --home-dir /app --shell /usr/sbin/nologin awo
WORKDIR /app
COPY --from=prod-deps --chown=root:root /app /app
USER awo:awo
EXPOSE 9464
# Alive while no agent has failed (an agent that fails also ends the process: exitOnFailure).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9464/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "packages/cli/bin/awo.js"]
CMD ["--help"]
