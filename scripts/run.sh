#!/usr/bin/env bash
# Run the app on its embedded defaults (SQLite, in-process cache, SQL graph) unless DATABASE_URL,
# REDIS_URL or NEO4J_BOLT_URL are set: venv, install, migrate, demo data, development server.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

ensure_venv
"$PY" manage.py migrate --no-input
"$PY" manage.py seed_demo --size small
say "serving on http://127.0.0.1:${PORT:-8000}/ (admin / ${DEMO_PASSWORD:-campus-demo})"
exec "$PY" manage.py runserver "127.0.0.1:${PORT:-8000}"
