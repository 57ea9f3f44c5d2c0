# Shared helpers for infra scripts: paths, messages, PID files and port checks.
# Sourced, not executed.

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STATE_DIR="${OPA_STATE_DIR:-$REPO_ROOT/.state}"
CACHE_DIR="${OPA_CACHE_DIR:-$REPO_ROOT/.cache}"

info() { printf '\033[1m[%s]\033[0m %s\n' "${COMPONENT:-stack}" "$*" >&2; }
fail() { printf '\033[31m[%s] error:\033[0m %s\n' "${COMPONENT:-stack}" "$*" >&2; exit 1; }

# True when something accepts TCP connections on 127.0.0.1:$1.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Refuse to start when a port we need is taken by a process we did not start.
require_free_port() {
  local port=$1 what=$2
  if port_open "$port"; then
    local who
    who=$(ss -ltnpH "sport = :$port" 2>/dev/null | sed -n 's/.*users:((\("[^"]*"\),pid=\([0-9]*\).*/\1 (pid \2)/p' | head -n1)
    fail "port $port for $what is already in use${who:+ by $who}. Stop that process or choose another port (see README: configuration)."
  fi
}

# PID recorded in $1 if that process is still alive, else nothing.
live_pid() {
  local file=$1 pid
  [ -f "$file" ] || return 1
  pid=$(cat "$file" 2>/dev/null)
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && { echo "$pid"; return 0; }
  return 1
}

# Stop the process recorded in $1 (TERM, then KILL after $2 seconds) and remove the file.
stop_pid() {
  local file=$1 grace=${2:-20} pid
  if pid=$(live_pid "$file"); then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 $((grace * 4))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    if kill -0 "$pid" 2>/dev/null; then
      info "pid $pid did not stop within ${grace}s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$file"
}

# Install Debian packages when missing; clear message where apt-get cannot run.
apt_install() {
  command -v apt-get >/dev/null 2>&1 || fail "apt-get is not available; install these packages yourself: $*"
  [ "$(id -u)" = 0 ] || fail "installing $* needs root (apt-get); run as root or install them yourself"
  info "installing $* with apt-get"
  if [ -z "${APT_UPDATED:-}" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || fail "apt-get update failed"
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2 \
    || fail "apt-get install $* failed"
}

# A Java 17+ runtime (Kafka 4 brokers need 17; ZooKeeper 3.9 runs on it too).
find_java() {
  local j
  for j in "${JAVA_HOME:+$JAVA_HOME/bin/java}" "$(command -v java || true)" /usr/lib/jvm/*/bin/java; do
    [ -n "$j" ] && [ -x "$j" ] || continue
    local v; v=$("$j" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1)
    [ -n "$v" ] && [ "$v" -ge 17 ] && { echo "$j"; return 0; }
  done
  return 1
}

ensure_java() {
  JAVA=$(find_java) || { apt_install openjdk-17-jre-headless; JAVA=$(find_java) || fail "no Java 17+ found (set JAVA_HOME)"; }
}

# Resolve a pom's runtime dependencies with Maven into a cached folder, once:
#   maven_libs POM LIBS_DIR "what (for messages)" "jar glob that must exist" [-Dprop=value ...]
maven_libs() {
  local pom=$1 libs=$2 what=$3 must=$4; shift 4
  [ -f "$libs/.complete" ] && return 0
  command -v mvn >/dev/null 2>&1 || apt_install maven
  info "resolving $what with Maven into $libs (first run only)"
  rm -rf "$libs"; mkdir -p "$libs"
  mvn -q -B -f "$pom" "$@" dependency:copy-dependencies -DoutputDirectory="$libs" -DincludeScope=runtime >&2 \
    || fail "Maven could not resolve $what (is Maven Central reachable? see output above)"
  compgen -G "$libs/$must" >/dev/null || fail "Maven finished but no $must is in $libs"
  touch "$libs/.complete"
}

# Seconds since epoch with fraction, for timing messages.
now() { date +%s.%N; }
elapsed() { awk -v s="$1" -v e="$(now)" 'BEGIN { printf "%.1f", e - s }'; }
