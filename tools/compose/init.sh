#!/bin/sh
# The docker compose stack's init job: makes the tokens, the two appservice registrations (Parley's and
# the bridge's, and the double-puppet one), Synapse's homeserver.yaml and the bridge's config, once, into the shared config volume.
# A second run changes nothing. Usage (in compose): sh /init/init.sh   with CONFIG_DIR (default /config).
set -eu
CONFIG_DIR="${CONFIG_DIR:-/config}"
SERVER_NAME="${SYNAPSE_SERVER_NAME:-parley.localhost}"
BRIDGE_DB_PASSWORD="${BRIDGE_DB_PASSWORD:?BRIDGE_DB_PASSWORD must be set}"
SYNAPSE_DB_PASSWORD="${SYNAPSE_DB_PASSWORD:?SYNAPSE_DB_PASSWORD must be set}"

if [ -f "$CONFIG_DIR/.initialised" ]; then
  echo "config already initialised in $CONFIG_DIR"
  exit 0
fi
token() { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
mkdir -p "$CONFIG_DIR/appservices" "$CONFIG_DIR/synapse" "$CONFIG_DIR/whatsapp"
escaped_domain=$(printf '%s' "$SERVER_NAME" | sed 's/\./\\\\./g')

PARLEY_AS=$(token); PARLEY_HS=$(token)
# Parley's registration is generated from the same defaults as ingest's registration command.
sed -e "s/PARLEY_AS_TOKEN/$PARLEY_AS/" -e "s/PARLEY_HS_TOKEN/$PARLEY_HS/" "$(dirname "$0")/parley-registration.yaml" \
  >"$CONFIG_DIR/appservices/parley.yaml"

# Double puppeting for staff: a registration without a URL over the homeserver's users; the bridge
# acts as staff with its token, so what they send from their own phone shows as theirs.
DP_AS=$(token)
cat >"$CONFIG_DIR/appservices/doublepuppet.yaml" <<YAML
id: doublepuppet
url: null
as_token: "$DP_AS"
hs_token: "$(token)"
sender_localpart: "$(token | cut -c1-16)"
rate_limited: false
namespaces:
  users:
    - regex: "@.*:$escaped_domain"
      exclusive: false
YAML

WA_AS=$(token); WA_HS=$(token)
cat >"$CONFIG_DIR/appservices/whatsapp.yaml" <<YAML
id: whatsapp
url: http://mautrix-whatsapp:29318
as_token: "$WA_AS"
hs_token: "$WA_HS"
sender_localpart: whatsappbot-sender
rate_limited: false
namespaces:
  users:
    - regex: "^@whatsappbot:$escaped_domain\$"
      exclusive: true
    - regex: "^@whatsapp_.*:$escaped_domain\$"
      exclusive: true
  aliases: []
  rooms: []
receive_ephemeral: true
de.sorunome.msc2409.push_ephemeral: true
YAML

cat >"$CONFIG_DIR/synapse/homeserver.yaml" <<YAML
server_name: "$SERVER_NAME"
public_baseurl: "http://localhost:8008/"
pid_file: /tmp/homeserver.pid
report_stats: false
listeners:
  - port: 8008
    type: http
    tls: false
    x_forwarded: false
    bind_addresses: ["0.0.0.0"]
    resources:
      - names: [client]
        compress: false
database:
  name: psycopg2
  args:
    host: synapse-db
    user: synapse
    password: "$SYNAPSE_DB_PASSWORD"
    dbname: synapse
    cp_min: 2
    cp_max: 10
media_store_path: /data/media_store
signing_key_path: /data/signing.key
trusted_key_servers: []
registration_shared_secret: "$(token)"
macaroon_secret_key: "$(token)"
form_secret: "$(token)"
enable_registration: false
app_service_config_files:
  - /config/appservices/parley.yaml
  - /config/appservices/whatsapp.yaml
  - /config/appservices/doublepuppet.yaml
YAML

cat >"$CONFIG_DIR/whatsapp/config.yaml" <<YAML
homeserver:
  address: http://synapse:8008
  domain: "$SERVER_NAME"
appservice:
  address: http://mautrix-whatsapp:29318
  hostname: 0.0.0.0
  port: 29318
  id: whatsapp
  bot:
    username: whatsappbot
  username_template: "whatsapp_{{.}}"
  as_token: "$WA_AS"
  hs_token: "$WA_HS"
database:
  type: postgres
  uri: "postgres://mautrix_whatsapp:$BRIDGE_DB_PASSWORD@bridge-db:5432/mautrix_whatsapp?sslmode=disable"
bridge:
  command_prefix: "!wa"
  permissions:
    "$SERVER_NAME": user
double_puppet:
  secrets:
    "$SERVER_NAME": "as_token:$DP_AS"
encryption:
  allow: false
logging:
  min_level: info
  writers:
    - type: stdout
      format: json
YAML

# Readable by the services' users (Synapse 991, the bridge 1337, Parley 10001); the volume is private to the stack.
chmod -R a+rX "$CONFIG_DIR"
touch "$CONFIG_DIR/.initialised"
echo "config initialised in $CONFIG_DIR for $SERVER_NAME"
