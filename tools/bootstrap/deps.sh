#!/usr/bin/env bash
# Installs the workspace's npm dependencies exactly as locked, skipping the work when the lock file is
# unchanged since the last install. Sourced after tools/bootstrap/node.sh.
_parley_install_deps() {
  local root; root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  local stamp="$root/node_modules/.parley-lock.sha256"
  local want; want="$( (cat "$root/package-lock.json"; node --version) | sha256sum | cut -d' ' -f1)"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then return 0; fi
  echo "[deps] npm ci" >&2
  (cd "$root" && npm ci --no-audit --no-fund --loglevel=error >&2) || { echo "[deps] npm ci failed" >&2; return 1; }
  echo "$want" >"$stamp"
}
_parley_install_deps
