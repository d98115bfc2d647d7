#!/usr/bin/env bash
# The real mautrix-whatsapp bridge, built from the Go module proxy, beside a Synapse of these scripts.
# Usage: mautrix-whatsapp.sh install | configure | start | stop | status | env | wipe
#   install    builds the bridge (once; cached by version)
#   configure  writes the bridge's config and its appservice registration, and copies the registration
#              to $MAUTRIX_APPSERVICE_DIR for Synapse to load (restart Synapse afterwards). Needs
#              MAUTRIX_HOMESERVER_URL and MAUTRIX_DOMAIN. MAUTRIX_USERNAME_TEMPLATE (whatsapp_{{.}}),
#              MAUTRIX_BOT (whatsappbot) and MAUTRIX_ID (whatsapp) name its users.
#   start      runs the configured bridge on 127.0.0.1 and waits for its /_matrix/mau/live
#   PARLEY_INSTANCE (default dev) separates instances.
#
# Version: the project pins mautrix-whatsapp v0.2608.0 (the rooms in shared/reference were captured with
# it), but the Go module proxy refuses that version's source (403 on the zip and on the module list), so
# this builds v0.2607.0, the newest version whose source the proxy serves. `go install` of the command
# path is refused too; `go mod download` of the exact version and a build in a copy of it works.
# -tags goolm uses the pure-Go Olm, so no libolm is needed.
COMPONENT=mautrix-whatsapp
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

BRIDGE_VERSION=v0.2607.0
BRIDGE_HOME="$PARLEY_CACHE/mautrix-whatsapp-$BRIDGE_VERSION"
BRIDGE_BIN="$BRIDGE_HOME/bin/mautrix-whatsapp"
INSTANCE="${PARLEY_INSTANCE:-dev}"
RUN_DIR="$PARLEY_RUN/$INSTANCE/mautrix-whatsapp"
PIDFILE="$RUN_DIR/bridge.pid"
LOGFILE="$RUN_DIR/bridge.log"
ENVFILE="$RUN_DIR/env"
CONFIG="$RUN_DIR/config.yaml"
REGISTRATION="$RUN_DIR/registration.yaml"

do_install() {
  [[ -x "$BRIDGE_BIN" ]] && return 0
  command -v go >/dev/null || die "Go is required to build mautrix-whatsapp"
  local gomodcache="$PARLEY_CACHE/gomodcache"
  log "building mautrix-whatsapp $BRIDGE_VERSION from the Go module proxy (about 4 minutes on 2 cores)"
  local dir
  dir="$(GOMODCACHE="$gomodcache" GOFLAGS=-mod=mod go mod download -json "go.mau.fi/mautrix-whatsapp@$BRIDGE_VERSION" \
    | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [[ -n "$dir" && -d "$dir" ]] || die "the Go module proxy did not serve go.mau.fi/mautrix-whatsapp@$BRIDGE_VERSION"
  local src="$BRIDGE_HOME/src.tmp"
  rm -rf "$src" && mkdir -p "$src" "$BRIDGE_HOME/bin"
  cp -r "$dir/." "$src/" && chmod -R u+w "$src"
  (cd "$src" && GOMODCACHE="$gomodcache" GOFLAGS=-mod=mod CGO_ENABLED=1 \
    go build -tags goolm -ldflags "-X main.Tag=$BRIDGE_VERSION" -o "$BRIDGE_BIN.tmp" ./cmd/mautrix-whatsapp) >&2 \
    || die "building mautrix-whatsapp failed"
  mv "$BRIDGE_BIN.tmp" "$BRIDGE_BIN"
  rm -rf "$src"
}

# A Python with PyYAML: the machine's, or the Synapse virtualenv's (Synapse depends on PyYAML).
yaml_python() {
  if python3 -c 'import yaml' 2>/dev/null; then echo python3; return; fi
  local venv; venv="$(ls -d "$PARLEY_CACHE"/synapse-*/bin/python 2>/dev/null | head -n1)"
  [[ -n "$venv" ]] || die "PyYAML is needed to write the bridge config (install Synapse first: synapse.sh install)"
  echo "$venv"
}

do_configure() {
  do_install
  : "${MAUTRIX_HOMESERVER_URL:?MAUTRIX_HOMESERVER_URL must be set}" "${MAUTRIX_DOMAIN:?MAUTRIX_DOMAIN must be set}"
  mkdir -p "$RUN_DIR/logs"
  local port; port="$(env_get "$ENVFILE" MAUTRIX_WHATSAPP_PORT)"
  [[ -n "$port" ]] || port="$(free_port)"
  rm -f "$CONFIG"
  (cd "$RUN_DIR" && "$BRIDGE_BIN" -e -c "$CONFIG" >/dev/null) || die "the bridge could not write its example config"
  # Everything Parley's stack sets, over the bridge's own example (every other key keeps its default).
  MAUTRIX_PORT="$port" MAUTRIX_DB="$RUN_DIR/bridge.db" "$(yaml_python)" - "$CONFIG" <<'PY' || die "writing the bridge config failed"
import os, sys, yaml
path = sys.argv[1]
config = yaml.safe_load(open(path))
domain = os.environ["MAUTRIX_DOMAIN"]
config["homeserver"].update(address=os.environ["MAUTRIX_HOMESERVER_URL"], domain=domain)
config["appservice"].update(
    address=f"http://127.0.0.1:{os.environ['MAUTRIX_PORT']}",
    hostname="127.0.0.1",
    port=int(os.environ["MAUTRIX_PORT"]),
    id=os.environ.get("MAUTRIX_ID", "whatsapp"),
    username_template=os.environ.get("MAUTRIX_USERNAME_TEMPLATE", "whatsapp_{{.}}"),
)
config["appservice"]["bot"]["username"] = os.environ.get("MAUTRIX_BOT", "whatsappbot")
config["database"] = {"type": "sqlite3-fk-wal", "uri": f"file:{os.environ['MAUTRIX_DB']}?_txlock=immediate",
                      "max_open_conns": 5, "max_idle_conns": 1}
# The homeserver's own users may use the bridge (a fixed example.org would lock everyone out).
config["bridge"]["permissions"] = {domain: "user"}
config["logging"] = {"min_level": "info", "writers": [{"type": "stdout", "format": "json"}]}
yaml.safe_dump(config, open(path, "w"), sort_keys=False)
PY
  rm -f "$REGISTRATION"
  (cd "$RUN_DIR" && "$BRIDGE_BIN" -g -c "$CONFIG" -r "$REGISTRATION" >>"$LOGFILE" 2>&1) \
    || { show_log_tail "$LOGFILE"; die "the bridge could not write its registration"; }
  if [[ -n "${MAUTRIX_APPSERVICE_DIR:-}" ]]; then
    mkdir -p "$MAUTRIX_APPSERVICE_DIR"
    cp "$REGISTRATION" "$MAUTRIX_APPSERVICE_DIR/mautrix-whatsapp.yaml"
  fi
  write_env_file "$ENVFILE" "MAUTRIX_WHATSAPP_PORT=$port" "MAUTRIX_WHATSAPP_URL=http://127.0.0.1:$port" \
    "MAUTRIX_WHATSAPP_VERSION=$BRIDGE_VERSION" "MAUTRIX_WHATSAPP_REGISTRATION=$REGISTRATION" \
    "MAUTRIX_WHATSAPP_BOT=@${MAUTRIX_BOT:-whatsappbot}:$MAUTRIX_DOMAIN" "MAUTRIX_WHATSAPP_LOG=$LOGFILE"
  cat "$ENVFILE"
}

healthy() {
  local port; port="$(env_get "$ENVFILE" MAUTRIX_WHATSAPP_PORT)"
  [[ -n "$port" ]] && pid_alive "$PIDFILE" && http_ok "http://127.0.0.1:$port/_matrix/mau/live"
}

do_start() {
  [[ -f "$CONFIG" && -f "$REGISTRATION" ]] || die "configure the bridge first (mautrix-whatsapp.sh configure)"
  if ! healthy; then
    stop_pidfile "$PIDFILE" 10
    log "starting mautrix-whatsapp $BRIDGE_VERSION on 127.0.0.1:$(env_get "$ENVFILE" MAUTRIX_WHATSAPP_PORT)"
    (cd "$RUN_DIR" && start_daemon "$PIDFILE" "$LOGFILE" "$BRIDGE_BIN" -c "$CONFIG" --no-update)
    if ! wait_until "${MAUTRIX_START_TIMEOUT:-60}" "the bridge's /_matrix/mau/live" healthy; then
      show_log_tail "$LOGFILE"; do_stop; die "mautrix-whatsapp did not start"
    fi
  fi
  cat "$ENVFILE"
}

do_stop() { stop_pidfile "$PIDFILE" 20; }

if [[ "${1:-}" == configure ]]; then
  with_lock "$COMPONENT-install" do_install
  do_configure
else
  component_main "$@"
fi
