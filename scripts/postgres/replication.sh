#!/usr/bin/env bash
# docker-compose's db, on first start (docker-entrypoint-initdb.d): the role postgres-replica's
# base backup and streaming connect as, and replication connections allowed from the network.
set -euo pipefail
psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" \
  -c "CREATE ROLE campus_replicator WITH REPLICATION LOGIN PASSWORD '${REPLICA_PASSWORD}'"
echo "host replication campus_replicator all scram-sha-256" >> "$PGDATA/pg_hba.conf"
