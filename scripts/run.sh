#!/usr/bin/env bash
# Run the app on its embedded defaults (SQLite, in-process cache, SQL graph) unless DATABASE_URL,
# REDIS_URL or NEO4J_BOLT_URL are set: venv, install, migrate, demo data, development server.
# GRAPH=neo4j starts a local Neo4j Community (Bolt on 127.0.0.1:${NEO4J_PORT:-7687}, its store in
# .neo4j/run) and the graph worker beside the server; both stop with it. REPLICA=on (with
# DATABASE_URL on PostgreSQL) starts a streaming replica of it on 127.0.0.1:${REPLICA_PORT:-5433}
# (under /var/lib/postgresql/campus-replicas) and serves request reads from it; it stops with
# the server.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

PORT=${PORT:-8000}
BASE="http://127.0.0.1:$PORT"

# Where, what and who, printed once the server answers. Printed here rather than by Django, whose
# autoreloader runs the project's startup code in two processes.
banner() {
  local password
  # Asked of the settings, which may also read it from .env.
  password=$("$PY" manage.py shell --verbosity 0 \
    -c "from django.conf import settings; print(settings.DEMO_PASSWORD)")
  say "Campus is up"
  cat <<EOF
  home      $BASE/
  admin     $BASE/admin/
  API       $BASE/api/   (index of every app's routes)
  API docs  $BASE/api/docs/   (schema at $BASE/api/schema/)
  graph     $(graph_line)
  replica   $(replica_line)

  demo logins, password '$password' (DEMO_PASSWORD); staff at $BASE/admin/, the others at $BASE/accounts/login/:
    admin         superuser: everything
    staff         every staff group, no superuser rights: the whole admin of the school
    librarian     Librarians: /admin/ -> Circulation desk; lend with card DEMO-MEMBER
    registrar     Registrar: /admin/school/enrollment/, terms, courses and sections
    peopleoffice  People office: /admin/people/, people, units and reporting lines
    auditor       Auditors: /admin/common/auditentry/, who changed what (read-only)
    member        library reader: /accounts/ shows two loans (one overdue), a hold, a fine
    student       /accounts/ shows enrolments and last term's grades
    teacher       /accounts/ shows the sections taught; /school/ the directory
    unithead      /school/: emails and reports of their own unit only
    volunteer     not staff; may circulate through a delegation: /delegation/ asks why
EOF
}

replica_line() {
  if [ -n "${DATABASE_REPLICA_URL:-}" ]; then
    echo "reads from the replica at ${DATABASE_REPLICA_URL#*@} (read-your-writes by token)"
  else
    echo "every read on the primary; REPLICA=on (PostgreSQL) adds a streaming replica"
  fi
}

graph_line() {
  if [ -n "${NEO4J_BOLT_URL:-}" ]; then
    echo "Neo4j at ${NEO4J_BOLT_URL#*@}: the explorer ($BASE/delegation/) answers from Neo4j"
  else
    echo "SQL backend (recursive CTEs); GRAPH=neo4j bash scripts/run.sh answers from Neo4j"
  fi
}

# Waits for the server (the process that replaces this script, so it keeps its pid) to accept
# connections, then prints the banner; gives up quietly if the server exits first.
banner_when_up() {
  local server=$1
  while kill -0 "$server" 2>/dev/null; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
      banner
      return
    fi
    sleep 0.5
  done
}

ensure_venv
ensure_graphviz
if [ "${GRAPH:-}" = "neo4j" ]; then
  ensure_neo4j run "${NEO4J_PORT:-7687}"
  [ -n "${NEO4J_PID:-}" ] || die "GRAPH=neo4j: Neo4j could not be started (see above)"
fi
say "migrating the database"
"$PY" manage.py migrate --no-input
say "seeding demo data (size small; a rerun adds nothing)"
"$PY" manage.py seed_demo --size small
if [ "${GRAPH:-}" = "neo4j" ]; then
  say "projecting the demo data into Neo4j, then following the outbox (graph_sync --follow)"
  "$PY" manage.py graph_install_constraints
  "$PY" manage.py graph_rebuild
  "$PY" manage.py graph_sync --follow --poll 1 &
fi
if [ "${REPLICA:-}" = "on" ]; then
  case "${DATABASE_URL:-}" in
    postgres*) ;;
    *) die "REPLICA=on needs DATABASE_URL on PostgreSQL (the replica streams from it)" ;;
  esac
  ensure_replica run "$DATABASE_URL" "${REPLICA_PORT:-5433}"
  [ -n "${REPLICA_PGDATA:-}" ] || die "REPLICA=on: the replica could not be started (see above)"
fi
say "starting the development server on $BASE/ (Ctrl-C stops it)"
banner_when_up $$ &
if [ -n "${REPLICA_PGDATA:-}" ]; then
  trap stop_replica EXIT  # not exec'd, so that the replica (and its slot) goes with the server
  "$PY" manage.py runserver "127.0.0.1:$PORT"
else
  exec "$PY" manage.py runserver "127.0.0.1:$PORT"
fi
