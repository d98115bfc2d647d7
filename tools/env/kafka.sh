#!/usr/bin/env bash
# Apache Kafka in KRaft single-node mode (broker + controller in one JVM), from Maven Central jars.
# Usage: kafka.sh install | start | stop | status | env
#   PARLEY_INSTANCE (default dev) separates the test run's broker from the local stack's.
#   KAFKA_PORT picks the client port (default: 19092 for dev, a free port otherwise).
#   KAFKA_SECURE=1 adds a SASL_SSL listener (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512) with certificates made
#   here by openssl, and turns ACLs on (StandardAuthorizer, nothing allowed without an ACL). The
#   plaintext listener stays for administration (its anonymous principal is the super user), on
#   127.0.0.1 only. Users and ACLs are made by the tests with Kafka's own ConfigCommand and admin API.
COMPONENT=kafka
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

KAFKA_VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$REPO_ROOT/tools/env/kafka/pom.xml")"
KAFKA_HOME="$PARLEY_CACHE/kafka-$KAFKA_VERSION"
INSTANCE="${PARLEY_INSTANCE:-dev}"
RUN_DIR="$PARLEY_RUN/$INSTANCE/kafka"
PIDFILE="$RUN_DIR/kafka.pid"
LOGFILE="$RUN_DIR/kafka.log"
ENVFILE="$RUN_DIR/env"

do_install() {
  [[ -f "$KAFKA_HOME/.complete" ]] && return 0
  command -v java >/dev/null || die "java is required (Java 17+)"
  command -v mvn >/dev/null || die "mvn is required to fetch the Kafka jars from Maven Central"
  log "fetching Kafka $KAFKA_VERSION jars from Maven Central"
  rm -rf "$KAFKA_HOME.tmp" && mkdir -p "$KAFKA_HOME.tmp/libs"
  mvn -q -B -f "$REPO_ROOT/tools/env/kafka/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$KAFKA_HOME.tmp/libs" >&2 \
    || die "maven could not resolve Kafka $KAFKA_VERSION"
  rm -rf "$KAFKA_HOME" && mv "$KAFKA_HOME.tmp" "$KAFKA_HOME"
  touch "$KAFKA_HOME/.complete"
}

healthy() {
  local port; port="$(env_get "$ENVFILE" KAFKA_PORT)"
  [[ -n "$port" ]] && pid_alive "$PIDFILE" && port_open "$port" && grep -q "Kafka Server started" "$LOGFILE"
}

# A CA, and a broker certificate for 127.0.0.1 and localhost signed by it, as Kafka's PEM keystore.
make_certificates() {
  local dir="$RUN_DIR/tls"
  [[ -f "$dir/server-keystore.pem" ]] && return 0
  command -v openssl >/dev/null || die "openssl is required for KAFKA_SECURE=1"
  mkdir -p "$dir"
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=parley-test-ca" \
    -keyout "$dir/ca.key" -out "$dir/ca.pem" 2>/dev/null || die "openssl could not make the CA"
  openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$dir/server.key" -out "$dir/server.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$dir/san.ext"
  openssl x509 -req -days 30 -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial \
    -extfile "$dir/san.ext" -out "$dir/server.crt" 2>/dev/null || die "openssl could not sign the broker certificate"
  openssl pkcs8 -topk8 -nocrypt -in "$dir/server.key" -out "$dir/server.p8"
  cat "$dir/server.p8" "$dir/server.crt" "$dir/ca.pem" >"$dir/server-keystore.pem"
}

write_config() {
  local port="$1" cport="$2" sport="${3:-}"
  local listeners="PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport"
  local advertised="PLAINTEXT://127.0.0.1:$port"
  local protocols="PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
  if [[ -n "$sport" ]]; then
    listeners+=",SECURE://127.0.0.1:$sport"
    advertised+=",SECURE://127.0.0.1:$sport"
    protocols+=",SECURE:SASL_SSL"
  fi
  cat >"$RUN_DIR/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=$listeners
advertised.listeners=$advertised
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=$protocols
log.dirs=$RUN_DIR/data
num.partitions=3
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
log.retention.hours=24
log.segment.bytes=67108864
EOF
  if [[ -n "$sport" ]]; then
    local plain_password; plain_password="$(env_get "$ENVFILE" KAFKA_PLAIN_PASSWORD)"
    [[ -n "$plain_password" ]] || plain_password="plain-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
    cat >>"$RUN_DIR/server.properties" <<EOF
sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512
listener.name.secure.ssl.keystore.type=PEM
listener.name.secure.ssl.keystore.location=$RUN_DIR/tls/server-keystore.pem
listener.name.secure.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_plainuser="$plain_password";
listener.name.secure.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.secure.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:ANONYMOUS
allow.everyone.if.no.acl.found=false
EOF
    SECURE_ENV=("KAFKA_SECURE_BROKERS=127.0.0.1:$sport" "KAFKA_SECURE_PORT=$sport" "KAFKA_CA_FILE=$RUN_DIR/tls/ca.pem"
      "KAFKA_PLAIN_USER=plainuser" "KAFKA_PLAIN_PASSWORD=$plain_password")
  fi
  cat >"$RUN_DIR/log4j2.yaml" <<'EOF'
Configuration:
  Appenders:
    Console:
      name: STDOUT
      PatternLayout:
        Pattern: "[%d] %p %m (%c)%n"
  Loggers:
    Root:
      level: INFO
      AppenderRef:
        - ref: STDOUT
    Logger:
      - name: kafka
        level: WARN
      - name: org.apache.kafka
        level: WARN
      - name: kafka.server.KafkaRaftServer
        level: INFO
      - name: kafka.server.BrokerServer
        level: INFO
EOF
}

JAVA=(java -Xms256m -Xmx768m -XX:+UseG1GC -Djava.awt.headless=true
  "-Dlog4j2.configurationFile=$RUN_DIR/log4j2.yaml" -cp "$KAFKA_HOME/libs/*")

do_start() {
  with_lock kafka-install do_install
  mkdir -p "$RUN_DIR"
  if healthy; then cat "$ENVFILE"; return 0; fi
  stop_pidfile "$PIDFILE" 5
  local port cport
  port="$(env_get "$ENVFILE" KAFKA_PORT)"
  cport="$(env_get "$ENVFILE" KAFKA_CONTROLLER_PORT)"
  # A restart keeps the ports clients already know; a first start picks them.
  if [[ -z "$port" ]] || port_open "$port"; then
    local default=0; [[ "$INSTANCE" == dev ]] && default=19092
    port="$(free_port "${KAFKA_PORT:-$default}")"
  fi
  if [[ -z "$cport" ]] || port_open "$cport"; then cport="$(free_port)"; fi
  local sport=""
  SECURE_ENV=()
  if [[ "${KAFKA_SECURE:-0}" == 1 ]]; then
    sport="$(env_get "$ENVFILE" KAFKA_SECURE_PORT)"
    if [[ -z "$sport" ]] || port_open "$sport"; then sport="$(free_port)"; fi
    make_certificates
  fi
  write_config "$port" "$cport" "$sport"
  if [[ ! -f "$RUN_DIR/data/meta.properties" ]]; then
    mkdir -p "$RUN_DIR/data"
    local cluster_id; cluster_id="$("${JAVA[@]}" kafka.tools.StorageTool random-uuid)"
    "${JAVA[@]}" kafka.tools.StorageTool format -t "$cluster_id" -c "$RUN_DIR/server.properties" >>"$LOGFILE" 2>&1 \
      || { show_log_tail "$LOGFILE"; die "formatting the KRaft storage failed"; }
  fi
  log "starting Kafka $KAFKA_VERSION on 127.0.0.1:$port"
  start_daemon "$PIDFILE" "$LOGFILE" "${JAVA[@]}" kafka.Kafka "$RUN_DIR/server.properties"
  write_env_file "$ENVFILE" "KAFKA_BROKERS=127.0.0.1:$port" "KAFKA_PORT=$port" "KAFKA_CONTROLLER_PORT=$cport" \
    "KAFKA_VERSION=$KAFKA_VERSION" "KAFKA_CLASSPATH=$KAFKA_HOME/libs/*" "${SECURE_ENV[@]}"
  if ! wait_until "${KAFKA_START_TIMEOUT:-90}" "Kafka to accept connections" healthy; then
    show_log_tail "$LOGFILE"
    do_stop
    die "Kafka did not start"
  fi
  cat "$ENVFILE"
}

do_stop() { stop_pidfile "$PIDFILE" 30; }

component_main "$@"
