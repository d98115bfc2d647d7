# One Dockerfile for the three Parley services:
#   docker build --build-arg APP=ingest -t parley-ingest .      (APP: ingest | classifier | crm-sink)
# The image runs as a non-root user, needs no writable root filesystem (mount /tmp, and a volume for the
# NDJSON target), and answers its HEALTHCHECK on /healthz.
ARG NODE_IMAGE=node:24.21.0-bookworm-slim

FROM ${NODE_IMAGE} AS build
ARG APP=ingest
WORKDIR /src
ENV NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false
COPY package.json package-lock.json ./
COPY . .
RUN npm ci --no-audit --no-fund \
  && npx nx run-many -t build --projects="@parley/${APP}" --output-style=static \
  && bash tools/docker/assemble.sh "${APP}" /out

FROM ${NODE_IMAGE} AS production-deps
WORKDIR /out
COPY --from=build /out ./
# Production dependencies only; the workspace libraries are linked, not fetched.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
  && npm cache clean --force

FROM ${NODE_IMAGE}
ARG APP=ingest
LABEL org.opencontainers.image.title="parley-${APP}" \
  org.opencontainers.image.source="https://github.com/parley-chat/parley" \
  org.opencontainers.image.licenses="Apache-2.0"
ENV NODE_ENV=production \
  PARLEY_HTTP_HOST=0.0.0.0 \
  PARLEY_HTTP_PORT=8080
WORKDIR /app
COPY --from=production-deps --chown=0:0 /out ./
# The NDJSON target's default directory; a named volume mounted here inherits this owner.
RUN mkdir -p /var/lib/parley && chown 10001:10001 /var/lib/parley
USER 10001:10001
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env.PARLEY_HTTP_PORT+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "/app/main.js"]
