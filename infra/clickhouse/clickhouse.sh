#!/usr/bin/env bash
# ClickHouse for development and CI: Debian's clickhouse-server, run in the foreground of a child
# process with the project's own config and data folder (never /var/lib/clickhouse).
# Usage: infra/clickhouse/clickhouse.sh up|down|status|logs|reset
# The cluster stack (infra/cluster/cluster.sh) runs it once per server with CLICKHOUSE_STATE_NAME (its folder
# under the state folder) and CLICKHOUSE_CONFIG_EXTRA (a rendered file copied to config.d/, which ClickHouse
# merges over config.xml: remote_servers, macros, zookeeper); alone it is the single-node stack.
set -euo pipefail
COMPONENT=clickhouse
source "$(dirname "${BASH_SOURCE[0]}")/../bin/lib.sh"

CLICKHOUSE_HTTP_PORT="${CLICKHOUSE_HTTP_PORT:-18123}"
CLICKHOUSE_TCP_PORT="${CLICKHOUSE_TCP_PORT:-19000}"
CLICKHOUSE_INTERSERVER_PORT="${CLICKHOUSE_INTERSERVER_PORT:-19009}"
CLICKHOUSE_START_TIMEOUT="${CLICKHOUSE_START_TIMEOUT:-60}"
HERE="$REPO_ROOT/infra/clickhouse"
NAME="${CLICKHOUSE_STATE_NAME:-clickhouse}"
DIR="$STATE_DIR/$NAME"
PIDFILE="$DIR/clickhouse.pid"
URL="http://127.0.0.1:$CLICKHOUSE_HTTP_PORT"

find_server() {
  local b
  for b in "${CLICKHOUSE_SERVER_BIN:-}" "$(command -v clickhouse-server || true)" /usr/sbin/clickhouse-server /usr/bin/clickhouse-server; do
    [ -n "$b" ] && [ -x "$b" ] && { echo "$b"; return 0; }
  done
  return 1
}

ensure_server() {
  SERVER=$(find_server) || { apt_install clickhouse-server clickhouse-client; SERVER=$(find_server) || fail "clickhouse-server not found after install"; }
}

render_config() {
  mkdir -p "$DIR/data/tmp" "$DIR/data/user_files" "$DIR/data/format_schemas" "$DIR/logs"
  sed -e "s|@HTTP_PORT@|$CLICKHOUSE_HTTP_PORT|g" -e "s|@TCP_PORT@|$CLICKHOUSE_TCP_PORT|g" \
    -e "s|@INTERSERVER_PORT@|$CLICKHOUSE_INTERSERVER_PORT|g" -e "s|@DATA_DIR@|$DIR/data|g" -e "s|@LOG_DIR@|$DIR/logs|g" \
    "$HERE/config.xml.tmpl" >"$DIR/config.xml"
  cp "$HERE/users.xml" "$DIR/users.xml"
  rm -rf "$DIR/config.d"
  if [ -n "${CLICKHOUSE_CONFIG_EXTRA:-}" ]; then
    mkdir -p "$DIR/config.d"
    cp "$CLICKHOUSE_CONFIG_EXTRA" "$DIR/config.d/extra.xml"
  fi
}

wait_ready() {
  local deadline=$(( $(date +%s) + CLICKHOUSE_START_TIMEOUT ))
  until [ "$(curl -fsS --max-time 2 "$URL/?query=SELECT%201" 2>/dev/null)" = "1" ]; do
    if ! live_pid "$PIDFILE" >/dev/null; then
      tail -n 30 "$DIR/logs/stdout.log" "$DIR/logs/clickhouse-server.err.log" 2>/dev/null >&2
      fail "clickhouse-server exited during start-up (log tail above; logs in $DIR/logs)"
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      tail -n 30 "$DIR/logs/clickhouse-server.err.log" 2>/dev/null >&2
      fail "ClickHouse did not answer SELECT 1 within ${CLICKHOUSE_START_TIMEOUT}s (log tail above)"
    fi
    sleep 0.3
  done
}

up() {
  if pid=$(live_pid "$PIDFILE"); then info "already running (pid $pid) at $URL"; return 0; fi
  local t0; t0=$(now)
  ensure_server
  command -v curl >/dev/null 2>&1 || apt_install curl
  require_free_port "$CLICKHOUSE_HTTP_PORT" "ClickHouse HTTP (CLICKHOUSE_HTTP_PORT)"
  require_free_port "$CLICKHOUSE_TCP_PORT" "ClickHouse native protocol (CLICKHOUSE_TCP_PORT)"
  require_free_port "$CLICKHOUSE_INTERSERVER_PORT" "ClickHouse interserver (CLICKHOUSE_INTERSERVER_PORT)"
  render_config
  info "starting clickhouse-server $NAME at $URL"
  # Run from the state folder: the server resolves relative paths (users.xml, preprocessed configs) there.
  (cd "$DIR" && exec nohup "$SERVER" --config-file="$DIR/config.xml" >"$DIR/logs/stdout.log" 2>&1 </dev/null) &
  echo $! >"$PIDFILE"
  wait_ready
  info "ready in $(elapsed "$t0")s: CLICKHOUSE_URL=$URL (server $(curl -fsS "$URL/?query=SELECT%20version()"))"
}

case "${1:-}" in
  up) up ;;
  down) if live_pid "$PIDFILE" >/dev/null; then info "stopping"; fi; stop_pid "$PIDFILE" 30 ;;
  status)
    if pid=$(live_pid "$PIDFILE"); then echo "$NAME: running (pid $pid) CLICKHOUSE_URL=$URL"; else echo "$NAME: stopped"; exit 3; fi ;;
  logs) tail -n "${LINES_TO_SHOW:-100}" "$DIR/logs/clickhouse-server.err.log" "$DIR/logs/stdout.log" ;;
  reset) stop_pid "$PIDFILE" 30; rm -rf "$DIR"; info "state removed" ;;
  *) echo "usage: $0 up|down|status|logs|reset" >&2; exit 2 ;;
esac
