# shellcheck shell=bash
# How each server is launched: part of deploy/local/servers.sh (sourced by it, sharing its
# variables and helpers; not run on its own).

# ---------------------------------------------------------------------------
# Launchers (config written fresh on every start)
# ---------------------------------------------------------------------------
# nats_render_permissions FILE -> writes the users and their permissions,
# rendered from libs/contracts (0600), to FILE.
nats_render_permissions() {
  local test_users=()
  [[ "$NATS_TEST_USERS" == 0 ]] || test_users=(test-users)
  secrets_node nats-conf "$SECRETS_DIR" "$NATS_NAMESPACE" "$1" "${test_users[@]}" >> "$(log_file nats)" 2>&1
}

launch_nats() {
  local conf="$RUN_DIR/nats.conf"
  mkdir -p "$DATA_DIR/nats"
  if ! nats_render_permissions "$RUN_DIR/nats-auth.conf"; then
    LAUNCH_FAIL="could not write $RUN_DIR/nats-auth.conf (scripts/secrets.ts)"
    return 1
  fi
  cat > "$conf" << EOF
server_name: asyncfn-local
listen: 127.0.0.1:4222
http: 127.0.0.1:8222
jetstream {
  store_dir: "$DATA_DIR/nats"
}
include "nats-auth.conf"
EOF
  launch nats "$BIN_DIR/nats-server" -c "$conf"
}

# nats_refresh_permissions PID -> renders the users' permissions again and,
# when they changed (the code moved on since the server started), has the
# running server reload its config (SIGHUP: nats-server reloads authorization
# without dropping connections).
nats_refresh_permissions() {
  local pid="$1" fresh="$RUN_DIR/nats-auth.conf.new"
  if ! nats_render_permissions "$fresh"; then
    warn "nats: could not render its permissions again; keeping the running ones"
    rm -f "$fresh"
    return 0
  fi
  if cmp -s "$fresh" "$RUN_DIR/nats-auth.conf"; then
    rm -f "$fresh"
    return 0
  fi
  mv "$fresh" "$RUN_DIR/nats-auth.conf"
  kill -HUP "$pid" 2> /dev/null || true
  sleep 0.5
  say "nats: permissions changed with the code; reloaded (pid $pid)"
}

# FerretDB 1.x's main backend is PostgreSQL (its SQLite backend is beta and
# hung after clients were killed mid-write). Old data/ferretdb (SQLite) files
# are no longer used.
launch_mongo() {
  if ! pg_start; then
    LAUNCH_FAIL="PostgreSQL backend ($PG_HOST:$PG_PORT): $PG_FAIL"
    LAUNCH_LOG="$PG_LOG"
    return 1
  fi
  mkdir -p "$RUN_DIR/ferretdb" # state.json (instance UUID) only
  # GOGC: FerretDB allocates a lot per command and its heap is small (~50 MB), so the default
  # (collect at 2x) spends 5-15 % of its CPU collecting; 4x costs ~150 MB more and saves most.
  launch mongo env DO_NOT_TRACK=1 GOGC="${ASYNCFN_FERRETDB_GOGC:-400}" "$BIN_DIR/ferretdb" \
    --handler=postgresql \
    --postgresql-url="$PG_URL" \
    --state-dir="$RUN_DIR/ferretdb" \
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
    clean_env
    if ! timeout 120 env -i "${CLEAN_ENV[@]}" "${KAFKA_JAVA[@]}" kafka.tools.StorageTool format \
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

