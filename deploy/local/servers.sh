#!/usr/bin/env bash
# Start / stop / inspect the local servers on loopback.
#
#   deploy/local/servers.sh start  [nats|mongo|kafka|jaeger ...]   (default: all)
#   deploy/local/servers.sh stop   [server ...]
#   deploy/local/servers.sh status [server ...]
#
# start installs what is missing (install.sh), starts each server detached in
# its own process group (pid file in run/, log in logs/), and waits (bounded)
# until it is ready. A server whose URL variable is set and non-empty is left
# alone: NATS_URL (nats), MONGO_URL (mongo), KAFKA_BROKERS (kafka),
# OTEL_EXPORTER_OTLP_ENDPOINT or JAEGER_QUERY_URL (jaeger).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$HERE/lib.sh"

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
    mongo) printf '%s' "$MONGO_URL_DEFAULT" ;;
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
    mongo)
      local rc=0
      mongo_ping 127.0.0.1 27017 || rc=$?
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
  local pat f pid cmd
  pat="$(orphan_pattern "$1")"
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

# ---------------------------------------------------------------------------
# Launchers (config written fresh on every start)
# ---------------------------------------------------------------------------
launch_nats() {
  local conf="$RUN_DIR/nats.conf"
  mkdir -p "$DATA_DIR/nats"
  cat > "$conf" << EOF
server_name: asyncfn-local
listen: 127.0.0.1:4222
http: 127.0.0.1:8222
jetstream {
  store_dir: "$DATA_DIR/nats"
}
EOF
  launch nats "$BIN_DIR/nats-server" -c "$conf"
}

launch_mongo() {
  mkdir -p "$DATA_DIR/ferretdb"
  launch mongo env DO_NOT_TRACK=1 "$BIN_DIR/ferretdb" \
    --handler=sqlite \
    --sqlite-url="file:$DATA_DIR/ferretdb/" \
    --state-dir="$DATA_DIR/ferretdb" \
    --listen-addr=127.0.0.1:27017 \
    --debug-addr=127.0.0.1:8088 \
    --telemetry=disable \
    --log-level=info
}

# java command line shared by the storage formatter and the server.
kafka_java() {
  KAFKA_JAVA=(java -Xms256m -Xmx512m -XX:+UseG1GC -XX:MaxGCPauseMillis=20
    -Djava.awt.headless=true
    "-Dlog4j.configuration=file:$KAFKA_DIR/log4j.properties"
    "-Dkafka.logs.dir=$LOG_DIR"
    -cp "$KAFKA_LIBS/*")
}

launch_kafka() {
  local conf="$RUN_DIR/kafka.properties" logs="$DATA_DIR/kafka"
  mkdir -p "$logs"
  cat > "$conf" << EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$KAFKA_CONTROLLER
listeners=PLAINTEXT://$KAFKA_BROKER,CONTROLLER://$KAFKA_CONTROLLER
advertised.listeners=PLAINTEXT://$KAFKA_BROKER
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$logs
auto.create.topics.enable=true
num.partitions=1
default.replication.factor=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=4
log.retention.hours=24
EOF
  kafka_java
  if [[ ! -f "$logs/meta.properties" ]]; then
    local klog
    klog="$(log_file kafka)"
    echo "formatting KRaft storage in $logs" >> "$klog"
    if ! timeout 120 "${KAFKA_JAVA[@]}" kafka.tools.StorageTool format \
      -t "$KAFKA_CLUSTER_ID" -c "$conf" --ignore-formatted >> "$klog" 2>&1; then
      echo "kafka storage format FAILED" >> "$klog"
      return 1
    fi
  fi
  launch kafka "${KAFKA_JAVA[@]}" kafka.Kafka "$conf"
}

launch_jaeger() {
  local conf="$RUN_DIR/jaeger.yaml"
  cat > "$conf" << 'EOF'
# Jaeger v2 all-in-one: OTLP in, in-memory storage, query API/UI, health.
service:
  extensions: [jaeger_storage, jaeger_query, healthcheckv2]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [jaeger_storage_exporter]
  telemetry:
    resource:
      service.name: jaeger
    metrics:
      level: none
    logs:
      level: info

extensions:
  healthcheckv2:
    use_v2: true
    http:
      endpoint: 127.0.0.1:13133
  jaeger_query:
    enable_tracing: false
    storage:
      traces: memstore
    http:
      endpoint: 127.0.0.1:16686
    grpc:
      endpoint: 127.0.0.1:16685
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: 100000

receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:4317
      http:
        endpoint: 127.0.0.1:4318

processors:
  batch:

exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
EOF
  launch jaeger "$BIN_DIR/jaeger" --config "$conf"
}

# ---------------------------------------------------------------------------
# start / stop / status of one server
# ---------------------------------------------------------------------------
fail_start() {
  local s="$1" why="$2" pid
  warn "ERROR $s: $why at $(server_url "$s") — log: $(log_file "$s")"
  log_tail "$s"
  pid="$(server_pid "$s")"
  if [[ -n "$pid" ]]; then
    kill_group "$pid"
  fi
  rm -f "$(pid_file "$s")"
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
  if [[ -n "$pid" ]]; then
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
  if ! "launch_$s" 9>&-; then
    fail_start "$s" "failed to launch"
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
