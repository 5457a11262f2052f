# Shared by scripts/run.sh and scripts/test.sh: the virtualenv and the local stores.
# Each ensure_* uses what already answers, else starts it, else installs it from Debian packages.
# The scripts run under `set -e`: a step that may fail is written `step || true` and its effect
# checked afterwards, so every failure ends in a `die` that says what is missing.

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf '\033[31mFAIL: %s\033[0m\n' "$*" >&2; exit 1; }

VENV=${VENV:-.venv}
PY="$VENV/bin/python"

# Installs the development lock (every package pinned and hashed, wheels only, so nothing is built
# from source and pip never needs unhashed build tools); again whenever a lock file changes.
# On a terminal pip shows what it collects and its progress bars; in a log (CI) only its warnings.
ensure_venv() {
  local stamp="$VENV/.requirements.sha"
  local want packages quiet=(--quiet)
  want=$(cat requirements.txt requirements-dev.txt | sha256sum | cut -d' ' -f1)
  if [ ! -x "$PY" ]; then
    say "creating the virtualenv $VENV"
    python3 -m venv "$VENV"
  fi
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    packages=$(grep -c '==' requirements-dev.txt)
    say "installing requirements-dev.txt into $VENV ($packages packages; a minute on a fresh machine)"
    if [ -t 1 ]; then quiet=(); fi
    "$PY" -m pip install "${quiet[@]}" --disable-pip-version-check \
      --require-hashes --only-binary :all: -r requirements-dev.txt
    echo "$want" > "$stamp"
  fi
}

APT_UPDATED=""
apt_install() {
  command -v apt-get >/dev/null || return 1
  [ "$(id -u)" = 0 ] || { say "not root: cannot apt-get install $*"; return 1; }
  if [ -z "$APT_UPDATED" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null && APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

create_database() {
  "$PY" - "$1" <<'PYEOF'
import sys, psycopg
url = sys.argv[1]
name = url.rsplit("/", 1)[1].split("?")[0]
with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
    if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
        conn.execute(f'CREATE DATABASE "{name}"')
PYEOF
}

postgres_answers() {
  "$PY" - "$1" <<'PYEOF' >/dev/null 2>&1
import sys, psycopg
url = sys.argv[1].rsplit("/", 1)[0] + "/postgres"
psycopg.connect(url, connect_timeout=2).close()
PYEOF
}

start_postgres_cluster() {
  local version
  version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
  [ -n "$version" ] || return 1
  pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || true
  sleep 2
  # A fresh Debian cluster refuses password logins until the role has one.
  runuser -u postgres -- psql -qc "ALTER USER postgres PASSWORD 'postgres'" >/dev/null 2>&1 || true
}

ensure_postgres() {
  local url=$1
  postgres_answers "$url" && create_database "$url" && return 0
  say "PostgreSQL does not answer at $url: starting it"
  start_postgres_cluster || true
  postgres_answers "$url" && create_database "$url" && return 0
  say "installing PostgreSQL from Debian packages"
  { apt_install postgresql && start_postgres_cluster; } || true
  postgres_answers "$url" && create_database "$url" && return 0
  die "PostgreSQL is needed at $url and could neither be reached, started nor installed"
}

redis_answers() {
  "$PY" -c "import redis, sys; redis.Redis.from_url(sys.argv[1], socket_timeout=2).ping()" \
    "$1" >/dev/null 2>&1
}

start_redis() {
  command -v redis-server >/dev/null || return 1
  mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/campus.log >/dev/null
  sleep 1
}

ensure_redis() {
  local url=$1
  redis_answers "$url" && return 0
  say "Redis does not answer at $url: starting it"
  start_redis || true
  redis_answers "$url" && return 0
  say "installing Redis from Debian packages"
  { apt_install redis-server && start_redis; } || true
  redis_answers "$url" && return 0
  die "Redis is needed at $url and could neither be reached, started nor installed"
}

ensure_graphviz() {
  command -v dot >/dev/null && return 0
  say "installing graphviz from Debian packages"
  { apt_install graphviz && command -v dot >/dev/null; } && return 0
  if [ "${CI:-}" = "true" ]; then die "graphviz's dot is needed in CI and could not be installed"; fi
  say "graphviz's dot is missing: pictures fall back to DOT text"
}

# Debian's chromium and the chromium-driver of the same source and version (the end-to-end tests
# and scripts/screenshots.sh drive it through Selenium; nothing downloads a browser).
ensure_chromium() {
  command -v chromium >/dev/null && command -v chromedriver >/dev/null && return 0
  say "installing chromium and chromium-driver from Debian packages"
  { apt_install chromium chromium-driver \
      && command -v chromium >/dev/null && command -v chromedriver >/dev/null; } && return 0
  if [ "${CI:-}" = "true" ]; then
    die "chromium and chromium-driver are needed in CI (end-to-end tests) and could not be installed"
  fi
  say "chromium or chromium-driver is missing: the end-to-end tests (-m e2e) will be skipped"
}

# Java 17 and Maven for the local Neo4j (scripts/neo4j), from Debian packages when missing.
ensure_java() {
  command -v java >/dev/null && command -v mvn >/dev/null && return 0
  say "installing Java 17 and Maven from Debian packages"
  apt_install openjdk-17-jdk-headless maven || true
  command -v java >/dev/null && command -v mvn >/dev/null
}

NEO4J_LAUNCHER=scripts/neo4j
# Compiles the launcher and resolves Neo4j Community from Maven Central into ~/.m2, again
# whenever its pom or source changes; the classpath is written to target/classpath.txt.
build_neo4j_launcher() {
  local stamp="$NEO4J_LAUNCHER/target/.sources.sha" want
  want=$(cat "$NEO4J_LAUNCHER/pom.xml" "$NEO4J_LAUNCHER"/src/main/java/campus/*.java | sha256sum | cut -d' ' -f1)
  [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] && return 0
  say "building the local Neo4j launcher (Neo4j Community from Maven Central; a minute the first time)"
  mvn -q -B -f "$NEO4J_LAUNCHER/pom.xml" compile dependency:build-classpath \
    -Dmdep.outputFile=target/classpath.txt >/dev/null || return 1
  echo "$want" > "$stamp"
}

# start_neo4j NAME [PORT]: Neo4j Community on 127.0.0.1 (PORT, or a free one), its store under
# .neo4j/NAME (git-ignored), its log in .neo4j/NAME.log. It stops when the calling script exits.
# Exports NEO4J_BOLT_URL once Bolt answers. The harness runs without authentication, so any
# user and password in the URL are accepted; docker-compose's server checks them.
start_neo4j() {
  local name=$1 port=${2:-0} folder=".neo4j/$1" waited=0 url
  mkdir -p "$folder"
  rm -f "$folder/bolt.url"
  java -Xms256m -Xmx"${NEO4J_HEAP:-1g}" -XX:+UseG1GC \
    -cp "$NEO4J_LAUNCHER/target/classes:$(cat "$NEO4J_LAUNCHER/target/classpath.txt")" \
    campus.LocalNeo4j "$folder" "$port" >".neo4j/$name.log" 2>&1 &
  NEO4J_PID=$!
  until [ -s "$folder/bolt.url" ]; do
    kill -0 "$NEO4J_PID" 2>/dev/null || { tail -n 20 ".neo4j/$name.log" >&2; return 1; }
    [ "$waited" -lt 240 ] || { kill "$NEO4J_PID"; return 1; }
    sleep 0.5
    waited=$((waited + 1))
  done
  url=$(cat "$folder/bolt.url")
  export NEO4J_BOLT_URL="bolt://neo4j:${NEO4J_PASSWORD:-campus-graph}@${url#bolt://}"
}

stop_neo4j() {
  [ -n "${NEO4J_PID:-}" ] || return 0
  kill "$NEO4J_PID" 2>/dev/null || true
  wait "$NEO4J_PID" 2>/dev/null || true
  NEO4J_PID=""
}

# ensure_neo4j NAME [PORT]: Java and Maven, the launcher, then start_neo4j; under CI=true a
# failure stops the script, elsewhere the graph tests skip and say why.
ensure_neo4j() {
  if ensure_java && build_neo4j_launcher && start_neo4j "$@"; then
    say "Neo4j Community answers at ${NEO4J_BOLT_URL#*@} (log: .neo4j/$1.log)"
    return 0
  fi
  if [ "${CI:-}" = "true" ]; then die "Neo4j is needed in CI and could not be built or started"; fi
  say "Neo4j could not be started: the tests that need it will be skipped"
}

# --- The read replica: a hot standby streaming from the primary (DATABASE_REPLICA_URL) --------
# A second PostgreSQL cluster on this machine, made by pg_basebackup -R from the primary through
# a replication slot of its own, run as the postgres OS user on PORT. Its data lives under
# REPLICA_ROOT (/var/lib/postgresql/campus-replicas/NAME-PORT), not in the checkout: the
# postgres user must reach it whatever the checkout's folder allows. The primary needs no restart: wal_level=replica, max_wal_senders and
# Debian's `host replication` line are its defaults; the role is made here.
PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
REPLICA_ROLE=campus_replicator
REPLICA_PASSWORD=${REPLICA_PASSWORD:-campus-replica}

# reset_replication PRIMARY_URL SLOT: the replication role exists; slot SLOT does not unless a
# standby reads it (pg_basebackup -C makes it afresh; a slot nobody reads keeps WAL forever).
reset_replication() {
  "$PY" - "$1" "$2" "$REPLICA_ROLE" "$REPLICA_PASSWORD" <<'PYEOF'
import sys, psycopg
url, slot, role, password = sys.argv[1:]
with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
    if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role]).fetchone():
        conn.execute(f"CREATE ROLE {role} WITH REPLICATION LOGIN PASSWORD '{password}'")
    conn.execute(
        "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
        " WHERE slot_name = %s AND NOT active", [slot])
PYEOF
}

# replica_url PRIMARY_URL PORT: the primary's URL (same user, password, database) on the replica.
replica_url() {
  "$PY" - "$1" "$2" <<'PYEOF'
import sys
from urllib.parse import urlsplit
url = urlsplit(sys.argv[1])
credentials = url.netloc.rsplit("@", 1)[0]
print(url._replace(netloc=f"{credentials}@127.0.0.1:{sys.argv[2]}").geturl())
PYEOF
}

replica_answers() {
  "$PY" - "$1" <<'PYEOF' >/dev/null 2>&1
import sys, psycopg
with psycopg.connect(sys.argv[1], connect_timeout=2) as conn:
    assert conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]
PYEOF
}

# start_replica NAME PRIMARY_URL PORT: a fresh standby of the primary on 127.0.0.1:PORT; exports
# DATABASE_REPLICA_URL and REPLICA_PGDATA once it answers in recovery. stop_replica ends it.
start_replica() {
  local name=$1 primary=$2 port=$3 host pport waited=0
  local folder="${REPLICA_ROOT:-/var/lib/postgresql/campus-replicas}/$1-$3"
  REPLICA_SLOT="campus_${name}_${port}"
  [ -x "$PG_BIN/pg_basebackup" ] && [ "$(id -u)" = 0 ] || return 1
  host=$("$PY" -c 'import sys; from urllib.parse import urlsplit as u; print(u(sys.argv[1]).hostname or "127.0.0.1")' "$primary")
  pport=$("$PY" -c 'import sys; from urllib.parse import urlsplit as u; print(u(sys.argv[1]).port or 5432)' "$primary")
  stop_replica_at "$folder/data"
  reset_replication "$primary" "$REPLICA_SLOT" || return 1
  rm -rf "$folder"
  mkdir -p "$folder"
  chown postgres "$folder" "$(dirname "$folder")"
  # -c fast: a checkpoint now, not the next spread one (minutes on an idle primary).
  runuser -u postgres -- env PGPASSWORD="$REPLICA_PASSWORD" "$PG_BIN/pg_basebackup" \
    -h "$host" -p "$pport" -U "$REPLICA_ROLE" -D "$folder/data" -R -X stream \
    -S "$REPLICA_SLOT" -C -c fast >"$folder/basebackup.log" 2>&1 || { cat "$folder/basebackup.log" >&2; return 1; }
  # Debian keeps the primary's configuration outside its data directory: the standby's own.
  cat >"$folder/data/postgresql.conf" <<CONF
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$folder'
hot_standby = on
hot_standby_feedback = on
max_connections = 100
shared_buffers = 128MB
CONF
  printf '%s\n' "local all postgres peer" "host all all 127.0.0.1/32 scram-sha-256" \
    >"$folder/data/pg_hba.conf"
  chown postgres "$folder/data/postgresql.conf" "$folder/data/pg_hba.conf"
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$folder/data" -l "$folder/postgres.log" -w -t 60 \
    start >/dev/null || { tail -n 20 "$folder/postgres.log" >&2; return 1; }
  export DATABASE_REPLICA_URL REPLICA_PGDATA="$folder/data"
  DATABASE_REPLICA_URL=$(replica_url "$primary" "$port")
  REPLICA_PRIMARY_URL=$primary
  until replica_answers "$DATABASE_REPLICA_URL"; do
    [ "$waited" -lt 60 ] || return 1
    sleep 0.5
    waited=$((waited + 1))
  done
}

stop_replica_at() {
  [ -f "$1/postmaster.pid" ] || return 0
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$1" -m immediate -w stop >/dev/null 2>&1 || true
}

# Stops the standby and drops its slot: a slot nobody reads would keep the primary's WAL forever.
stop_replica() {
  [ -n "${REPLICA_PGDATA:-}" ] || return 0
  stop_replica_at "$REPLICA_PGDATA"
  reset_replication "$REPLICA_PRIMARY_URL" "$REPLICA_SLOT" || true
  REPLICA_PGDATA=""
}

# ensure_replica NAME PRIMARY_URL PORT: start_replica; under CI=true a failure stops the script,
# elsewhere the replica tests skip and say why.
ensure_replica() {
  if start_replica "$@"; then
    say "PostgreSQL replica streams from the primary at ${DATABASE_REPLICA_URL#*@} (log: ${REPLICA_PGDATA%/data}/postgres.log)"
    return 0
  fi
  if [ "${CI:-}" = "true" ]; then die "the PostgreSQL replica is needed in CI and could not be started"; fi
  say "the PostgreSQL replica could not be started: the tests that need it will be skipped"
}
