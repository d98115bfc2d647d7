#!/usr/bin/env bash
# Lays out what a service's image holds, from a built workspace: every workspace's package.json (so the
# lockfile matches and `npm ci --omit=dev` works), the built dist of the libraries and of the one app,
# the files they read at run time, and main.js pointing at the app's entry.
# Usage: tools/docker/assemble.sh APP OUT     (APP: ingest | classifier | crm-sink)
# Used by the Dockerfile, and by the packaging tests to start a service from exactly this layout.
set -euo pipefail
APP="${1:?usage: assemble.sh APP OUT}"
OUT="${2:?usage: assemble.sh APP OUT}"
case "$APP" in ingest | classifier | crm-sink) ;; *) echo "unknown app: $APP" >&2; exit 2 ;; esac
[[ -f "apps/$APP/dist/main.js" ]] || { echo "apps/$APP/dist/main.js is missing: build first" >&2; exit 1; }
mkdir -p "$OUT"
cp package.json package-lock.json "$OUT/"
for dir in libs/* apps/* tools; do
  mkdir -p "$OUT/$dir"
  cp "$dir/package.json" "$OUT/$dir/"
done
for dir in libs/* "apps/$APP"; do
  [[ -d "$dir/dist" ]] || { echo "$dir/dist is missing: build first" >&2; exit 1; }
  cp -r "$dir/dist" "$OUT/$dir/"
done
# Files read at run time, next to the code that reads them.
cp -r libs/classification/taxonomies libs/classification/examples "$OUT/libs/classification/"
ln -sf "apps/$APP/dist/main.js" "$OUT/main.js"
