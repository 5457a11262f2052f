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
