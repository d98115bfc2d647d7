# Shared helpers for the scripts that install and run Parley's real components.
# Sourced, never executed. Everything is cached under $PARLEY_CACHE, keyed by version,
# and every server listens on 127.0.0.1 only.

set -euo pipefail

PARLEY_CACHE="${PARLEY_CACHE:-$HOME/.cache/parley}"
# Runtime state (pid files, data dirs, logs) of servers started by these scripts.
PARLEY_RUN="${PARLEY_RUN:-$PARLEY_CACHE/run}"
mkdir -p "$PARLEY_CACHE" "$PARLEY_RUN"

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

log() { printf '[%s] %s\n' "${COMPONENT:-env}" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# wait_until SECONDS DESCRIPTION COMMAND...: polls COMMAND every half second.
wait_until() {
  local timeout="$1" what="$2"; shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      log "timed out after ${timeout}s waiting for $what"
      return 1
    fi
    sleep 0.5
  done
}

http_ok() { curl -fsS --max-time 2 "$1" >/dev/null; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A free TCP port on loopback, or the given preferred one when it is free.
free_port() {
  local preferred="${1:-0}"
  if [[ "$preferred" != 0 ]] && ! port_open "$preferred"; then echo "$preferred"; return; fi
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

pid_alive() { [[ -f "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

# stop_pidfile PIDFILE [SECONDS]: SIGTERM, wait, then SIGKILL the process group.
stop_pidfile() {
  local pidfile="$1" grace="${2:-20}"
  pid_alive "$pidfile" || { rm -f "$pidfile"; return 0; }
  local pid; pid="$(cat "$pidfile")"
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + grace))
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      log "pid $pid ignored SIGTERM for ${grace}s; killing"
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.2
  done
  rm -f "$pidfile"
}

# start_daemon PIDFILE LOGFILE COMMAND...: runs COMMAND in its own session, detached.
start_daemon() {
  local pidfile="$1" logfile="$2"; shift 2
  mkdir -p "$(dirname "$logfile")"
  # fd 9 carries with_lock's lock; a daemon must not inherit it or the lock is held for its lifetime.
  setsid "$@" >>"$logfile" 2>&1 < /dev/null 9>&- &
  echo $! >"$pidfile"
}

show_log_tail() {
  local file="$1"
  log "last lines of $file:"
  tail -n "${2:-60}" "$file" >&2 || true
}

# Runs one installer under an exclusive lock so parallel callers do not race.
with_lock() {
  local name="$1"; shift
  mkdir -p "$PARLEY_CACHE/locks"
  (
    flock -w 3600 9 || die "could not take lock $name"
    "$@"
  ) 9>"$PARLEY_CACHE/locks/$name.lock"
}

# Writes KEY=VALUE lines that other tools read to find a running server.
write_env_file() {
  local file="$1"; shift
  : >"$file.tmp"
  local kv
  for kv in "$@"; do printf '%s\n' "$kv" >>"$file.tmp"; done
  mv "$file.tmp" "$file"
}

# env_get FILE KEY: the value of KEY in an env file written by write_env_file, or nothing.
env_get() { [[ -f "$1" ]] && sed -n "s/^$2=//p" "$1" || true; }

# component_main ARGS: the command line every component script shares. The script defines
# do_install, do_start, do_stop and healthy, and sets INSTANCE, RUN_DIR and ENVFILE.
component_main() {
  case "${1:-}" in
    install) with_lock "$COMPONENT-install" do_install ;;
    start) with_lock "$COMPONENT-start-$INSTANCE" do_start ;;
    stop) do_stop ;;
    status) if healthy; then echo running; else echo stopped; return 1; fi ;;
    env) cat "$ENVFILE" ;;
    wipe) do_stop; rm -rf "$RUN_DIR" ;;
    *) echo "usage: $0 install|start|stop|status|env|wipe" >&2; return 2 ;;
  esac
}
