#!/usr/bin/env bash
# Synapse from PyPI with SQLite, for tests and the local stack.
# Usage: synapse.sh install | start | stop | status | env | wipe
#   PARLEY_INSTANCE (default dev) separates instances; SYNAPSE_PORT picks the port (default 8008 for dev).
#   SYNAPSE_APPSERVICE_DIR: every *.yaml in it is listed in app_service_config_files. Synapse reads
#   registrations only at start-up, so start restarts a running instance whose registrations changed.
# The first boot of an empty database runs every schema migration (tens of seconds), so install keeps a
# migrated database as a template and each instance starts from a copy of it.
COMPONENT=synapse
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SYNAPSE_VERSION=1.163.2
SERVER_NAME="${SYNAPSE_SERVER_NAME:-parley.localhost}"
VENV="$PARLEY_CACHE/synapse-$SYNAPSE_VERSION"
TEMPLATE="$VENV/template-$SERVER_NAME"
INSTANCE="${PARLEY_INSTANCE:-dev}"
RUN_DIR="$PARLEY_RUN/$INSTANCE/synapse"
PIDFILE="$RUN_DIR/synapse.pid"
LOGFILE="$RUN_DIR/synapse.log"
ENVFILE="$RUN_DIR/env"
# Known to the tests and the local stack; Synapse here only ever listens on loopback.
SHARED_SECRET="${SYNAPSE_REGISTRATION_SHARED_SECRET:-parley-local-registration-secret}"

python_bin() {
  local py
  for py in python3.12 python3.11 python3; do
    if command -v "$py" >/dev/null && "$py" -c 'pass' 2>/dev/null && "$py" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)'; then
      echo "$py"; return
    fi
  done
  die "Python >= 3.10 is required for Synapse"
}

write_config() {
  local dir="$1" port="$2" appservices="$3"
  cat >"$dir/homeserver.yaml" <<EOF
server_name: "$SERVER_NAME"
public_baseurl: "http://127.0.0.1:$port/"
pid_file: "$dir/homeserver.pid"
report_stats: false
listeners:
  - port: $port
    bind_addresses: ["127.0.0.1"]
    type: http
    tls: false
    x_forwarded: false
    resources:
      - names: [client]
        compress: false
database:
  name: sqlite3
  args:
    database: "$dir/homeserver.db"
log_config: "$dir/log.config"
media_store_path: "$dir/media_store"
signing_key_path: "$dir/signing.key"
trusted_key_servers: []
suppress_key_server_warning: true
federation_domain_whitelist: []
registration_shared_secret: "$SHARED_SECRET"
macaroon_secret_key: "$SHARED_SECRET-macaroon"
form_secret: "$SHARED_SECRET-form"
enable_registration: false
bcrypt_rounds: 4
presence:
  enabled: false
url_preview_enabled: false
caches:
  sync_response_cache_duration: 0
experimental_features:
  msc3202_transaction_extensions: false
app_service_config_files:$appservices
# Rate limits off: tests and the demo send bursts that production clients would not.
rc_message: {per_second: 10000, burst_count: 10000}
rc_registration: {per_second: 10000, burst_count: 10000}
rc_registration_token_validity: {per_second: 10000, burst_count: 10000}
rc_login:
  address: {per_second: 10000, burst_count: 10000}
  account: {per_second: 10000, burst_count: 10000}
  failed_attempts: {per_second: 10000, burst_count: 10000}
rc_joins:
  local: {per_second: 10000, burst_count: 10000}
  remote: {per_second: 10000, burst_count: 10000}
rc_joins_per_room: {per_second: 10000, burst_count: 10000}
rc_invites:
  per_room: {per_second: 10000, burst_count: 10000}
  per_user: {per_second: 10000, burst_count: 10000}
  per_issuer: {per_second: 10000, burst_count: 10000}
rc_room_creation: {per_second: 10000, burst_count: 10000}
rc_admin_redaction: {per_second: 10000, burst_count: 10000}
rc_3pid_validation: {per_second: 10000, burst_count: 10000}
rc_presence:
  per_user: {per_second: 10000, burst_count: 10000}
rc_delayed_event_mgmt: {per_second: 10000, burst_count: 10000}
rc_federation:
  window_size: 1000
  sleep_limit: 10000
  sleep_delay: 0
  reject_limit: 10000
  concurrent: 100
EOF
  cat >"$dir/log.config" <<EOF
version: 1
formatters:
  precise:
    format: '%(asctime)s - %(name)s - %(lineno)d - %(levelname)s - %(request)s - %(message)s'
handlers:
  console:
    class: logging.StreamHandler
    formatter: precise
loggers:
  synapse.storage.SQL:
    level: WARNING
  synapse.access.http:
    level: WARNING
  # Appservice delivery (failures, recoverer retries, recoveries): few lines, and what explains a loss.
  synapse.appservice.scheduler:
    level: INFO
root:
  level: ${SYNAPSE_LOG_LEVEL:-WARNING}
  handlers: [console]
disable_existing_loggers: false
EOF
}

do_install() {
  if [[ ! -f "$VENV/.installed" ]]; then
    local py; py="$(python_bin)"
    log "installing matrix-synapse $SYNAPSE_VERSION into $VENV"
    rm -rf "$VENV"
    "$py" -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "matrix-synapse==$SYNAPSE_VERSION" >&2 \
      || die "pip could not install matrix-synapse $SYNAPSE_VERSION"
    touch "$VENV/.installed"
  fi
  [[ -f "$TEMPLATE/.complete" ]] && return 0
  log "creating a migrated database template (the first boot runs all schema migrations)"
  local tmp="$TEMPLATE.tmp"
  rm -rf "$tmp" && mkdir -p "$tmp"
  local port; port="$(free_port)"
  write_config "$tmp" "$port" " []"
  "$VENV/bin/python" -m synapse.app.homeserver -c "$tmp/homeserver.yaml" --generate-keys >>"$tmp/boot.log" 2>&1 \
    || { show_log_tail "$tmp/boot.log"; die "generating the signing key failed"; }
  start_daemon "$tmp/boot.pid" "$tmp/boot.log" "$VENV/bin/python" -m synapse.app.homeserver -c "$tmp/homeserver.yaml"
  if ! wait_until 300 "the template homeserver to migrate and start" http_ok "http://127.0.0.1:$port/health"; then
    show_log_tail "$tmp/boot.log"; stop_pidfile "$tmp/boot.pid" 10; die "Synapse did not start"
  fi
  stop_pidfile "$tmp/boot.pid" 30
  rm -f "$tmp/boot.pid" "$tmp/homeserver.pid"
  rm -rf "$TEMPLATE" && mv "$tmp" "$TEMPLATE" && touch "$TEMPLATE/.complete"
}

appservice_list() {
  local dir="${SYNAPSE_APPSERVICE_DIR:-}" files=()
  if [[ -n "$dir" && -d "$dir" ]]; then
    shopt -s nullglob
    files=("$dir"/*.yaml)
    shopt -u nullglob
  fi
  if ((${#files[@]} == 0)); then echo " []"; return; fi
  local f
  for f in "${files[@]}"; do printf '\n  - "%s"' "$(cd "$(dirname "$f")" && pwd)/$(basename "$f")"; done
}

registrations_digest() {
  local list; list="$(appservice_list)"
  { echo "$list"; { grep -o '"[^"]*"' <<<"$list" || true; } | tr -d '"' | xargs -r cat; } | sha256sum | cut -c1-16
}

healthy() {
  local port; port="$(env_get "$ENVFILE" SYNAPSE_PORT)"
  [[ -n "$port" ]] && pid_alive "$PIDFILE" && http_ok "http://127.0.0.1:$port/health"
}

do_start() {
  with_lock synapse-install do_install
  mkdir -p "$RUN_DIR"
  local digest; digest="$(registrations_digest)"
  if healthy && [[ "$(env_get "$ENVFILE" SYNAPSE_REGISTRATIONS)" == "$digest" ]]; then cat "$ENVFILE"; return 0; fi
  stop_pidfile "$PIDFILE" 30
  if [[ ! -f "$RUN_DIR/homeserver.db" ]]; then
    cp "$TEMPLATE/homeserver.db" "$TEMPLATE/signing.key" "$RUN_DIR/"
  fi
  local port; port="$(env_get "$ENVFILE" SYNAPSE_PORT)"
  if [[ -z "$port" ]] || port_open "$port"; then
    local default=0; [[ "$INSTANCE" == dev ]] && default=8008
    port="$(free_port "${SYNAPSE_PORT:-$default}")"
  fi
  write_config "$RUN_DIR" "$port" "$(appservice_list)"
  log "starting Synapse $SYNAPSE_VERSION ($SERVER_NAME) on 127.0.0.1:$port"
  start_daemon "$PIDFILE" "$LOGFILE" "$VENV/bin/python" -m synapse.app.homeserver -c "$RUN_DIR/homeserver.yaml"
  write_env_file "$ENVFILE" "SYNAPSE_URL=http://127.0.0.1:$port" "SYNAPSE_PORT=$port" \
    "SYNAPSE_SERVER_NAME=$SERVER_NAME" "SYNAPSE_REGISTRATION_SHARED_SECRET=$SHARED_SECRET" \
    "SYNAPSE_VERSION=$SYNAPSE_VERSION" "SYNAPSE_REGISTRATIONS=$digest"
  if ! wait_until "${SYNAPSE_START_TIMEOUT:-120}" "Synapse /health" healthy; then
    show_log_tail "$LOGFILE"; do_stop; die "Synapse did not start"
  fi
  cat "$ENVFILE"
}

do_stop() { stop_pidfile "$PIDFILE" 30; }

component_main "$@"
