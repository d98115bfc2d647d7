#!/usr/bin/env bash
# The local Parley stack, natively, without Docker: real Kafka, Synapse and Ollama plus the three
# services, all on 127.0.0.1. Installs whatever is missing on first use (cached in ~/.cache/parley).
# crm-sink writes to Twenty when PARLEY_TWENTY_URL and PARLEY_TWENTY_API_KEY are set in the environment,
# and to an NDJSON file otherwise.
# Usage: tools/stack.sh up | down | status      (PARLEY_DEMO=0 skips the demo conversations)
#   up      start everything, wait until healthy, print where each part listens; leaves it running
#   down    stop the services and the servers
#   status  show what is running
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PARLEY_INSTANCE=dev NX_NO_CLOUD=true NX_DAEMON=false NX_TUI=false
COMPONENT=stack
source tools/env/lib.sh
SERVICES_DIR="$PARLEY_RUN/$PARLEY_INSTANCE/services"
components=(kafka synapse ollama)
declare -A service_port=([ingest]=8081 [classifier]=8082 [crm-sink]=8083)
APPSERVICE_DIR="$PARLEY_RUN/$PARLEY_INSTANCE/appservices"
REGISTRATION="$APPSERVICE_DIR/parley.yaml"

# ingest's appservice registration, made by ingest's own CLI (watching the imitation bridge's ghosts and,
# from its registration file, the real bridge's), the demo's imitation WhatsApp bridge's, and the real
# mautrix-whatsapp's; Synapse loads them at start-up.
DEMO_BRIDGE_REGISTRATION="$APPSERVICE_DIR/whatsapp-demo.yaml"
REAL_BRIDGE_REGISTRATION="$APPSERVICE_DIR/mautrix-whatsapp.yaml"
# The real bridge's users must not overlap the imitation's (@whatsapp_…): it uses @wa_… and @wabot.
export MAUTRIX_USERNAME_TEMPLATE='wa_{{.}}' MAUTRIX_BOT=wabot MAUTRIX_ID=whatsapp-real
ensure_registration() {
  mkdir -p "$APPSERVICE_DIR"
  if [[ ! -f "$REGISTRATION" || ( -f "$REAL_BRIDGE_REGISTRATION" && "$REAL_BRIDGE_REGISTRATION" -nt "$REGISTRATION" ) ]]; then
    local bridge_args=()
    [[ -f "$REAL_BRIDGE_REGISTRATION" ]] && bridge_args=(--bridge-registration "$REAL_BRIDGE_REGISTRATION")
    # New tokens: an ingest still running with the old ones is restarted by service_up.
    stop_pidfile "$SERVICES_DIR/ingest.pid" 30
    node --conditions=@parley/source apps/ingest/src/main.ts registration \
      --url "http://127.0.0.1:${service_port[ingest]}" --users '@whatsapp_.*' "${bridge_args[@]}" --output "$REGISTRATION" \
      || die "could not write the appservice registration"
  fi
  node --conditions=@parley/source tools/demo/run.ts registration --output "$DEMO_BRIDGE_REGISTRATION" \
    || die "could not write the demo bridge registration"
}

# Seeds WhatsApp-style conversations through Synapse and follows them to the CRM (PARLEY_DEMO=0 skips it).
run_demo() {
  [[ "${PARLEY_DEMO:-1}" == 0 ]] && return 0
  log "demo: sending conversations through Synapse; classified messages and CRM writes follow"
  PARLEY_KAFKA_BROKERS="$(env_get "$PARLEY_RUN/$PARLEY_INSTANCE/kafka/env" KAFKA_BROKERS)" \
    PARLEY_DEMO_REGISTRATIONS="$REGISTRATION,$DEMO_BRIDGE_REGISTRATION" \
    PARLEY_NDJSON_PATH="${PARLEY_NDJSON_PATH:-$SERVICES_DIR/crm-records.ndjson}" \
    node --conditions=@parley/source tools/demo/run.ts || log "demo failed (the stack keeps running)"
}

service_up() {
  local name="$1" port="${service_port[$1]}"
  local pidfile="$SERVICES_DIR/$name.pid" logfile="$SERVICES_DIR/$name.log"
  if pid_alive "$pidfile" && http_ok "http://127.0.0.1:$port/healthz"; then return 0; fi
  stop_pidfile "$pidfile" 10
  port_open "$port" && die "port $port (for $name) is taken by another process"
  # Each service validates the settings it uses at start-up and ignores the others.
  local synapse_env="$PARLEY_RUN/$PARLEY_INSTANCE/synapse/env"
  PARLEY_HTTP_HOST=127.0.0.1 PARLEY_HTTP_PORT="$port" \
    PARLEY_KAFKA_BROKERS="$(env_get "$PARLEY_RUN/$PARLEY_INSTANCE/kafka/env" KAFKA_BROKERS)" \
    PARLEY_HOMESERVER_URL="$(env_get "$synapse_env" SYNAPSE_URL)" \
    PARLEY_HOMESERVER_NAME="$(env_get "$synapse_env" SYNAPSE_SERVER_NAME)" \
    PARLEY_AS_REGISTRATION_FILE="$REGISTRATION" \
    PARLEY_OLLAMA_URL="$(env_get "$PARLEY_RUN/$PARLEY_INSTANCE/ollama/env" OLLAMA_URL)" \
    PARLEY_NDJSON_PATH="${PARLEY_NDJSON_PATH:-$SERVICES_DIR/crm-records.ndjson}" \
    PARLEY_BUSINESS_USERS_REGEX="${PARLEY_BUSINESS_USERS_REGEX:-^@(?!whatsapp|wa_)}" \
    PARLEY_BRIDGE_REGISTRATION_FILES="$REAL_BRIDGE_REGISTRATION" \
    start_daemon "$pidfile" "$logfile" node "apps/$name/dist/main.js"
  if ! wait_until 30 "$name /healthz" http_ok "http://127.0.0.1:$port/healthz"; then
    show_log_tail "$logfile"; die "$name did not start"
  fi
}

print_status() {
  printf '\n%-12s %-8s %s\n' PART STATE WHERE
  local c
  for c in "${components[@]}"; do
    if bash "tools/env/$c.sh" status >/dev/null 2>&1; then
      local envfile="$PARLEY_RUN/$PARLEY_INSTANCE/$c/env" where
      where="$(env_get "$envfile" KAFKA_BROKERS)$(env_get "$envfile" SYNAPSE_URL)$(env_get "$envfile" OLLAMA_URL)"
      printf '%-12s %-8s %s\n' "$c" running "$where"
    else
      printf '%-12s %-8s\n' "$c" stopped
    fi
  done
  local name
  for name in ingest classifier crm-sink; do
    local port="${service_port[$name]}" ready
    if http_ok "http://127.0.0.1:$port/healthz"; then
      ready="$(curl -s --max-time 2 "http://127.0.0.1:$port/readyz" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{console.log(JSON.parse(s).status)}catch{console.log("?")}})')"
      printf '%-12s %-8s %s\n' "$name" healthy "http://127.0.0.1:$port  (readyz: $ready)"
    else
      printf '%-12s %-8s\n' "$name" down
    fi
  done
  if bash tools/env/mautrix-whatsapp.sh status >/dev/null 2>&1; then
    printf '%-12s %-8s %s\n' mautrix-wa running "$(bash tools/env/mautrix-whatsapp.sh env | sed -n 's/^MAUTRIX_WHATSAPP_URL=//p')  (bot $(bash tools/env/mautrix-whatsapp.sh env | sed -n 's/^MAUTRIX_WHATSAPP_BOT=//p'))"
  else
    printf '%-12s %-8s\n' mautrix-wa stopped
  fi
  echo
}

# The real mautrix-whatsapp beside the imitation: built once (about 4 minutes), configured for this
# Synapse (its registration goes where Synapse loads registrations, which restarts Synapse once), started.
real_bridge_up() {
  local synapse_env="$PARLEY_RUN/$PARLEY_INSTANCE/synapse/env" url domain
  url="$(env_get "$synapse_env" SYNAPSE_URL)"; domain="$(env_get "$synapse_env" SYNAPSE_SERVER_NAME)"
  if [[ ! -f "$REAL_BRIDGE_REGISTRATION" || "$(grep -c "$url" "$PARLEY_RUN/$PARLEY_INSTANCE/mautrix-whatsapp/config.yaml" 2>/dev/null)" == 0 ]]; then
    MAUTRIX_HOMESERVER_URL="$url" MAUTRIX_DOMAIN="$domain" MAUTRIX_APPSERVICE_DIR="$APPSERVICE_DIR" \
      bash tools/env/mautrix-whatsapp.sh configure >"$SERVICES_DIR/mautrix-whatsapp.configure.log" 2>&1 \
      || { cat "$SERVICES_DIR/mautrix-whatsapp.configure.log" >&2; die "configuring mautrix-whatsapp failed"; }
    ensure_registration
    bash tools/env/synapse.sh start >"$SERVICES_DIR/synapse.restart.log" 2>&1 \
      || { cat "$SERVICES_DIR/synapse.restart.log" >&2; die "Synapse did not restart with the bridge's registration"; }
  fi
  bash tools/env/mautrix-whatsapp.sh start >"$SERVICES_DIR/mautrix-whatsapp.start.log" 2>&1 \
    || { cat "$SERVICES_DIR/mautrix-whatsapp.start.log" >&2; die "mautrix-whatsapp did not start"; }
}

do_up() {
  source tools/bootstrap/node.sh
  source tools/bootstrap/deps.sh
  local c pids=()
  mkdir -p "$SERVICES_DIR"
  ensure_registration
  export SYNAPSE_APPSERVICE_DIR="$APPSERVICE_DIR"
  for c in "${components[@]}"; do
    log "starting $c (first run installs it; Ollama is built from source, several minutes)"
    bash "tools/env/$c.sh" start >"$SERVICES_DIR/$c.start.log" 2>&1 &
    pids+=($!)
  done
  log "building the real mautrix-whatsapp bridge (first run only)"
  bash tools/env/mautrix-whatsapp.sh install >"$SERVICES_DIR/mautrix-whatsapp.install.log" 2>&1 &
  local bridge_install=$!
  log "building the services"
  npx nx run-many -t build --projects='@parley/ingest,@parley/classifier,@parley/crm-sink' --output-style=static >"$SERVICES_DIR/build.log" 2>&1 \
    || { show_log_tail "$SERVICES_DIR/build.log"; die "build failed"; }
  local i=0
  for c in "${components[@]}"; do
    wait "${pids[$i]}" || { cat "$SERVICES_DIR/$c.start.log" >&2; die "$c did not start"; }
    i=$((i + 1))
  done
  wait "$bridge_install" || { cat "$SERVICES_DIR/mautrix-whatsapp.install.log" >&2; die "building mautrix-whatsapp failed"; }
  real_bridge_up
  local name
  for name in ingest classifier crm-sink; do service_up "$name"; done
  print_status
  run_demo
  if [[ -z "${PARLEY_TWENTY_URL:-}" ]]; then
    log "no PARLEY_TWENTY_URL set: crm-sink writes CRM records to ${PARLEY_NDJSON_PATH:-$SERVICES_DIR/crm-records.ndjson}"
  fi
  log "the stack keeps running; logs are in $SERVICES_DIR and $PARLEY_RUN/$PARLEY_INSTANCE/*/; stop it with: bash tools/stack.sh down"
}

do_down() {
  local name c
  for name in ingest classifier crm-sink; do stop_pidfile "$SERVICES_DIR/$name.pid" 30; done
  bash tools/env/mautrix-whatsapp.sh stop
  for c in "${components[@]}"; do bash "tools/env/$c.sh" stop; done
  log "stopped"
}

case "${1:-up}" in
  up) do_up ;;
  down) do_down ;;
  status) source tools/bootstrap/node.sh; print_status ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
