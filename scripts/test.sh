#!/usr/bin/env bash
# The whole test suite, on real PostgreSQL (and a streaming replica of it), Redis and Neo4j
# (provided here if the machine lacks them; Neo4j Community from Maven Central and the replica
# are stopped when this script ends):
# lint, type check, migration checks, schema and deploy checks, then pytest in a random order
# (pytest-randomly prints the seed; `--randomly-seed=N` repeats an order). Extra arguments go to
# pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

export DATABASE_URL=${TEST_DATABASE_URL:-postgres://postgres:postgres@127.0.0.1:5432/campus}
export REDIS_URL=${TEST_REDIS_URL:-redis://127.0.0.1:6379/1}
export DJANGO_SETTINGS_MODULE=config.settings.test

ensure_venv
ensure_postgres "$DATABASE_URL"
ensure_redis "$REDIS_URL"
# The graph tests' Neo4j: TEST_NEO4J_BOLT_URL if given, else a fresh local one for this run.
# The site's graph in the tests is the SQL backend; graph tests switch to this one.
if [ -z "${TEST_NEO4J_BOLT_URL:-}" ]; then
  rm -rf .neo4j/test
  unset NEO4J_BOLT_URL
  ensure_neo4j test
  trap stop_neo4j EXIT
  TEST_NEO4J_BOLT_URL=${NEO4J_BOLT_URL:-}
fi
export TEST_NEO4J_BOLT_URL
unset NEO4J_BOLT_URL
# The replica tests' standby: TEST_DATABASE_REPLICA_URL if given, else a fresh streaming replica
# of the test primary for this run, on TEST_REPLICA_PORT (dropped with its slot at the end).
if [ -z "${TEST_DATABASE_REPLICA_URL:-}" ]; then
  ensure_replica test "$DATABASE_URL" "${TEST_REPLICA_PORT:-5433}"
  TEST_DATABASE_REPLICA_URL=${DATABASE_REPLICA_URL:-}
  TEST_DATABASE_REPLICA_PGDATA=${REPLICA_PGDATA:-}
fi
export TEST_DATABASE_REPLICA_URL TEST_DATABASE_REPLICA_PGDATA
unset DATABASE_REPLICA_URL
stop_stores() { stop_neo4j; stop_replica; }
trap stop_stores EXIT
ensure_graphviz
ensure_chromium

say "ruff"
"$VENV/bin/ruff" check .
"$VENV/bin/ruff" format --check .

say "mypy (the packages listed in pyproject.toml's [tool.mypy] files)"
"$VENV/bin/mypy"

say "import-linter: the apps' dependency order (pyproject.toml [tool.importlinter])"
"$VENV/bin/lint-imports"

say "migrations are complete and safe"
"$PY" manage.py makemigrations --check --dry-run
"$PY" manage.py lintmigrations --quiet ok

say "OpenAPI schema is valid and warning-free"
"$PY" manage.py spectacular --validate --fail-on-warn --file /dev/null

say "production settings pass check --deploy"
DJANGO_SETTINGS_MODULE=config.settings.production \
  DJANGO_SECRET_KEY="ci-$(head -c 48 /dev/urandom | base64 | tr -d '/+=')" \
  DJANGO_ALLOWED_HOSTS=campus.example \
  "$PY" manage.py check --deploy --fail-level WARNING

# The production image installs requirements.txt alone: in a virtualenv built from it (rebuilt
# from scratch whenever the lock's hash changes, reused otherwise), migrate an empty, throwaway
# database and run check --deploy, so a migration importing a development package fails here.
say "production lock alone: migrate and check --deploy on an empty database"
PROD_VENV=.venv-prod
prod_lock=$(sha256sum requirements.txt | cut -d' ' -f1)
if [ "$(cat "$PROD_VENV/.requirements.sha" 2>/dev/null)" != "$prod_lock" ]; then
  rm -rf "$PROD_VENV"
  python3 -m venv "$PROD_VENV"
  "$PROD_VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    --require-hashes --only-binary :all: -r requirements.txt
  echo "$prod_lock" > "$PROD_VENV/.requirements.sha"
fi
PROD_DATABASE_URL="${DATABASE_URL%%\?*}_prod_$$"
drop_prod_database() {
  "$PY" - "$PROD_DATABASE_URL" <<'PYEOF'
import sys, psycopg
url = sys.argv[1]
with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
    conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}"')
PYEOF
}
create_database "$PROD_DATABASE_URL"
trap 'drop_prod_database; stop_stores' EXIT
for command in "migrate --no-input --verbosity 0" "check --deploy --fail-level WARNING"; do
  # shellcheck disable=SC2086  # the command's words are meant to split
  env DATABASE_URL="$PROD_DATABASE_URL" \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    DJANGO_SECRET_KEY="ci-$(head -c 48 /dev/urandom | base64 | tr -d '/+=')" \
    DJANGO_ALLOWED_HOSTS=campus.example \
    "$PROD_VENV/bin/python" manage.py $command
done
drop_prod_database
trap stop_stores EXIT

say "pytest on PostgreSQL ($DATABASE_URL, replica ${TEST_DATABASE_REPLICA_URL#*@}), Redis ($REDIS_URL) and Neo4j (${TEST_NEO4J_BOLT_URL#*@})"
"$VENV/bin/pytest" --create-db "$@"
