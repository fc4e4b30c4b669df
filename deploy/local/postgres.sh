# shellcheck shell=bash
# PostgreSQL, FerretDB's backend: part of deploy/local/servers.sh (sourced by it, sharing its
# variables and helpers; not run on its own). One concept, the private cluster's whole life
# (init, authentication, start, stop), hence a little over ~300 lines.

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
  # The task store `postgresql` (ASYNCFN_TASK_STORE) keeps its tables here: a schema per namespace.
  if [[ "$(pg_psql "SELECT 1 FROM pg_database WHERE datname = '$PG_TASKS_DB'" 2>> "$PG_LOG")" != 1 ]] &&
    ! pg_psql "CREATE DATABASE $PG_TASKS_DB OWNER $PG_SERVICE_USER" >> "$PG_LOG" 2>&1; then
    PG_FAIL="could not create database $PG_TASKS_DB"
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

