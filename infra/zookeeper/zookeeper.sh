#!/usr/bin/env bash
# Apache ZooKeeper (standalone) for the cluster stack: jars from Maven Central, run with `java`.
# ClickHouse 18.16 needs it for Replicated*MergeTree and ON CLUSTER DDL.
# Usage: infra/zookeeper/zookeeper.sh up|down|status|logs|reset
set -euo pipefail
COMPONENT=zookeeper
source "$(dirname "${BASH_SOURCE[0]}")/../bin/lib.sh"

ZOOKEEPER_VERSION="${ZOOKEEPER_VERSION:-3.9.5}"
ZOOKEEPER_PORT="${ZOOKEEPER_PORT:-29181}"
ZOOKEEPER_HEAP="${ZOOKEEPER_HEAP:-128m}"
ZOOKEEPER_START_TIMEOUT="${ZOOKEEPER_START_TIMEOUT:-60}"
HERE="$REPO_ROOT/infra/zookeeper"
LIBS="$CACHE_DIR/zookeeper/$ZOOKEEPER_VERSION/libs"
DIR="$STATE_DIR/${ZOOKEEPER_STATE_NAME:-zookeeper}"
PIDFILE="$DIR/zookeeper.pid"

# The server's own answer to `srvr`: "Mode: standalone" only once it serves (an open port is not enough:
# with a missing optional jar it accepts connections and never serves, and ClickHouse 18.16 crashed
# against such a server).
serving() {
  local reply
  reply=$(timeout 3 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"; printf srvr >&3; cat <&3' _ "$ZOOKEEPER_PORT" 2>/dev/null) || return 1
  grep -q '^Mode: ' <<<"$reply"
}

wait_ready() {
  local deadline=$(( $(date +%s) + ZOOKEEPER_START_TIMEOUT ))
  until serving; do
    if ! live_pid "$PIDFILE" >/dev/null; then
      tail -n 30 "$DIR/logs/stdout.log" "$DIR/logs/zookeeper.log" 2>/dev/null >&2
      fail "ZooKeeper exited during start-up (log tail above; logs in $DIR/logs)"
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      tail -n 30 "$DIR/logs/zookeeper.log" 2>/dev/null >&2
      fail "ZooKeeper did not serve within ${ZOOKEEPER_START_TIMEOUT}s (log tail above)"
    fi
    sleep 0.3
  done
}

up() {
  if pid=$(live_pid "$PIDFILE"); then info "already running (pid $pid) on 127.0.0.1:$ZOOKEEPER_PORT"; return 0; fi
  local t0; t0=$(now)
  ensure_java
  maven_libs "$HERE/pom.xml" "$LIBS" "org.apache.zookeeper:zookeeper:$ZOOKEEPER_VERSION" "zookeeper-$ZOOKEEPER_VERSION.jar" \
    -Dzookeeper.version="$ZOOKEEPER_VERSION"
  require_free_port "$ZOOKEEPER_PORT" "ZooKeeper (ZOOKEEPER_PORT)"
  mkdir -p "$DIR/data" "$DIR/logs"
  sed -e "s|@PORT@|$ZOOKEEPER_PORT|g" -e "s|@DATA_DIR@|$DIR/data|g" "$HERE/zoo.cfg.tmpl" >"$DIR/zoo.cfg"
  info "starting ZooKeeper $ZOOKEEPER_VERSION on 127.0.0.1:$ZOOKEEPER_PORT (heap $ZOOKEEPER_HEAP)"
  nohup "$JAVA" -Xms32m -Xmx"$ZOOKEEPER_HEAP" -XX:+UseSerialGC -Djava.awt.headless=true \
    -Dzookeeper.log.dir="$DIR/logs" -Dlog4j2.configurationFile="$HERE/log4j2.properties" \
    -Dzookeeper.jmx.log4j.disable=true \
    -cp "$LIBS/*" org.apache.zookeeper.server.quorum.QuorumPeerMain "$DIR/zoo.cfg" >"$DIR/logs/stdout.log" 2>&1 </dev/null &
  echo $! >"$PIDFILE"
  wait_ready
  info "ready in $(elapsed "$t0")s: ZooKeeper at 127.0.0.1:$ZOOKEEPER_PORT"
}

case "${1:-}" in
  up) up ;;
  down) if live_pid "$PIDFILE" >/dev/null; then info "stopping"; fi; stop_pid "$PIDFILE" 20 ;;
  status)
    if pid=$(live_pid "$PIDFILE"); then echo "zookeeper: running (pid $pid) at 127.0.0.1:$ZOOKEEPER_PORT"; else echo "zookeeper: stopped"; exit 3; fi ;;
  logs) tail -n "${LINES_TO_SHOW:-100}" "$DIR/logs/zookeeper.log" ;;
  reset) stop_pid "$PIDFILE" 20; rm -rf "$DIR"; info "state removed" ;;
  *) echo "usage: $0 up|down|status|logs|reset" >&2; exit 2 ;;
esac
