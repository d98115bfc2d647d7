#!/usr/bin/env bash
# Apache Kafka in KRaft single-node mode (broker + controller in one JVM), from Maven Central jars.
# Usage: kafka.sh install | start | stop | status | env
#   PARLEY_INSTANCE (default dev) separates the test run's broker from the local stack's.
#   KAFKA_PORT picks the client port (default: 19092 for dev, a free port otherwise).
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

write_config() {
  local port="$1" cport="$2"
  cat >"$RUN_DIR/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
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
  write_config "$port" "$cport"
  if [[ ! -f "$RUN_DIR/data/meta.properties" ]]; then
    mkdir -p "$RUN_DIR/data"
    local cluster_id; cluster_id="$("${JAVA[@]}" kafka.tools.StorageTool random-uuid)"
    "${JAVA[@]}" kafka.tools.StorageTool format -t "$cluster_id" -c "$RUN_DIR/server.properties" >>"$LOGFILE" 2>&1 \
      || { show_log_tail "$LOGFILE"; die "formatting the KRaft storage failed"; }
  fi
  log "starting Kafka $KAFKA_VERSION on 127.0.0.1:$port"
  start_daemon "$PIDFILE" "$LOGFILE" "${JAVA[@]}" kafka.Kafka "$RUN_DIR/server.properties"
  write_env_file "$ENVFILE" "KAFKA_BROKERS=127.0.0.1:$port" "KAFKA_PORT=$port" "KAFKA_CONTROLLER_PORT=$cport" "KAFKA_VERSION=$KAFKA_VERSION"
  if ! wait_until "${KAFKA_START_TIMEOUT:-90}" "Kafka to accept connections" healthy; then
    show_log_tail "$LOGFILE"
    do_stop
    die "Kafka did not start"
  fi
  cat "$ENVFILE"
}

do_stop() { stop_pidfile "$PIDFILE" 30; }

component_main "$@"
