#!/usr/bin/env bash
# The whole test suite, on real PostgreSQL and Redis (provided here if the machine lacks them):
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
ensure_graphviz

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

say "pytest on PostgreSQL ($DATABASE_URL) and Redis ($REDIS_URL)"
"$VENV/bin/pytest" --create-db "$@"
