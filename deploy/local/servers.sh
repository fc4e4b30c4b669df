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

# ---------------------------------------------------------------------------
# PostgreSQL: FerretDB's backend, part of "mongo". A private cluster in
# data/postgres, owned by the postgres system user (PostgreSQL refuses to run
# as root), on 127.0.0.1:54329 only, socket dir run/pg. Debian's default
# cluster (if any) is neither used nor touched.
# ---------------------------------------------------------------------------
PG_OS_USER="postgres"
PG_BIN=""
PG_FAIL=""
PG_STARTED=""
PG_STOP_TIMEOUT="${ASYNCFN_PG_STOP_TIMEOUT:-30}"

is_root() { [[ "$(id -u)" == 0 ]]; }

# as_pg CMD... -> CMD as the postgres user when we are root (else as us),
# from / so that its working directory is readable, with a clean environment.
as_pg() {
  clean_env
  if is_root; then
    (cd / && exec env -i "${CLEAN_ENV[@]}" runuser -u "$PG_OS_USER" -- "$@")
  else
    (cd / && exec env -i "${CLEAN_ENV[@]}" "$@")
  fi
}

# pg_pid -> the live postmaster pid of our cluster, or nothing.
pg_pid() {
  local pid
  [[ -r "$PG_DATA/postmaster.pid" ]] || return 0
  pid="$(head -n 1 "$PG_DATA/postmaster.pid" 2> /dev/null | tr -dc '0-9')"
  [[ -n "$pid" ]] || return 0
  pid_running "$pid" || return 0
  tr '\0' ' ' < "/proc/$pid/cmdline" 2> /dev/null | grep -qF -- "$PG_DATA" || return 0
  printf '%s' "$pid"
}

# pg_ready -> 0 when a PostgreSQL server accepts connections on our port.
pg_ready() {
  [[ -n "$PG_BIN" ]] || PG_BIN="$(pg_bindir)"
  if [[ -n "$PG_BIN" && -x "$PG_BIN/pg_isready" ]]; then
    "$PG_BIN/pg_isready" -q -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres -t 3 > /dev/null 2>&1
  else
    tcp_open "$PG_HOST" "$PG_PORT"
  fi
}

# pg_grant_traversal -> lets the postgres user reach data/, logs/ and run/
# (a cache under /root, mode 0700, is not reachable otherwise): an ACL entry
# u:postgres:x on each blocking directory when setfacl works, else o+x.
pg_grant_traversal() {
  local target p part parts
  for target in "$DATA_DIR" "$LOG_DIR" "$RUN_DIR"; do
    p=""
    IFS=/ read -r -a parts <<< "${target#/}"
    for part in "${parts[@]}"; do
      [[ -n "$part" ]] || continue
      p="$p/$part"
      as_pg test -x "$p" && continue
      if have setfacl && setfacl -m "u:$PG_OS_USER:x" "$p" 2> /dev/null; then
        warn "mongo: granted the $PG_OS_USER user traversal of $p (ACL u:$PG_OS_USER:x)"
      elif chmod o+x "$p"; then
        warn "mongo: made $p traversable (o+x) for the $PG_OS_USER user"
      fi
    done
  done
}

# pg_conf_write -> asyncfn.conf in the cluster, included last from
# postgresql.conf, so these settings win. Written fresh on every start.
pg_conf_write() {
  local sock="$PG_SOCKET_DIR"
  # A unix socket path must fit in 107 bytes; with a long cache path, TCP only.
  ((${#sock} + 12 <= 107)) || sock=""
  cat > "$PG_DATA/asyncfn.conf" << EOF
# Written by deploy/local/servers.sh on every start; edits are lost.
listen_addresses = '$PG_HOST'
port = $PG_PORT
unix_socket_directories = '$sock'
max_connections = 200
shared_buffers = 256MB
max_locks_per_transaction = 128   # dropDatabase drops a schema: a lock per table and index
# fsync stays on (the default). synchronous_commit=off acknowledges a commit
# before its WAL reaches the disk: much faster for many small writes (every
# FerretDB write is a transaction). The durability tests kill client
# processes, not the machine or PostgreSQL, and lose nothing with it; an OS
# crash, power loss or a kill -9 of PostgreSQL itself may lose the commits of
# the last ~0.6 s (3 x wal_writer_delay), but never corrupts the cluster.
synchronous_commit = off
# FerretDB 1.x sends its filters as prepared statements whose field name is a
# parameter ("_jsonb->\$1 @> \$2"). After five runs PostgreSQL may switch a
# prepared statement to a generic plan, which cannot use the per-field
# expression indexes (ferretdb-gin-indexes.sql) and scans the whole table:
# every guarded task update became a sequential scan. Always plan per call.
plan_cache_mode = force_custom_plan
log_timezone = 'UTC'
timezone = 'UTC'
EOF
  if is_root; then chown "$PG_OS_USER:" "$PG_DATA/asyncfn.conf"; fi
  grep -qx "include_if_exists = 'asyncfn.conf'" "$PG_DATA/postgresql.conf" ||
    printf '\n# asyncfn: local settings\ninclude_if_exists = %s\n' "'asyncfn.conf'" >> "$PG_DATA/postgresql.conf"
}

# pg_init -> initdb once (into a temp dir, moved into place when complete).
pg_init() {
  [[ -f "$PG_DATA/PG_VERSION" ]] && return 0
  local tmp="$PG_DATA.init"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  chmod 700 "$tmp"
  if is_root; then chown "$PG_OS_USER:" "$tmp"; fi
  echo "initdb $PG_DATA (PostgreSQL $(pg_major "$PG_BIN"))" >> "$PG_LOG"
  # The superuser's password from the start (initdb reads it from a file the
  # postgres user can read: a copy, removed right after).
  local pwfile="$DATA_DIR/.pg-initdb-password"
  (umask 077 && cat "$SECRETS_DIR/$(pg_password_file "$PG_USER")" > "$pwfile")
  if is_root; then chown "$PG_OS_USER:" "$pwfile"; fi
  local rc=0
  as_pg timeout 120 "$PG_BIN/initdb" -D "$tmp" -U "$PG_USER" --auth=scram-sha-256 \
    --pwfile="$pwfile" --encoding=UTF8 --locale=C --no-instructions >> "$PG_LOG" 2>&1 || rc=$?
  rm -f "$pwfile"
  if ((rc != 0)); then
    rm -rf "$tmp"
    return 1
  fi
  touch "$tmp/$PG_AUTH_MARK"
  rm -rf "$PG_DATA"
  mv "$tmp" "$PG_DATA"
}

# pg_psql SQL -> runs SQL in the postgres database (bounded), prints rows.
pg_psql() {
  timeout 20 "$PG_BIN/psql" -X -A -t -q -v ON_ERROR_STOP=1 \
    -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres -c "$1"
}

# pg_psql_stdin DATABASE < SQL -> runs SQL read from stdin (so that passwords
# in it are on no command line), bounded.
pg_psql_stdin() {
  timeout 300 "$PG_BIN/psql" -X -A -t -q -v ON_ERROR_STOP=1 \
    -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d "$1" -f -
}

# ---------------------------------------------------------------------------
# PostgreSQL authentication: password (scram-sha-256) logins only, on the
# socket and 127.0.0.1. A cluster made before (initdb --auth=trust, no
# password) is converted on its next start: the superuser's password is set
# while its old pg_hba.conf still lets us in, then pg_hba.conf is replaced
# and reloaded. The mark file records that the password is set.
# ---------------------------------------------------------------------------
PG_AUTH_MARK="asyncfn-auth.done"
pg_password_file() { printf 'pg-%s.password' "$1"; }

# pg_hba_write -> writes our pg_hba.conf; 0 when it changed (reload needed).
pg_hba_write() {
  local hba="$PG_DATA/pg_hba.conf" want
  want="# Written by deploy/local/servers.sh on every start; edits are lost.
# Every login needs a password (scram-sha-256); nothing is trusted.
local all all scram-sha-256
host all all 127.0.0.1/32 scram-sha-256"
  [[ -f "$hba" && "$(cat "$hba")" == "$want" ]] && return 1
  printf '%s\n' "$want" > "$hba"
  if is_root; then chown "$PG_OS_USER:" "$hba"; fi
  chmod 600 "$hba"
  return 0
}

# pg_auth -> passwords on, the service role and its ownership of the ferretdb
# database; else 1 with the reason in PG_FAIL.
pg_auth() {
  local admin_pw service_pw
  admin_pw="$(cat "$SECRETS_DIR/$(pg_password_file "$PG_USER")")"
  service_pw="$(cat "$SECRETS_DIR/$(pg_password_file "$PG_SERVICE_USER")")"
  if [[ ! -f "$PG_DATA/$PG_AUTH_MARK" ]]; then
    if ! pg_psql_stdin postgres >> "$PG_LOG" 2>&1 <<< "ALTER ROLE $PG_USER PASSWORD '$admin_pw';"; then
      PG_FAIL="could not set the $PG_USER password of a cluster made before authentication"
      return 1
    fi
    touch "$PG_DATA/$PG_AUTH_MARK"
    say "mongo: PostgreSQL now requires passwords ($PG_DATA was made without)"
  fi
  if pg_hba_write; then
    as_pg "$PG_BIN/pg_ctl" reload -D "$PG_DATA" -s >> "$PG_LOG" 2>&1 || true
  fi
  if ! pg_psql "SELECT 1" > /dev/null 2>> "$PG_LOG"; then
    PG_FAIL="the $PG_USER password in $SECRETS_DIR/$(pg_password_file "$PG_USER") is refused (see docs/control-plane-auth.md, Rotation)"
    return 1
  fi
  # FerretDB's clients log in as a role that is not a superuser. Its password
  # is (re)set from its file on every start, so rotating it is: new file, restart.
  if ! pg_psql_stdin postgres >> "$PG_LOG" 2>&1 << SQL; then
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PG_SERVICE_USER') THEN
    CREATE ROLE $PG_SERVICE_USER LOGIN;
  END IF;
END \$\$;
ALTER ROLE $PG_SERVICE_USER WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '$service_pw';
SQL
    PG_FAIL="could not create the $PG_SERVICE_USER role"
    return 1
  fi
  return 0
}

# pg_own_database -> the ferretdb database, its schemas and tables belong to
# the service role (those made by earlier versions belonged to the superuser).
pg_own_database() {
  pg_psql_stdin "$PG_DB" >> "$PG_LOG" 2>&1 << SQL
ALTER DATABASE $PG_DB OWNER TO $PG_SERVICE_USER;
DO \$\$
DECLARE r record;
BEGIN
  FOR r IN SELECT n.nspname FROM pg_namespace n
           WHERE n.nspowner <> '$PG_SERVICE_USER'::regrole
             AND n.nspname NOT LIKE 'pg\\_%' AND n.nspname NOT IN ('information_schema', 'public') LOOP
    EXECUTE format('ALTER SCHEMA %I OWNER TO $PG_SERVICE_USER', r.nspname);
  END LOOP;
  FOR r IN SELECT c.oid::regclass AS rel FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE c.relowner <> '$PG_SERVICE_USER'::regrole AND c.relkind IN ('r', 'p', 'S')
             AND n.nspname NOT LIKE 'pg\\_%' AND n.nspname NOT IN ('information_schema', 'public') LOOP
    EXECUTE format('ALTER TABLE %s OWNER TO $PG_SERVICE_USER', r.rel);
  END LOOP;
END \$\$;
SQL
}

# pg_start -> 0 when our cluster is up with the ferretdb database (started
# now, or already running); else 1 with the reason in PG_FAIL.
pg_start() {
  local pid rc major made
  PG_FAIL="" PG_STARTED=""
  PG_BIN="$(pg_bindir)"
  if [[ -z "$PG_BIN" ]]; then
    PG_FAIL="PostgreSQL is not installed (deploy/local/install.sh mongo installs it)"
    return 1
  fi
  pid="$(pg_pid)"
  if [[ -z "$pid" ]]; then
    if pg_ready; then
      PG_FAIL="port $PG_PORT is taken by another server (not our cluster in $PG_DATA)"
      return 1
    fi
    if is_root && ! id -u "$PG_OS_USER" > /dev/null 2>&1; then
      PG_FAIL="no '$PG_OS_USER' system user (it comes with Debian's postgresql package)"
      return 1
    fi
    mkdir -p "$PG_SOCKET_DIR" "$DATA_DIR" "$LOG_DIR"
    if [[ -f "$PG_LOG" ]]; then mv -f "$PG_LOG" "$PG_LOG.1"; fi
    : > "$PG_LOG"
    if is_root; then
      chown "$PG_OS_USER:" "$PG_SOCKET_DIR" "$PG_LOG"
      if ! as_pg test -x "$DATA_DIR" -a -x "$LOG_DIR" -a -x "$RUN_DIR"; then
        pg_grant_traversal
      fi
      if [[ -d "$PG_DATA" && "$(stat -c %U "$PG_DATA")" != "$PG_OS_USER" ]]; then
        chown -R "$PG_OS_USER:" "$PG_DATA"
      fi
    fi
    if ! pg_init; then
      PG_FAIL="initdb failed"
      return 1
    fi
    major="$(pg_major "$PG_BIN")" || major="?"
    made="$(tr -dc '0-9' < "$PG_DATA/PG_VERSION")"
    if [[ "$made" != "$major" ]]; then
      PG_FAIL="$PG_DATA was made by PostgreSQL $made, installed is $major: install postgresql-$made, or delete $PG_DATA (local test data)"
      return 1
    fi
    pg_conf_write
    rc=0
    # shellcheck disable=SC2094  # pg_ctl's own messages go to the server's log too
    as_pg "$PG_BIN/pg_ctl" start -D "$PG_DATA" -l "$PG_LOG" -w -t "$READY_TIMEOUT" -s \
      >> "$PG_LOG" 2>&1 || rc=$?
    pid="$(pg_pid)"
    if ((rc != 0)) || [[ -z "$pid" ]]; then
      PG_FAIL="pg_ctl start failed (exit $rc)"
      return 1
    fi
    PG_STARTED=1
  fi
  rc=0
  wait_for pg_ready "$READY_TIMEOUT" "$pid" || rc=$?
  if ((rc != 0)); then
    PG_FAIL="not accepting connections within ${READY_TIMEOUT}s"
    return 1
  fi
  pg_auth || return 1
  # The database FerretDB keeps its data in (each MongoDB database is a schema).
  if [[ "$(pg_psql "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'" 2>> "$PG_LOG")" != 1 ]] &&
    ! pg_psql "CREATE DATABASE $PG_DB OWNER $PG_SERVICE_USER" >> "$PG_LOG" 2>&1; then
    PG_FAIL="could not create database $PG_DB"
    return 1
  fi
  if ! pg_own_database; then
    PG_FAIL="could not give database $PG_DB to the $PG_SERVICE_USER role (see $PG_LOG)"
    return 1
  fi
  pg_gin_install
  return 0
}

# pg_gin_install -> (re)installs, in the ferretdb database, the event trigger
# that gives every FerretDB collection table GIN indexes serving its @>
# equality filters (_id, taskId, tenant, functionName, status), and creates
# them for the tables that already exist: ferretdb-gin-indexes.sql
# (idempotent). On every start of mongo, before FerretDB is launched (and when
# it already runs). A failure is only a warning: FerretDB works without them
# (with sequential scans).
PG_GIN_SQL="$HERE/ferretdb-gin-indexes.sql"
pg_gin_install() {
  local out rc=0
  out="$(timeout 300 "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 \
    -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d "$PG_DB" -f "$PG_GIN_SQL" 2>&1)" || rc=$?
  if [[ -n "$out" ]]; then
    printf '%s\n' "$out" | sed 's/^/gin-indexes: /' >> "$PG_LOG" || true
  fi
  if ((rc != 0)); then
    warn "mongo: WARNING: GIN indexes for FerretDB not installed (psql exit $rc; see $PG_LOG); _id lookups will be sequential scans"
  elif grep -q 'GIN index(es) on existing' <<< "$out"; then
    say "mongo: $(grep -o 'created [0-9]* GIN index(es) on existing FerretDB tables' <<< "$out" | head -n 1)"
  fi
  return 0
}

# children_of PID -> pids of PID's live child processes.
children_of() {
  local f stat rest st pp pid
  for f in /proc/[0-9]*/stat; do
    stat="$(cat "$f" 2> /dev/null)" || continue
    rest="${stat##*) }"
    read -r st pp _ <<< "$rest"
    if [[ "$pp" == "$1" && "$st" != "Z" ]]; then
      pid="${f#/proc/}"
      printf '%s\n' "${pid%/stat}"
    fi
  done
}

# pg_stop -> stops our cluster: fast shutdown (bounded), then immediate, then
# SIGKILL; prints the pid(s) it stopped, nothing when none ran.
pg_stop() {
  local pid pids="" p c deadline
  [[ -n "$PG_BIN" ]] || PG_BIN="$(pg_bindir)"
  pid="$(pg_pid)"
  if [[ -n "$pid" ]]; then
    pids="$pid"
    if [[ -n "$PG_BIN" ]]; then
      as_pg "$PG_BIN/pg_ctl" stop -D "$PG_DATA" -m fast -w -t "$PG_STOP_TIMEOUT" -s >> "$PG_LOG" 2>&1 ||
        as_pg "$PG_BIN/pg_ctl" stop -D "$PG_DATA" -m immediate -w -t 10 -s >> "$PG_LOG" 2>&1 || true
    fi
  fi
  # Whatever still runs from our data dir (e.g. a lost postmaster.pid): KILL it
  # and its children (they exit on postmaster death anyway).
  for p in $pid $(pids_matching "$PG_BIN/postgres -D $PG_DATA"); do
    pid_running "$p" || continue
    [[ " $pids " == *" $p "* ]] || pids="${pids:+$pids }$p"
    for c in $(children_of "$p"); do kill -KILL "$c" 2> /dev/null || true; done
    kill -KILL "$p" 2> /dev/null || true
    deadline=$((SECONDS + 5))
    while pid_running "$p" && ((SECONDS < deadline)); do sleep 0.1; done
  done
  printf '%s' "$pids"
}

# ---------------------------------------------------------------------------
# Launchers (config written fresh on every start)
# ---------------------------------------------------------------------------
launch_nats() {
  local conf="$RUN_DIR/nats.conf"
  mkdir -p "$DATA_DIR/nats"
  # The users and their permissions, rendered from libs/contracts (0600).
  local test_users=()
  [[ "$NATS_TEST_USERS" == 0 ]] || test_users=(test-users)
  if ! secrets_node nats-conf "$SECRETS_DIR" "$NATS_NAMESPACE" "$RUN_DIR/nats-auth.conf" "${test_users[@]}" \
    >> "$(log_file nats)" 2>&1; then
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
  local test_users=()
  [[ "$NATS_TEST_USERS" == 0 ]] || test_users=(test-users)
  if ! secrets_node nats-conf "$SECRETS_DIR" "$NATS_NAMESPACE" "$fresh" "${test_users[@]}" \
    >> "$(log_file nats)" 2>&1; then
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
