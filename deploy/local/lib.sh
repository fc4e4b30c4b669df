# shellcheck shell=bash
# shellcheck disable=SC2034  # variables are used by the scripts sourcing this
# Shared helpers for deploy/local/install.sh and deploy/local/servers.sh.
# Source it; do not execute it. Longer than ~300 lines on purpose: the scripts'
# common vocabulary (paths, downloads with checksums, processes, ports) in the
# one file each of them sources.

# ---------------------------------------------------------------------------
# Pinned versions (bump here; the stamp files make install.sh rebuild).
# ---------------------------------------------------------------------------
NATS_VERSION="v2.11.17"                 # github.com/nats-io/nats-server/v2
FERRETDB_VERSION="v1.24.2"              # github.com/FerretDB/FerretDB (v1 line, PostgreSQL backend)
FERRETDB_PATCH="asyncfn.1"              # ferretdb-v1.24.2-pg-pool.patch (see its header)
# PostgreSQL itself comes from Debian's packages (apt: postgresql); its major
# version is part of the mongo stamp (see server_version).
KAFKA_VERSION="3.9.2"                   # org.apache.kafka:kafka_2.13 (KRaft; 3.x for kafkajs 2.2.4)
KAFKA_SCALA="2.13"
SLF4J_VERSION="1.7.36"                  # slf4j-reload4j binding, matches kafka 3.9's slf4j-api
JAEGER_MODULE_VERSION="v1.76.0"         # github.com/jaegertracing/jaeger module tag ...
JAEGER_VERSION="v2.13.0"                # ... which is the Jaeger v2.13.0 release (cmd/jaeger)
MAVEN_DEPENDENCY_PLUGIN="org.apache.maven.plugins:maven-dependency-plugin:3.6.1"

ALL_SERVERS=(nats mongo kafka jaeger)

# ---------------------------------------------------------------------------
# Paths
# ---------------------------------------------------------------------------
CACHE="${ASYNCFN_CACHE:-${HOME}/.cache/asyncfn}"
BIN_DIR="${CACHE}/bin"
KAFKA_DIR="${CACHE}/kafka"
KAFKA_LIBS="${KAFKA_DIR}/libs"
DATA_DIR="${CACHE}/data"
LOG_DIR="${CACHE}/logs"
RUN_DIR="${CACHE}/run"
STAMP_DIR="${CACHE}/stamps"
# Control-plane credentials (files of mode 0600 in a 0700 dir; scripts/secrets.ts).
SECRETS_DIR="${ASYNCFN_SECRETS_DIR:-${CACHE}/secrets}"

# Fixed loopback endpoints.
NATS_CLIENT_URL="nats://127.0.0.1:4222"
NATS_MONITOR_URL="http://127.0.0.1:8222"
MONGO_URL_DEFAULT="mongodb://127.0.0.1:27017"
FERRETDB_DEBUG_URL="http://127.0.0.1:8088"
KAFKA_BROKER="127.0.0.1:9092"
KAFKA_CONTROLLER="127.0.0.1:9093"
JAEGER_QUERY="http://127.0.0.1:16686"
JAEGER_OTLP_GRPC="127.0.0.1:4317"
JAEGER_OTLP_HTTP="http://127.0.0.1:4318"
JAEGER_HEALTH="http://127.0.0.1:13133"

# FerretDB's PostgreSQL backend: a private cluster of our own, loopback only,
# on a non-default port (never Debian's default cluster on 5432).
PG_HOST="127.0.0.1"
PG_PORT="54329"
PG_DB="ferretdb"
PG_TASKS_DB="asyncfn"   # the task store `postgresql` (owned by the service role)
PG_USER="postgres"      # the superuser servers.sh administers the cluster with
PG_SERVICE_USER="asyncfn" # the role FerretDB's clients log in as (owns the ferretdb database)
PG_DATA="${DATA_DIR}/postgres"
PG_SOCKET_DIR="${RUN_DIR}/pg"
PG_LOG="${LOG_DIR}/postgres.log"
# FerretDB's pgx pool: 150 of PostgreSQL's max_connections=200 (default 50;
# every open cursor holds a connection until it is exhausted or killed).
# No user or password: FerretDB 1.x connects with each client's own (SASL
# PLAIN, passed through to PostgreSQL), so a client without them is refused.
PG_URL="postgres://${PG_HOST}:${PG_PORT}/${PG_DB}?sslmode=disable&pool_max_conns=150"

ensure_dirs() {
  mkdir -p "$BIN_DIR" "$KAFKA_DIR" "$DATA_DIR" "$LOG_DIR" "$RUN_DIR" "$STAMP_DIR"
}

# ---------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------
say() { printf '%s\n' "$*"; }
warn() { printf '%s\n' "$*" >&2; }
die() {
  warn "error: $*"
  exit 1
}

valid_server() {
  case "$1" in
    nats | mongo | kafka | jaeger) return 0 ;;
    *) return 1 ;;
  esac
}

# Expand "$@" to a server list (default: all), validating names.
# Usage: servers_from_args RESULT_ARRAY_NAME "$@"
servers_from_args() {
  local -n _out="$1"
  shift
  _out=()
  if (($# == 0)); then
    _out=("${ALL_SERVERS[@]}")
    return 0
  fi
  local s
  for s in "$@"; do
    valid_server "$s" || die "unknown server '$s' (expected: ${ALL_SERVERS[*]})"
    _out+=("$s")
  done
}

# ---------------------------------------------------------------------------
# Install stamps
# ---------------------------------------------------------------------------
server_version() {
  case "$1" in
    nats) printf '%s' "$NATS_VERSION" ;;
    mongo) printf '%s' "ferretdb-$FERRETDB_VERSION+$FERRETDB_PATCH+postgresql-$(pg_major "$(pg_bindir)" || printf none)" ;;
    kafka) printf '%s' "kafka_${KAFKA_SCALA}-${KAFKA_VERSION}" ;;
    jaeger) printf '%s' "jaeger-$JAEGER_VERSION" ;;
  esac
}

server_artifact() {
  case "$1" in
    nats) printf '%s' "$BIN_DIR/nats-server" ;;
    mongo) printf '%s' "$BIN_DIR/ferretdb" ;;
    kafka) printf '%s' "$KAFKA_LIBS/kafka_${KAFKA_SCALA}-${KAFKA_VERSION}.jar" ;;
    jaeger) printf '%s' "$BIN_DIR/jaeger" ;;
  esac
}

# pg_bindir -> the PostgreSQL bin dir to use (nothing when none is installed):
# the one matching the cluster's PG_VERSION when there is a cluster, else the
# newest Debian-packaged one, else pg_config's.
pg_bindir() {
  local want="" d
  if [[ -r "$PG_DATA/PG_VERSION" ]]; then
    want="$(tr -dc '0-9' < "$PG_DATA/PG_VERSION")"
    if [[ -n "$want" && -x "/usr/lib/postgresql/$want/bin/initdb" ]]; then
      printf '%s' "/usr/lib/postgresql/$want/bin"
      return 0
    fi
  fi
  d="$(find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/initdb' 2> /dev/null |
    sort -V | tail -n 1)"
  if [[ -n "$d" ]]; then
    printf '%s' "${d%/initdb}"
    return 0
  fi
  if have pg_config; then
    d="$(pg_config --bindir 2> /dev/null)" || d=""
    [[ -n "$d" && -x "$d/initdb" ]] && printf '%s' "$d"
  fi
  return 0
}

# pg_major BINDIR -> the PostgreSQL major version of BINDIR's server ("15").
pg_major() {
  local bin="$1" v
  [[ -n "$bin" && -x "$bin/postgres" ]] || return 1
  v="$("$bin/postgres" --version 2> /dev/null)" || return 1 # "postgres (PostgreSQL) 15.14 (Debian ...)"
  v="${v#*) }"
  v="${v%%[!0-9]*}"
  [[ -n "$v" ]] && printf '%s' "$v"
}

stamp_file() { printf '%s' "$STAMP_DIR/$1.version"; }

is_installed() {
  local s="$1" stamp
  stamp="$(stamp_file "$s")"
  [[ -f "$stamp" && -e "$(server_artifact "$s")" ]] || return 1
  [[ "$(cat "$stamp")" == "$(server_version "$s")" ]]
}

# ---------------------------------------------------------------------------
# Probes (all bounded by short timeouts)
# ---------------------------------------------------------------------------
have() { command -v "$1" > /dev/null 2>&1; }

# http_ok URL -> 0 when the URL answers 2xx.
http_ok() {
  local url="$1"
  if have curl; then
    curl -fsS -o /dev/null --max-time 3 "$url" > /dev/null 2>&1
  else
    python3 - "$url" > /dev/null 2>&1 << 'PY'
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=3) as r:
    sys.exit(0 if 200 <= r.status < 300 else 1)
PY
  fi
}

# http_get URL -> prints body (empty on failure).
http_get() {
  if have curl; then
    curl -fsS --max-time 3 "$1" 2> /dev/null || true
  else
    python3 -c 'import sys,urllib.request;print(urllib.request.urlopen(sys.argv[1],timeout=3).read().decode())' "$1" 2> /dev/null || true
  fi
}

# tcp_open HOST PORT -> 0 when something accepts connections.
tcp_open() {
  # shellcheck disable=SC2016  # expanded by the inner bash
  timeout 3 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" > /dev/null 2>&1
}

# kafka_metadata_ok HOST PORT -> 0 when a Kafka broker answers a real
# MetadataRequest (v0, all topics) with at least one broker.
# Falls back to a TCP check when python3 is missing.
kafka_metadata_ok() {
  local host="$1" port="$2"
  if ! have python3; then
    tcp_open "$host" "$port"
    return
  fi
  timeout 5 python3 - "$host" "$port" > /dev/null 2>&1 << 'PY'
import socket, struct, sys
host, port = sys.argv[1], int(sys.argv[2])
cid = b"asyncfn-probe"
# header: api_key=3 (Metadata), api_version=0, correlation_id=42, client_id
body = struct.pack(">hhih", 3, 0, 42, len(cid)) + cid + struct.pack(">i", 0)
s = socket.create_connection((host, port), timeout=3)
s.settimeout(3)
s.sendall(struct.pack(">i", len(body)) + body)
def read(n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise SystemExit(1)
        buf += chunk
    return buf
size = struct.unpack(">i", read(4))[0]
resp = read(size)
corr, nbrokers = struct.unpack(">ii", resp[:8])
sys.exit(0 if corr == 42 and nbrokers >= 1 else 1)
PY
}

# mongo_ping HOST PORT [URL_FILE] -> 0 when a MongoDB-wire server answers
# {ping: 1} (OP_MSG) with ok: 1, after a SASL PLAIN login with the user and
# password of the mongodb:// URL in URL_FILE (when given and readable; how
# FerretDB 1.x passes them to PostgreSQL). Python stdlib only, no driver.
mongo_ping() {
  local host="$1" port="$2" url_file="${3:-}"
  have python3 || return 2
  timeout 5 python3 - "$host" "$port" "$url_file" > /dev/null 2>&1 << 'PY'
import os, socket, struct, sys, urllib.parse
host, port, url_file = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def cstr(s): return s.encode() + b"\x00"
def bstr(name, value):
    v = value.encode() + b"\x00"
    return b"\x02" + cstr(name) + struct.pack("<i", len(v)) + v
def doc(elems): return struct.pack("<i", 4 + len(elems) + 1) + elems + b"\x00"
s = socket.create_connection((host, port), timeout=3)
s.settimeout(3)
def read(n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise SystemExit(1)
        buf += chunk
    return buf
def command(req_id, elems):
    body = struct.pack("<I", 0) + b"\x00" + doc(elems)                 # flagBits, section kind 0
    s.sendall(struct.pack("<iiii", 16 + len(body), req_id, 0, 2013) + body)  # OP_MSG
    length, _, response_to, opcode = struct.unpack("<iiii", read(16))
    rest = read(length - 16)
    if response_to != req_id or opcode != 2013:
        sys.exit(1)
    reply = rest[5:]  # skip flagBits + section kind
    i = reply.find(b"ok\x00")
    if i < 1:
        sys.exit(1)
    t, v = reply[i - 1], reply[i + 3:]
    if t == 0x01:
        ok = struct.unpack("<d", v[:8])[0]
    elif t == 0x10:
        ok = struct.unpack("<i", v[:4])[0]
    elif t == 0x12:
        ok = struct.unpack("<q", v[:8])[0]
    else:
        sys.exit(1)
    if ok != 1:
        sys.exit(1)
if url_file and os.access(url_file, os.R_OK):
    url = urllib.parse.urlsplit(open(url_file).read().strip())
    user, password = urllib.parse.unquote(url.username or ""), urllib.parse.unquote(url.password or "")
    payload = b"\x00" + user.encode() + b"\x00" + password.encode()
    sasl = b"\x10" + cstr("saslStart") + struct.pack("<i", 1) + bstr("mechanism", "PLAIN") \
        + b"\x05" + cstr("payload") + struct.pack("<i", len(payload)) + b"\x00" + payload \
        + bstr("$db", "$external")
    command(6, sasl)
command(7, b"\x10" + cstr("ping") + struct.pack("<i", 1) + bstr("$db", "admin"))
PY
}

# ---------------------------------------------------------------------------
# Waits (every one bounded)
# ---------------------------------------------------------------------------
# wait_for CHECK_FN TIMEOUT_S PID [args...] -> 0 when CHECK_FN args succeeds;
# 1 on timeout; 2 when PID (if non-empty) dies first.
wait_for() {
  local fn="$1" timeout_s="$2" pid="$3"
  shift 3
  local deadline=$((SECONDS + timeout_s))
  while ((SECONDS < deadline)); do
    if "$fn" "$@"; then
      return 0
    fi
    if [[ -n "$pid" ]] && ! pid_running "$pid"; then
      return 2
    fi
    sleep 0.5
  done
  "$fn" "$@"
}

wait_for_http() { wait_for http_ok "$2" "${3:-}" "$1"; }        # URL TIMEOUT [PID]
wait_for_tcp() { wait_for tcp_open "$3" "${4:-}" "$1" "$2"; }   # HOST PORT TIMEOUT [PID]

# ---------------------------------------------------------------------------
# Pid files / process groups
# ---------------------------------------------------------------------------
pid_file() { printf '%s' "$RUN_DIR/$1.pid"; }
log_file() { printf '%s' "$LOG_DIR/$1.log"; }

# A word that must appear in the process's command line (guards against
# pid reuse after a reboot or crash).
server_marker() {
  case "$1" in
    nats) printf '%s' "nats-server" ;;
    mongo) printf '%s' "ferretdb" ;;
    kafka) printf '%s' "kafka.Kafka" ;;
    jaeger) printf '%s' "jaeger" ;;
  esac
}

# pid_running PID -> 0 when PID exists and is not a zombie.
pid_running() {
  local pid="$1" stat
  kill -0 "$pid" 2> /dev/null || return 1
  stat="$(cat "/proc/$pid/stat" 2> /dev/null)" || return 0
  stat="${stat##*) }"
  [[ "${stat:0:1}" != "Z" ]]
}

# group_alive PGID -> 0 when any live (non-zombie) process is in group PGID.
group_alive() {
  local pgid="$1" f stat rest st pg
  for f in /proc/[0-9]*/stat; do
    stat="$(cat "$f" 2> /dev/null)" || continue
    rest="${stat##*) }"
    # rest: state ppid pgrp ...
    read -r st _ pg _ <<< "$rest"
    if [[ "$pg" == "$pgid" && "$st" != "Z" ]]; then
      return 0
    fi
  done
  return 1
}

# server_pid NAME -> prints the live pid from the pid file, or nothing.
server_pid() {
  local name="$1" pf pid
  pf="$(pid_file "$name")"
  [[ -f "$pf" ]] || return 0
  pid="$(tr -dc '0-9' < "$pf")"
  [[ -n "$pid" ]] || return 0
  pid_running "$pid" || return 0
  if [[ -r "/proc/$pid/cmdline" ]] &&
    ! tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qF -- "$(server_marker "$name")"; then
    return 0
  fi
  printf '%s' "$pid"
}

# rotate_log NAME -> keeps the previous run's log as <name>.log.1.
rotate_log() {
  local log
  log="$(log_file "$1")"
  if [[ -f "$log" ]]; then
    mv -f "$log" "$log.1"
  fi
}

# clean_env -> CLEAN_ENV: the only variables a server is started with (env -i
# "${CLEAN_ENV[@]}" ...): PATH, HOME, LANG, TZ, and JAVA_HOME if set.
clean_env() {
  CLEAN_ENV=("PATH=${PATH:-/usr/bin:/bin}" "HOME=${HOME:-/}" LANG=C.UTF-8 TZ=UTC)
  if [[ -n "${JAVA_HOME:-}" ]]; then CLEAN_ENV+=("JAVA_HOME=$JAVA_HOME"); fi
}

# launch NAME CMD... -> starts CMD in its own session/process group, detached,
# stdout+stderr appended to the server's log; the pid file holds the pid
# (== pgid).
launch() {
  local name="$1"
  shift
  local pf log
  pf="$(pid_file "$name")"
  log="$(log_file "$name")"
  rm -f "$pf"
  # setsid makes the child a session + process-group leader; bash writes
  # its own pid (kept by exec) before becoming the server.
  # env -i: a server's environment holds nothing of ours (no service secrets).
  clean_env
  # shellcheck disable=SC2016  # expanded by the inner bash
  setsid env -i "${CLEAN_ENV[@]}" bash -c 'echo "$$" > "$1"; shift; exec "$@"' _ "$pf" "$@" \
    < /dev/null >> "$log" 2>&1 &
  disown "$!" 2> /dev/null || true # no "Killed" job notices from this shell
  local _
  for _ in $(seq 1 50); do
    [[ -s "$pf" ]] && break
    sleep 0.1
  done
  [[ -s "$pf" ]] || return 1
  return 0
}

# kill_group PID -> TERM the process group, wait up to STOP_TIMEOUT (10 s),
# then KILL it. Also signals the pid itself in case it left its group.
kill_group() {
  local pid="$1" timeout_s="${STOP_TIMEOUT:-10}"
  kill -TERM -- "-$pid" 2> /dev/null || true
  kill -TERM "$pid" 2> /dev/null || true
  local deadline=$((SECONDS + timeout_s))
  while ((SECONDS < deadline)); do
    if ! pid_running "$pid" && ! group_alive "$pid"; then
      return 0
    fi
    sleep 0.2
  done
  kill -KILL -- "-$pid" 2> /dev/null || true
  kill -KILL "$pid" 2> /dev/null || true
  sleep 0.2
  return 0
}

# log_tail NAME [LOGFILE] -> the last 20 lines of the server's (or LOGFILE's) log.
log_tail() {
  local log="${2:-}"
  [[ -n "$log" ]] || log="$(log_file "$1")"
  if [[ -f "$log" ]]; then
    warn "----- last 20 lines of $log -----"
    tail -n 20 "$log" >&2 || true
    warn "-----"
  fi
}
