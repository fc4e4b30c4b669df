#!/usr/bin/env bash
# Install pinned local servers into ${ASYNCFN_CACHE:-$HOME/.cache/asyncfn}, and the
# function sandbox's Debian packages (bubblewrap, passt, util-linux; see need_sandbox).
#
#   deploy/local/install.sh [nats|mongo|kafka|jaeger ...]   (default: all)
#
# Idempotent: a stamp file per server (stamps/<server>.version) records the
# installed pinned version; a matching stamp means "already present".
# Go servers are built from the Go module proxy; Kafka jars come from Maven
# Central via mvn; mongo is FerretDB (Go) on PostgreSQL from Debian's packages
# (apt-get install postgresql, skipped when already installed; its major
# version is recorded in the mongo stamp). The Kafka download runs in parallel
# with the Go builds.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$HERE/lib.sh"

# Go builds: reproducible, static, independent of any go.work around us.
export CGO_ENABLED=0 GOFLAGS=-trimpath GOWORK=off

# ---------------------------------------------------------------------------
# Prerequisites
# ---------------------------------------------------------------------------
apt_install() {
  if [[ "$(id -u)" == 0 ]] && have apt-get; then
    warn "installing Debian packages: $*"
    # Lock timeout: the kafka install may run apt at the same time.
    local apt=(apt-get -o DPkg::Lock::Timeout=300 -y -q --no-install-recommends)
    DEBIAN_FRONTEND=noninteractive "${apt[@]}" install "$@" > /dev/null ||
      { apt-get -o DPkg::Lock::Timeout=300 update -q > /dev/null &&
        DEBIAN_FRONTEND=noninteractive "${apt[@]}" install "$@" > /dev/null; }
  else
    return 1
  fi
}

# The function sandbox (docs/security.md): bubblewrap, pasta (Debian's passt) and util-linux's
# setpriv and nsenter. pasta, running as a sandbox's uid, opens /dev/net/tun in the namespace it
# makes: Debian's udev rule gives it mode 0666, some VMs' /dev has 0600. The executor refuses to
# start without these (ASYNCFN_SANDBOX=none turns the sandbox off, for development only).
need_sandbox() {
  local missing=()
  have bwrap || missing+=(bubblewrap)
  have pasta || missing+=(passt)
  { have setpriv && have nsenter; } || missing+=(util-linux)
  if ((${#missing[@]} > 0)); then
    apt_install "${missing[@]}" || die "the function sandbox needs Debian packages: apt-get install ${missing[*]}"
  fi
  if [[ -c /dev/net/tun && "$(stat -c %a /dev/net/tun)" != 666 ]]; then
    if [[ "$(id -u)" == 0 ]]; then
      chmod 0666 /dev/net/tun
    else
      warn "the function sandbox needs /dev/net/tun mode 0666: sudo chmod 0666 /dev/net/tun"
    fi
  fi
}

need_go() {
  if ! have go && [[ -x /usr/local/go/bin/go ]]; then
    PATH="/usr/local/go/bin:$PATH"
  fi
  have go || die "go is required to build nats/mongo/jaeger (Go >= 1.24; not found on PATH)"
}

# PostgreSQL server binaries (initdb, pg_ctl, postgres, psql, pg_isready)
# from Debian's packages. Only the binaries are used: servers.sh runs a
# private cluster under the cache, not the package's default cluster.
need_postgresql() {
  # servers.sh grants the postgres user traversal of the cache path (under
  # /root, mode 0700) with an ACL when it can, else with o+x; setfacl is in
  # the acl package.
  have setfacl || apt_install acl || true
  [[ -n "$(pg_bindir)" ]] && return 0
  local before=""
  have pg_lsclusters && before="$(pg_lsclusters -h 2> /dev/null | awk '$4 == "online" {print $1 "/" $2}')"
  apt_install postgresql || die "PostgreSQL is required for mongo (FerretDB's backend): apt-get install postgresql"
  [[ -n "$(pg_bindir)" ]] || die "postgresql installed, but no /usr/lib/postgresql/*/bin/initdb"
  # The package creates (and may start) a default cluster on port 5432. We
  # don't use it: stop it if our install started it, to free its memory.
  if have pg_lsclusters; then
    local c
    for c in $(pg_lsclusters -h 2> /dev/null | awk '$4 == "online" {print $1 "/" $2}'); do
      [[ " $before " == *" $c "* ]] && continue
      warn "stopping the package's default PostgreSQL cluster $c (not used by asyncfn)"
      pg_ctlcluster "${c%/*}" "${c#*/}" stop > /dev/null 2>&1 || true
    done
  fi
}

need_java_maven() {
  if ! have java; then
    apt_install openjdk-17-jre-headless || die "java (>= 17) is required for kafka"
  fi
  if ! have mvn; then
    apt_install maven || die "mvn is required to fetch the kafka jars"
  fi
}

# ---------------------------------------------------------------------------
# Builders (each writes to a temp dir under the cache, then moves into place)
# ---------------------------------------------------------------------------
new_tmp() { mktemp -d "$CACHE/tmp.$1.XXXXXX"; }

# module_src MODULE VERSION DEST -> a writable copy of the module's source,
# fetched through the Go module proxy (avoids `go install`'s refusal of
# modules whose go.mod has replace directives).
module_src() {
  local module="$1" version="$2" dest="$3" dir
  dir="$(cd "$(dirname "$dest")" && go mod download -json "$module@$version" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
  [[ -n "$dir" && -d "$dir" ]] || die "go mod download $module@$version gave no source dir"
  cp -R "$dir" "$dest"
  chmod -R u+w "$dest"
}

build_nats() {
  need_go
  local tmp
  tmp="$(new_tmp nats)"
  (cd "$tmp" && GOBIN="$tmp/bin" go install "github.com/nats-io/nats-server/v2@${NATS_VERSION}")
  mv -f "$tmp/bin/nats-server" "$BIN_DIR/nats-server"
  rm -rf "$tmp"
}

build_mongo() {
  need_postgresql
  say "postgresql: $(pg_major "$(pg_bindir)") ($(pg_bindir))"
  # The FerretDB binary does not depend on PostgreSQL's version: keep a built
  # one of the pinned version and patch (e.g. when only the PostgreSQL part of
  # the stamp changed).
  local pkg="module-proxy+$FERRETDB_PATCH" have_version=""
  if [[ -x "$BIN_DIR/ferretdb" ]]; then
    have_version="$("$BIN_DIR/ferretdb" --version 2> /dev/null || true)"
  fi
  if grep -qx "version: $FERRETDB_VERSION" <<< "$have_version" &&
    grep -qx "package: $pkg" <<< "$have_version"; then
    say "ferretdb $FERRETDB_VERSION ($pkg) already built: $BIN_DIR/ferretdb"
    return 0
  fi
  need_go
  have patch || apt_install patch || die "patch is required to build ferretdb"
  local tmp
  tmp="$(new_tmp mongo)"
  module_src github.com/FerretDB/FerretDB "$FERRETDB_VERSION" "$tmp/src"
  # Fix for a pool deadlock of the PostgreSQL backend (see the patch's header).
  patch -d "$tmp/src" -p1 --forward --batch --quiet < "$HERE/ferretdb-$FERRETDB_VERSION-pg-pool.patch" ||
    die "ferretdb-$FERRETDB_VERSION-pg-pool.patch does not apply"
  # The module zip lacks build/version/version.txt; without it the binary
  # panics at startup ("Invalid build/version/version.txt file content").
  printf '%s\n' "$FERRETDB_VERSION" > "$tmp/src/build/version/version.txt"
  printf '%s\n' "$pkg" > "$tmp/src/build/version/package.txt"
  # Default build tags include the postgresql handler (and sqlite); no extra
  # tags are needed.
  (cd "$tmp/src" && go build -buildvcs=false -o "$tmp/ferretdb" ./cmd/ferretdb)
  mv -f "$tmp/ferretdb" "$BIN_DIR/ferretdb"
  chmod -R u+w "$tmp" 2> /dev/null || true
  rm -rf "$tmp"
}

build_jaeger() {
  need_go
  local tmp
  tmp="$(new_tmp jaeger)"
  # go.mod has a replace directive (sarama), so `go install` refuses.
  module_src github.com/jaegertracing/jaeger "$JAEGER_MODULE_VERSION" "$tmp/src"
  local vpkg=github.com/jaegertracing/jaeger/internal/version
  (cd "$tmp/src" && go build -buildvcs=false \
    -ldflags "-X ${vpkg}.latestVersion=${JAEGER_VERSION}" \
    -o "$tmp/jaeger" ./cmd/jaeger)
  mv -f "$tmp/jaeger" "$BIN_DIR/jaeger"
  chmod -R u+w "$tmp" 2> /dev/null || true
  rm -rf "$tmp"
}

build_kafka() {
  need_java_maven
  local tmp
  tmp="$(new_tmp kafka)"
  cat > "$tmp/pom.xml" << EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.asyncfn</groupId>
  <artifactId>kafka-runtime</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <!-- broker + controller (kafka.Kafka, kafka.tools.StorageTool, ConsoleProducer) -->
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_${KAFKA_SCALA}</artifactId>
      <version>${KAFKA_VERSION}</version>
    </dependency>
    <!-- CLI tools (TopicCommand, ConsoleConsumer, MetadataQuorumCommand) -->
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka-tools</artifactId>
      <version>${KAFKA_VERSION}</version>
      <exclusions>
        <exclusion><groupId>org.apache.kafka</groupId><artifactId>connect-runtime</artifactId></exclusion>
      </exclusions>
    </dependency>
    <!-- logging binding (kafka 3.x logs through slf4j 1.7 + reload4j) -->
    <dependency>
      <groupId>org.slf4j</groupId>
      <artifactId>slf4j-reload4j</artifactId>
      <version>${SLF4J_VERSION}</version>
    </dependency>
  </dependencies>
</project>
EOF
  (cd "$tmp" && mvn -B -q -f pom.xml "${MAVEN_DEPENDENCY_PLUGIN}:copy-dependencies" \
    -DincludeScope=runtime -DoutputDirectory="$tmp/libs")
  [[ -f "$tmp/libs/kafka_${KAFKA_SCALA}-${KAFKA_VERSION}.jar" ]] || die "maven did not produce the kafka jar"
  cat > "$tmp/log4j.properties" << 'EOF'
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka=INFO
log4j.logger.org.apache.kafka=INFO
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.controller=INFO
log4j.logger.kafka.log.LogCleaner=INFO
log4j.logger.kafka.authorizer.logger=WARN
EOF
  rm -rf "$KAFKA_LIBS.old"
  [[ -d "$KAFKA_LIBS" ]] && mv "$KAFKA_LIBS" "$KAFKA_LIBS.old"
  mv "$tmp/libs" "$KAFKA_LIBS"
  mv -f "$tmp/log4j.properties" "$KAFKA_DIR/log4j.properties"
  rm -rf "$KAFKA_LIBS.old" "$tmp"
}

# ---------------------------------------------------------------------------
# install_one SERVER -> prints one result line; non-zero on failure.
# Serialised per server with flock so concurrent callers don't race.
# ---------------------------------------------------------------------------
install_one() {
  local s="$1" start=$SECONDS lock ilog
  lock="$RUN_DIR/install-$s.lock"
  ilog="$LOG_DIR/install-$s.log"
  (
    exec 9> "$lock"
    flock -w 1800 9 || die "$s: timed out waiting for install lock $lock"
    if is_installed "$s"; then
      say "$s: already present ($(server_version "$s")) in $((SECONDS - start))s"
      exit 0
    fi
    rm -f "$(stamp_file "$s")"
    # A fresh bash process, so `set -e` applies inside the build even though
    # this function runs in an `||` context (where bash ignores errexit).
    if ! bash "$HERE/install.sh" __build "$s" > "$ilog" 2>&1; then
      warn "$s: install of $(server_version "$s") FAILED after $((SECONDS - start))s; log: $ilog"
      tail -n 20 "$ilog" >&2 || true
      exit 1
    fi
    server_version "$s" > "$(stamp_file "$s")"
    say "$s: installed $(server_version "$s") in $((SECONDS - start))s"
  )
}

main() {
  # The sandbox's tools alone (servers.sh start checks them on every start: cheap when present).
  if [[ "${1:-}" == sandbox ]]; then
    need_sandbox
    return
  fi
  if [[ "${1:-}" == __build ]]; then
    valid_server "${2:-}" || die "__build: unknown server '${2:-}'"
    ensure_dirs
    "build_$2"
    return
  fi
  local servers=()
  servers_from_args servers "$@"
  need_sandbox
  ensure_dirs
  local rc=0 kafka_pid="" s
  # Kafka (network-bound maven download) runs alongside the Go builds,
  # which already use every core and so run one after another.
  for s in "${servers[@]}"; do
    if [[ "$s" == kafka ]]; then
      install_one kafka &
      kafka_pid=$!
    fi
  done
  for s in "${servers[@]}"; do
    [[ "$s" == kafka ]] && continue
    install_one "$s" || rc=1
  done
  if [[ -n "$kafka_pid" ]]; then
    wait "$kafka_pid" || rc=1
  fi
  return "$rc"
}

main "$@"
