#!/usr/bin/env bash
# The cluster stack on one machine: ZooKeeper, three Kafka brokers (KRaft, combined broker + controller,
# a controller quorum of three) and four ClickHouse servers (two shards x two replicas), each with its own
# config, data folder and ports under "$OPA_STATE_DIR/cluster/". Called by `infra/bin/stack ... --cluster`.
# Usage: infra/cluster/cluster.sh up|down|status|logs|env|reset [zookeeper|kafka|clickhouse]
#
# Ports come from CLUSTER_PORT_BASE (default 29000), so one variable moves the whole stack:
#   ZooKeeper            base+181
#   Kafka node i (1..3)  broker base+90+i, controller base+190+i
#   ClickHouse node i    http base+120+i, native tcp base+900+i, interserver base+930+i
set -euo pipefail
COMPONENT=cluster
source "$(dirname "${BASH_SOURCE[0]}")/../bin/lib.sh"

BASE="${CLUSTER_PORT_BASE:-29000}"
[[ "$BASE" =~ ^[0-9]+$ ]] && [ "$BASE" -ge 1024 ] && [ "$BASE" -le 64000 ] \
  || fail "CLUSTER_PORT_BASE must be a number from 1024 to 64000 (got '$BASE')"
CLUSTER_NAME="${CLICKHOUSE_CLUSTER_NAME:-opa_cluster}"
CLUSTER_STATE="$STATE_DIR/cluster"
HERE="$REPO_ROOT/infra/cluster"
KAFKA_NODES=(1 2 3)
CH_NODES=(1 2 3 4)
export KAFKA_HEAP="${CLUSTER_KAFKA_HEAP:-384m}" ZOOKEEPER_HEAP="${CLUSTER_ZOOKEEPER_HEAP:-128m}"
# Start-up on a busy 2-core machine: three JVMs and four servers at once are slow.
export KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-300}" CLICKHOUSE_START_TIMEOUT="${CLICKHOUSE_START_TIMEOUT:-120}"

zk_port() { echo $((BASE + 181)); }
kafka_port() { echo $((BASE + 90 + $1)); }
kafka_controller_port() { echo $((BASE + 190 + $1)); }
ch_http_port() { echo $((BASE + 120 + $1)); }
ch_tcp_port() { echo $((BASE + 900 + $1)); }
ch_interserver_port() { echo $((BASE + 930 + $1)); }
ch_shard() { printf '%02d' $(( ($1 + 1) / 2 )); }      # nodes 1,2 -> shard 01; 3,4 -> shard 02
ch_replica() { echo "replica$(( ($1 + 1) % 2 + 1 ))"; } # nodes 1,3 -> replica1; 2,4 -> replica2

brokers() { local out=() i; for i in "${KAFKA_NODES[@]}"; do out+=("127.0.0.1:$(kafka_port "$i")"); done; (IFS=,; echo "${out[*]}"); }
ch_urls() { local out=() i; for i in "${CH_NODES[@]}"; do out+=("http://127.0.0.1:$(ch_http_port "$i")"); done; (IFS=,; echo "${out[*]}"); }
voters() { local out=() i; for i in "${KAFKA_NODES[@]}"; do out+=("$i@127.0.0.1:$(kafka_controller_port "$i")"); done; (IFS=,; echo "${out[*]}"); }

zookeeper() {
  OPA_STATE_DIR="$CLUSTER_STATE" ZOOKEEPER_PORT="$(zk_port)" bash "$REPO_ROOT/infra/zookeeper/zookeeper.sh" "$@"
}

kafka_node() {
  local i=$1; shift
  OPA_STATE_DIR="$CLUSTER_STATE" KAFKA_STATE_NAME="kafka-$i" KAFKA_NODE_ID="$i" \
    KAFKA_PORT="$(kafka_port "$i")" KAFKA_CONTROLLER_PORT="$(kafka_controller_port "$i")" \
    KAFKA_QUORUM_VOTERS="$(voters)" KAFKA_CONFIG_TEMPLATE="$REPO_ROOT/infra/kafka/cluster-server.properties.tmpl" \
    KAFKA_CLUSTER_ID="${KAFKA_CLUSTER_ID:-}" bash "$REPO_ROOT/infra/kafka/kafka.sh" "$@"
}

ch_node() {
  local i=$1; shift
  local extra="$CLUSTER_STATE/clickhouse-$i.cluster.xml"
  if [ "${1:-}" = up ]; then
    mkdir -p "$CLUSTER_STATE"
    sed -e "s|@TCP_1@|$(ch_tcp_port 1)|" -e "s|@TCP_2@|$(ch_tcp_port 2)|" -e "s|@TCP_3@|$(ch_tcp_port 3)|" \
      -e "s|@TCP_4@|$(ch_tcp_port 4)|" -e "s|@SHARD@|$(ch_shard "$i")|" -e "s|@REPLICA@|$(ch_replica "$i")|" \
      -e "s|@ZOOKEEPER_PORT@|$(zk_port)|" -e "s|opa_cluster|$CLUSTER_NAME|" "$HERE/cluster.xml.tmpl" >"$extra"
  fi
  OPA_STATE_DIR="$CLUSTER_STATE" CLICKHOUSE_STATE_NAME="clickhouse-$i" CLICKHOUSE_CONFIG_EXTRA="$extra" \
    CLICKHOUSE_HTTP_PORT="$(ch_http_port "$i")" CLICKHOUSE_TCP_PORT="$(ch_tcp_port "$i")" \
    CLICKHOUSE_INTERSERVER_PORT="$(ch_interserver_port "$i")" bash "$REPO_ROOT/infra/clickhouse/clickhouse.sh" "$@"
}

# Runs "$@" for every node in parallel (node number appended as the first argument), fails if any failed.
each_parallel() {
  local fn=$1 nodes=$2; shift 2
  local pids=() i rc=0
  for i in $nodes; do "$fn" "$i" "$@" & pids+=($!); done
  for i in "${pids[@]}"; do wait "$i" || rc=1; done
  return $rc
}

# All three nodes share one cluster id, made once and kept with the state.
KAFKA_LIBS="$CACHE_DIR/kafka/${KAFKA_VERSION:-4.1.1}/libs"
# Once, before the three nodes start in parallel (each would resolve into the same folder at once).
kafka_jars() {
  ensure_java
  maven_libs "$REPO_ROOT/infra/kafka/pom.xml" "$KAFKA_LIBS" "org.apache.kafka:kafka_2.13:${KAFKA_VERSION:-4.1.1}" \
    "kafka_2.13-*.jar" -Dkafka.version="${KAFKA_VERSION:-4.1.1}"
}

kafka_cluster_id() {
  local file="$CLUSTER_STATE/kafka-cluster-id"
  if [ ! -s "$file" ]; then
    mkdir -p "$CLUSTER_STATE"
    "$JAVA" -cp "$KAFKA_LIBS/*" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n1 >"$file"
    [ -s "$file" ] || fail "could not make a Kafka cluster id (StorageTool random-uuid)"
  fi
  cat "$file"
}

up_zookeeper() { zookeeper up; }
up_kafka() {
  kafka_jars
  KAFKA_CLUSTER_ID=$(kafka_cluster_id); export KAFKA_CLUSTER_ID
  # In parallel: a node serves metadata only once the controller quorum (all three) has a leader.
  each_parallel kafka_node "${KAFKA_NODES[*]}" up || fail "a Kafka node did not start (messages above; logs in $CLUSTER_STATE/kafka-N/logs)"
  node "$REPO_ROOT/infra/kafka/wait-metadata.mjs" "$(brokers)" "${#KAFKA_NODES[@]}" \
    || fail "the brokers answer, but not all ${#KAFKA_NODES[@]} are registered in the cluster metadata"
}
up_clickhouse() {
  # ClickHouse 18.16 crashed against a ZooKeeper that was up but not serving: never start one without it.
  zookeeper status >/dev/null 2>&1 || fail "ZooKeeper is not running: start it first (stack up --cluster, or stack up zookeeper --cluster)"
  each_parallel ch_node "${CH_NODES[*]}" up || fail "a ClickHouse server did not start (messages above; logs in $CLUSTER_STATE/clickhouse-N/logs)"
  wait_cluster_visible
}

# Each server must see all four in system.clusters (config merged) and reach ZooKeeper.
wait_cluster_visible() {
  local i url deadline=$(( $(date +%s) + 60 ))
  for i in "${CH_NODES[@]}"; do
    url="http://127.0.0.1:$(ch_http_port "$i")"
    until [ "$(curl -fsS --max-time 5 "$url/" --data-binary "SELECT count() FROM system.clusters WHERE cluster = '$CLUSTER_NAME'" 2>/dev/null)" = "${#CH_NODES[@]}" ] \
      && curl -fsS --max-time 5 "$url/" --data-binary "SELECT count() FROM system.zookeeper WHERE path = '/'" >/dev/null 2>&1; do
      [ "$(date +%s)" -lt "$deadline" ] || fail "clickhouse-$i does not see cluster '$CLUSTER_NAME' with ${#CH_NODES[@]} servers, or cannot reach ZooKeeper"
      sleep 0.5
    done
  done
}

down_clickhouse() { each_parallel ch_node "${CH_NODES[*]}" down || true; }
down_kafka() { each_parallel kafka_node "${KAFKA_NODES[*]}" down || true; }
down_zookeeper() { zookeeper down; }

cmd=${1:-}; what=${2:-all}
case "$what" in all|zookeeper|kafka|clickhouse) ;; *) fail "unknown component '$what' (zookeeper, kafka or clickhouse)" ;; esac
has() { [ "$what" = all ] || [ "$what" = "$1" ]; }

case "$cmd" in
  up)
    t0=$(now)
    # ZooKeeper first and serving before ClickHouse; Kafka does not need it.
    if has zookeeper || has clickhouse; then up_zookeeper; fi
    has kafka && up_kafka
    has clickhouse && up_clickhouse
    info "cluster ready in $(elapsed "$t0")s: KAFKA_BROKERS=$(brokers) CLICKHOUSE_URL=http://127.0.0.1:$(ch_http_port 1) CLICKHOUSE_CLUSTER=$CLUSTER_NAME"
    ;;
  down)
    # ClickHouse before ZooKeeper: without ZooKeeper, 18.16 servers ignored SIGTERM for over 30 s.
    has clickhouse && down_clickhouse
    has kafka && down_kafka
    has zookeeper && down_zookeeper
    ;;
  status)
    rc=0
    if has zookeeper; then zookeeper status || rc=3; fi
    if has kafka; then for i in "${KAFKA_NODES[@]}"; do kafka_node "$i" status || rc=3; done; fi
    if has clickhouse; then for i in "${CH_NODES[@]}"; do ch_node "$i" status || rc=3; done; fi
    exit $rc ;;
  logs)
    if has zookeeper; then echo "== zookeeper"; zookeeper logs || true; fi
    if has kafka; then for i in "${KAFKA_NODES[@]}"; do echo "== kafka-$i"; kafka_node "$i" logs || true; done; fi
    if has clickhouse; then for i in "${CH_NODES[@]}"; do echo "== clickhouse-$i"; ch_node "$i" logs || true; done; fi ;;
  env)
    echo "export KAFKA_BROKERS=$(brokers)"
    echo "export CLICKHOUSE_URL=http://127.0.0.1:$(ch_http_port 1)"
    echo "export CLICKHOUSE_CLUSTER=$CLUSTER_NAME"
    # Every server, in shard order (shard 1: replicas 1 and 2, shard 2: replicas 1 and 2), for tests and tools
    # that compare replicas.
    echo "export CLICKHOUSE_CLUSTER_URLS=$(ch_urls)"
    # Topics the services create: on all three brokers.
    echo "export TOPIC_REPLICATION_FACTOR=3"
    echo "export KAFKA_REPLICATION_FACTOR=3"
    echo "export ZOOKEEPER_ADDRESS=127.0.0.1:$(zk_port)" ;;
  reset)
    "$0" down "$what"
    if [ "$what" = all ]; then rm -rf "$CLUSTER_STATE"; else
      has zookeeper && rm -rf "$CLUSTER_STATE/zookeeper"
      has kafka && rm -rf "$CLUSTER_STATE"/kafka-* 
      has clickhouse && rm -rf "$CLUSTER_STATE"/clickhouse-*
    fi
    info "cluster state removed" ;;
  *) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
