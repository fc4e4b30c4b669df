#!/usr/bin/env bash
# Start / stop / inspect the local servers on loopback.
#
#   deploy/local/servers.sh start  [nats|mongo|kafka|jaeger ...]   (default: all)
#   deploy/local/servers.sh stop   [server ...]
#   deploy/local/servers.sh status [server ...]
#
# start installs what is missing (install.sh), starts each server detached in
# its own process group (pid file in run/, log in logs/), and waits (bounded)
# until it is ready. "mongo" is FerretDB on a private PostgreSQL cluster
# (data/postgres, 127.0.0.1:54329, log logs/postgres.log): start brings up
# PostgreSQL first, stop takes it down last, status reports both. Each start
# of mongo also (re)installs ferretdb-gin-indexes.sql in PostgreSQL: GIN
# indexes that serve FerretDB's pushed-down equality filters (_id, ...).
# Every server requires credentials: start first generates them (once, files
# of mode 0600 in secrets/, scripts/secrets.ts), and each server is
# started with a clean environment (env -i) holding none of them. NATS gets a
# user per service (libs/contracts natsPermissions), PostgreSQL password
# (scram-sha-256) logins only, FerretDB passes its clients' logins through to
# PostgreSQL. See docs/control-plane-auth.md.
# A server whose URL variable is set and non-empty is left alone: NATS_URL
# (nats), MONGO_URL (mongo: neither FerretDB nor PostgreSQL), KAFKA_BROKERS
# (kafka), OTEL_EXPORTER_OTLP_ENDPOINT or JAEGER_QUERY_URL (jaeger).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$HERE/lib.sh"
ROOT="$(cd "$HERE/../.." && pwd)"
# psql and pg_isready read the superuser's password from here (never from a
# command line or the environment).
export PGPASSFILE="$SECRETS_DIR/pgpass"
# The namespace the services' NATS users are limited to (npm run up's), and
# whether the users of the services tests and the bench start (test-<service>:
# any namespace but that one) exist too (1, the default) or not (0).
NATS_NAMESPACE="${ASYNCFN_NAMESPACE:-asyncfn}"
NATS_TEST_USERS="${ASYNCFN_NATS_TEST_USERS:-1}"

READY_TIMEOUT="${ASYNCFN_READY_TIMEOUT:-60}"
KAFKA_READY_TIMEOUT="${ASYNCFN_KAFKA_READY_TIMEOUT:-90}"
KAFKA_CLUSTER_ID="YXN5bmNmbi1sb2NhbC1rYQ" # fixed 16-byte base64url id, single local node

# ---------------------------------------------------------------------------
# Per-server facts
# ---------------------------------------------------------------------------
# env_override NAME -> prints "VAR=value" when the server is provided externally.
env_override() {
  local var
  case "$1" in
    nats) set -- NATS_URL ;;
    mongo) set -- MONGO_URL ;;
    kafka) set -- KAFKA_BROKERS ;;
    jaeger) set -- OTEL_EXPORTER_OTLP_ENDPOINT JAEGER_QUERY_URL ;;
  esac
  for var in "$@"; do
    if [[ -n "${!var:-}" ]]; then
      printf '%s=%s' "$var" "${!var}"
      return 0
    fi
  done
  return 1
}

server_url() {
  case "$1" in
    nats) printf '%s' "$NATS_CLIENT_URL (monitor $NATS_MONITOR_URL)" ;;
    mongo) printf '%s' "$MONGO_URL_DEFAULT (FerretDB on PostgreSQL $PG_HOST:$PG_PORT)" ;;
    kafka) printf '%s' "$KAFKA_BROKER" ;;
    jaeger) printf '%s' "$JAEGER_QUERY (OTLP grpc $JAEGER_OTLP_GRPC, http $JAEGER_OTLP_HTTP)" ;;
  esac
}

# port_answers NAME -> 0 when something accepts connections on the main port.
port_answers() {
  case "$1" in
    nats) tcp_open 127.0.0.1 4222 ;;
    mongo) tcp_open 127.0.0.1 27017 ;;
    kafka) tcp_open 127.0.0.1 9092 ;;
    jaeger) tcp_open 127.0.0.1 16686 ;;
  esac
}

# is_ready NAME -> 0 when the server answers its real readiness probe.
is_ready() {
  case "$1" in
    nats) http_ok "$NATS_MONITOR_URL/healthz?js-enabled-only=true" ;;
    # A real MongoDB-wire {ping: 1} (python3 stdlib). FerretDB's own
    # /debug/readyz only pings when --setup-database is set, so without
    # python3 it is just "listener is up".
    # FerretDB 1.x's ping reaches PostgreSQL only sometimes: the first one
    # loads its metadata from PostgreSQL, later ones ping a connection pool
    # only while some database exists (and answer from the cache otherwise).
    # So for our FerretDB, PostgreSQL's own readiness is checked too.
    mongo)
      local rc=0
      if [[ -n "$(server_pid mongo)" ]] && ! pg_ready; then
        return 1
      fi
      mongo_ping 127.0.0.1 27017 "$SECRETS_DIR/mongo-url" || rc=$?
      if ((rc == 2)); then
        http_ok "$FERRETDB_DEBUG_URL/debug/readyz"
      else
        return "$rc"
      fi
      ;;
    kafka) kafka_metadata_ok 127.0.0.1 9092 ;;
    jaeger) http_ok "$JAEGER_QUERY/api/services" && http_ok "$JAEGER_HEALTH/status" ;;
  esac
}

# Kafka is ready once the broker answers a metadata request and the log says
# the server finished starting.
kafka_started() {
  grep -q "Kafka Server started" "$(log_file kafka)" 2> /dev/null && is_ready kafka
}

ready_check() {
  if [[ "$1" == kafka ]]; then kafka_started; else is_ready "$1"; fi
}

ready_timeout() {
  if [[ "$1" == kafka ]]; then printf '%s' "$KAFKA_READY_TIMEOUT"; else printf '%s' "$READY_TIMEOUT"; fi
}

# A string unique to processes started from this cache (orphan sweep).
orphan_pattern() {
  case "$1" in
    nats) printf '%s' "$BIN_DIR/nats-server" ;;
    mongo) printf '%s' "$BIN_DIR/ferretdb" ;;
    kafka) printf '%s' "$RUN_DIR/kafka.properties" ;;
    jaeger) printf '%s' "$BIN_DIR/jaeger" ;;
  esac
}

orphan_pids() {
  pids_matching "$(orphan_pattern "$1")"
}

# pids_matching STRING -> live processes whose command line runs STRING (an
# absolute path, possibly followed by arguments), not shells that mention it.
pids_matching() {
  local pat="$1" f pid cmd
  for f in /proc/[0-9]*/cmdline; do
    pid="${f#/proc/}"
    pid="${pid%/cmdline}"
    [[ "$pid" == "$$" || "$pid" == "$BASHPID" ]] && continue
    cmd="$(tr '\0' ' ' 2> /dev/null < "$f")" || continue
    # match the server itself (exec'd), not shells that merely mention it
    [[ "$cmd" == "$pat "* || "$cmd" == *" $pat "* || "$cmd" == *"$pat" ]] || continue
    [[ "$cmd" == *"servers.sh"* ]] && continue
    pid_running "$pid" && printf '%s\n' "$pid"
  done
}

# shellcheck source-path=SCRIPTDIR source=postgres.sh
source "$HERE/postgres.sh"
# shellcheck source-path=SCRIPTDIR source=launchers.sh
source "$HERE/launchers.sh"

# ---------------------------------------------------------------------------
# start / stop / status of one server
# ---------------------------------------------------------------------------
# fail_start NAME WHY [LOGFILE] -> one error line, the log's tail, and nothing
# of NAME left running.
fail_start() {
  local s="$1" why="$2" log="${3:-}" pid
  [[ -n "$log" ]] || log="$(log_file "$s")"
  warn "ERROR $s: $why at $(server_url "$s") — log: $log"
  log_tail "$s" "$log"
  pid="$(server_pid "$s")"
  if [[ -n "$pid" ]]; then
    kill_group "$pid"
  fi
  rm -f "$(pid_file "$s")"
  if [[ "$s" == mongo ]]; then
    pg_stop > /dev/null 2>&1 || true
  fi
  return 1
}

# server_outdated NAME PID -> 0 when the running server was started by a
# version of this script before credentials: its environment is not a clean
# one (env -i), or (NATS) its config has no users. After a git pull, start
# restarts such a server instead of using it.
server_outdated() {
  local s="$1" pid="$2" var
  if [[ "$s" == nats ]] && ! grep -q 'include "nats-auth.conf"' "$RUN_DIR/nats.conf" 2> /dev/null; then
    return 0
  fi
  [[ -r "/proc/$pid/environ" ]] || return 1
  while IFS= read -r -d '' var; do
    case "${var%%=*}" in
      PATH | HOME | LANG | TZ | JAVA_HOME | PWD | OLDPWD | SHLVL | _ | DO_NOT_TRACK | GOGC) ;;
      *) return 0 ;;
    esac
  done < "/proc/$pid/environ"
  return 1
}

start_one() {
  local s="$1" t0=$SECONDS pid timeout_s rc
  timeout_s="$(ready_timeout "$s")"
  exec 9> "$RUN_DIR/$s.lock"
  flock -w $((timeout_s + 130)) 9 || {
    warn "ERROR $s: timed out waiting for $RUN_DIR/$s.lock"
    return 1
  }
  pid="$(server_pid "$s")"
  if [[ -n "$pid" ]] && server_outdated "$s" "$pid"; then
    say "$s: restarting it: started by an earlier version of this script (without credentials)"
    stop_one "$s" 9>&- > /dev/null
    pid=""
  fi
  if [[ -n "$pid" ]]; then
    # Our NATS runs: its users' permissions follow the code (after a git pull).
    if [[ "$s" == nats ]]; then
      nats_refresh_permissions "$pid" 9>&-
    fi
    # Our FerretDB runs: (re)start its PostgreSQL if that went away. fd 9
    # (the lock) must not leak into the postmaster.
    if [[ "$s" == mongo ]]; then
      if ! pg_start 9>&-; then
        fail_start "$s" "PostgreSQL backend ($PG_HOST:$PG_PORT): $PG_FAIL" "$PG_LOG"
        return 1
      fi
      if [[ -n "$PG_STARTED" ]]; then
        say "mongo: its PostgreSQL was down; started it again (pid $(pg_pid))"
      fi
    fi
    rc=0
    wait_for ready_check "$timeout_s" "$pid" "$s" || rc=$?
    if ((rc == 0)); then
      say "$s already running (pid $pid), ready at $(server_url "$s")"
      return 0
    fi
    fail_start "$s" "running (pid $pid) but not ready within ${timeout_s}s"
    return 1
  fi
  rm -f "$(pid_file "$s")"
  if port_answers "$s"; then
    say "$s already running (port answers, not started by this script) at $(server_url "$s")"
    return 0
  fi
  rotate_log "$s"
  LAUNCH_FAIL="" LAUNCH_LOG=""
  if ! "launch_$s" 9>&-; then
    fail_start "$s" "${LAUNCH_FAIL:-failed to launch}" "$LAUNCH_LOG"
    return 1
  fi
  pid="$(tr -dc '0-9' < "$(pid_file "$s")")"
  rc=0
  wait_for ready_check "$timeout_s" "$pid" "$s" || rc=$?
  case "$rc" in
    0) say "$s ready at $(server_url "$s") (pid $pid, $((SECONDS - t0))s)" ;;
    2) fail_start "$s" "process exited before becoming ready" ;;
    *) fail_start "$s" "not ready within ${timeout_s}s" ;;
  esac
}

stop_one() {
  local s="$1" pid extra stopped=""
  pid="$(server_pid "$s")"
  if [[ -n "$pid" ]]; then
    kill_group "$pid"
    stopped="pid $pid"
  fi
  rm -f "$(pid_file "$s")"
  # Sweep anything else launched from this cache (e.g. a lost pid file).
  extra="$(orphan_pids "$s" | tr '\n' ' ')"
  if [[ -n "${extra// /}" ]]; then
    for pid in $extra; do
      kill_group "$pid"
    done
    stopped="${stopped:+$stopped, }orphans ${extra% }"
  fi
  # FerretDB first, then its PostgreSQL.
  if [[ "$s" == mongo ]]; then
    extra="$(pg_stop)"
    if [[ -n "$extra" ]]; then
      stopped="${stopped:+$stopped, }postgres pid $extra"
    fi
  fi
  if [[ -n "$stopped" ]]; then
    say "$s stopped ($stopped)"
  else
    say "$s not running"
  fi
}

status_one() {
  local s="$1" ov pid
  if ov="$(env_override "$s")"; then
    say "$s: external ($ov)"
    return 0
  fi
  pid="$(server_pid "$s")"
  if [[ "$s" == mongo ]]; then
    status_mongo "$pid"
    return
  fi
  if is_ready "$s"; then
    say "$s: up at $(server_url "$s")${pid:+ (pid $pid)}"
    return 0
  fi
  if [[ -n "$pid" ]]; then
    say "$s: NOT answering (pid $pid alive) at $(server_url "$s") — log: $(log_file "$s")"
  else
    say "$s: down"
  fi
  return 1
}

# status_mongo FERRETDB_PID -> one line covering FerretDB and its PostgreSQL.
status_mongo() {
  local pid="$1" pgpid pgdesc
  pgpid="$(pg_pid)"
  if pg_ready; then
    pgdesc="postgresql $(pg_major "$PG_BIN" || true) up at $PG_HOST:$PG_PORT${pgpid:+, pid $pgpid}"
  elif [[ -n "$pgpid" ]]; then
    pgdesc="postgresql NOT answering (pid $pgpid alive) at $PG_HOST:$PG_PORT — log: $PG_LOG"
  else
    pgdesc="postgresql down"
  fi
  if is_ready mongo; then
    if [[ -n "$pid" ]]; then
      say "mongo: up at $MONGO_URL_DEFAULT (ferretdb pid $pid; $pgdesc)"
    else
      say "mongo: up at $MONGO_URL_DEFAULT (not started by this script)"
    fi
    return 0
  fi
  if [[ -n "$pid" ]]; then
    say "mongo: NOT answering (ferretdb pid $pid alive; $pgdesc) at $MONGO_URL_DEFAULT — log: $(log_file mongo)"
  elif [[ -n "$pgpid" ]]; then
    say "mongo: down (ferretdb down; $pgdesc)"
  else
    say "mongo: down"
  fi
  return 1
}

# secrets_node ARGS... -> scripts/secrets.ts (needs node and the repo's
# npm packages, as the services do).
secrets_node() {
  (cd "$ROOT" && node --import tsx "$ROOT/scripts/secrets.ts" "$@")
}

# ---------------------------------------------------------------------------
cmd_start() {
  local servers=() todo=() missing=() s ov
  servers_from_args servers "$@"
  ensure_dirs
  for s in "${servers[@]}"; do
    if ov="$(env_override "$s")"; then
      say "$s: using $ov, not starting"
      continue
    fi
    todo+=("$s")
    if [[ -z "$(server_pid "$s")" ]] && ! is_installed "$s" && ! port_answers "$s"; then
      missing+=("$s")
    fi
  done
  ((${#todo[@]})) || return 0
  if ! secrets_node ensure "$SECRETS_DIR" 127.0.0.1:27017; then
    die "could not create the credentials in $SECRETS_DIR (scripts/secrets.ts)"
  fi
  # The executors' function sandbox needs its tools whatever servers run (docs/security.md).
  bash "$HERE/install.sh" sandbox || die "the function sandbox's tools could not be installed"
  if ((${#missing[@]})); then
    bash "$HERE/install.sh" "${missing[@]}" || die "install failed for: ${missing[*]}"
  fi
  # Start all in parallel (each in a subshell holding its own lock), then
  # collect the results.
  local -A pids=()
  for s in "${todo[@]}"; do
    start_one "$s" &
    pids[$s]=$!
  done
  local rc=0
  for s in "${todo[@]}"; do
    wait "${pids[$s]}" || rc=1
  done
  return "$rc"
}

cmd_stop() {
  local servers=() s
  servers_from_args servers "$@"
  ensure_dirs
  for s in "${servers[@]}"; do
    stop_one "$s"
  done
}

cmd_status() {
  local servers=() s rc=0
  servers_from_args servers "$@"
  ensure_dirs
  for s in "${servers[@]}"; do
    status_one "$s" || rc=3
  done
  return "$rc"
}

usage() {
  warn "usage: $0 start|stop|status [nats|mongo|kafka|jaeger ...]"
  exit 2
}

main() {
  (($# >= 1)) || usage
  local cmd="$1"
  shift
  case "$cmd" in
    start) cmd_start "$@" ;;
    stop) cmd_stop "$@" ;;
    status) cmd_status "$@" ;;
    *) usage ;;
  esac
}

main "$@"
