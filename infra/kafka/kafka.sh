#!/usr/bin/env bash
# Apache Kafka for development and CI: jars from Maven Central, KRaft single node, run with `java`.
# Usage: infra/kafka/kafka.sh up|down|status|logs|reset
# The cluster stack (infra/cluster/cluster.sh) runs it once per node with KAFKA_NODE_ID, KAFKA_STATE_NAME,
# KAFKA_CONFIG_TEMPLATE, KAFKA_QUORUM_VOTERS and KAFKA_CLUSTER_ID set; alone it is the single-node stack.
set -euo pipefail
COMPONENT=kafka
source "$(dirname "${BASH_SOURCE[0]}")/../bin/lib.sh"

KAFKA_VERSION="${KAFKA_VERSION:-4.1.1}"
KAFKA_PORT="${KAFKA_PORT:-19092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-19093}"
KAFKA_HEAP="${KAFKA_HEAP:-512m}"
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
HERE="$REPO_ROOT/infra/kafka"
LIBS="$CACHE_DIR/kafka/$KAFKA_VERSION/libs"
KAFKA_NODE_ID="${KAFKA_NODE_ID:-1}"
KAFKA_QUORUM_VOTERS="${KAFKA_QUORUM_VOTERS:-1@127.0.0.1:$KAFKA_CONTROLLER_PORT}"
KAFKA_CONFIG_TEMPLATE="${KAFKA_CONFIG_TEMPLATE:-$HERE/server.properties.tmpl}"
DIR="$STATE_DIR/${KAFKA_STATE_NAME:-kafka}"
PIDFILE="$DIR/kafka.pid"

# Resolve kafka_2.13 and its runtime dependencies with Maven into a cached folder (once per version).
ensure_jars() {
  maven_libs "$HERE/pom.xml" "$LIBS" "org.apache.kafka:kafka_2.13:$KAFKA_VERSION" "kafka_2.13-*.jar" -Dkafka.version="$KAFKA_VERSION"
}

render_config() {
  mkdir -p "$DIR/data" "$DIR/logs"
  sed -e "s|@PORT@|$KAFKA_PORT|g" -e "s|@CONTROLLER_PORT@|$KAFKA_CONTROLLER_PORT|g" -e "s|@DATA_DIR@|$DIR/data|g" \
    -e "s|@NODE_ID@|$KAFKA_NODE_ID|g" -e "s|@QUORUM_VOTERS@|$KAFKA_QUORUM_VOTERS|g" \
    "$KAFKA_CONFIG_TEMPLATE" > "$DIR/server.properties"
}

java_cmd() {
  "$JAVA" -Xms128m -Xmx"$KAFKA_HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
    -Dkafka.logs.dir="$DIR/logs" -Dlog4j2.configurationFile="$HERE/log4j2.properties" \
    -cp "$LIBS/*" "$@"
}

format_storage() {
  [ -f "$DIR/data/meta.properties" ] && return 0
  # Every node of one cluster is formatted with the same id (the cluster stack passes KAFKA_CLUSTER_ID).
  local cluster_id=${KAFKA_CLUSTER_ID:-}
  [ -n "$cluster_id" ] || cluster_id=$(java_cmd kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n1)
  [ -n "$cluster_id" ] || fail "StorageTool random-uuid failed"
  java_cmd kafka.tools.StorageTool format -t "$cluster_id" -c "$DIR/server.properties" --ignore-formatted >"$DIR/logs/format.log" 2>&1 \
    || { tail -n 20 "$DIR/logs/format.log" >&2; fail "formatting Kafka storage failed"; }
}

# Ready means the broker answers a metadata request, not merely that the port is open.
wait_ready() {
  local deadline=$(( $(date +%s) + KAFKA_START_TIMEOUT ))
  while :; do
    if ! live_pid "$PIDFILE" >/dev/null; then
      tail -n 30 "$DIR/logs/stdout.log" "$DIR/logs/server.log" 2>/dev/null >&2
      fail "the broker exited during start-up (log tail above; full logs in $DIR/logs)"
    fi
    if port_open "$KAFKA_PORT" && node "$REPO_ROOT/infra/kafka/wait-metadata.mjs" "127.0.0.1:$KAFKA_PORT" 2>/dev/null; then
      return 0
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      tail -n 30 "$DIR/logs/server.log" 2>/dev/null >&2
      fail "the broker did not serve metadata within ${KAFKA_START_TIMEOUT}s (log tail above)"
    fi
    sleep 0.5
  done
}

up() {
  if pid=$(live_pid "$PIDFILE"); then info "already running (pid $pid) on 127.0.0.1:$KAFKA_PORT"; return 0; fi
  local t0; t0=$(now)
  ensure_java
  ensure_jars
  require_free_port "$KAFKA_PORT" "the Kafka broker (KAFKA_PORT)"
  require_free_port "$KAFKA_CONTROLLER_PORT" "the Kafka controller (KAFKA_CONTROLLER_PORT)"
  render_config
  format_storage
  info "starting Kafka $KAFKA_VERSION node $KAFKA_NODE_ID on 127.0.0.1:$KAFKA_PORT (heap $KAFKA_HEAP)"
  nohup "$JAVA" -Xms128m -Xmx"$KAFKA_HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
    -Dkafka.logs.dir="$DIR/logs" -Dlog4j2.configurationFile="$HERE/log4j2.properties" \
    -cp "$LIBS/*" kafka.Kafka "$DIR/server.properties" >"$DIR/logs/stdout.log" 2>&1 </dev/null &
  echo $! >"$PIDFILE"
  wait_ready
  info "ready in $(elapsed "$t0")s: KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT"
}

case "${1:-}" in
  up) up ;;
  down) if live_pid "$PIDFILE" >/dev/null; then info "stopping"; fi; stop_pid "$PIDFILE" 30 ;;
  status)
    if pid=$(live_pid "$PIDFILE"); then echo "${KAFKA_STATE_NAME:-kafka}: running (pid $pid) KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT"; else echo "${KAFKA_STATE_NAME:-kafka}: stopped"; exit 3; fi ;;
  logs) tail -n "${LINES_TO_SHOW:-100}" "$DIR/logs/server.log" ;;
  reset) stop_pid "$PIDFILE" 30; rm -rf "$DIR"; info "state removed" ;;
  *) echo "usage: $0 up|down|status|logs|reset" >&2; exit 2 ;;
esac
