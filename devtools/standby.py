"""The test replica that scripts/test.sh starts: a real PostgreSQL hot standby streaming from the
test primary (`TEST_DATABASE_REPLICA_URL`, its data directory in `TEST_DATABASE_REPLICA_PGDATA`).

Tests make it lag (`apply_delay`: `recovery_min_apply_delay`, set with ALTER SYSTEM on the
standby and a reload), stop and start its real process (`stop`, `start`), or reach it through
the fault proxy (`behind_proxy`).
"""

from __future__ import annotations

import os
import subprocess
import time
from glob import glob
from typing import Any

import psycopg
import pytest
from django.db import connections

from common.db.replica import PRIMARY, REPLICA

MISSING = (
    "needs the PostgreSQL replica: TEST_DATABASE_REPLICA_URL is unset "
    "(bash scripts/test.sh starts one)"
)


def replica_url() -> str:
    """The test replica's URL; outside CI a test needing it skips, under CI it fails."""
    url = os.environ.get("TEST_DATABASE_REPLICA_URL", "")
    if not url or REPLICA not in connections.settings:
        if os.environ.get("CI") == "true":
            pytest.fail(MISSING)
        pytest.skip(MISSING)
    return url


def _admin() -> psycopg.Connection[Any]:
    """A connection to the standby itself (not through the app), as its superuser."""
    return psycopg.connect(replica_url(), autocommit=True, connect_timeout=5)


def apply_delay(milliseconds: int) -> None:
    """Make the standby apply each commit `milliseconds` after the primary made it (0: at once).
    Returns once the standby's startup process holds a fresh commit back (the reload reaches it
    a little after it reaches new sessions)."""
    with _admin() as conn:
        conn.execute(f"ALTER SYSTEM SET recovery_min_apply_delay = '{int(milliseconds)}ms'")
        conn.execute("SELECT pg_reload_conf()")
        if not milliseconds:
            return
        until = time.monotonic() + 10
        while not _holds_back(conn, _commit_on_primary()):
            assert time.monotonic() < until, "the standby never took the new apply delay"


def _commit_on_primary() -> str:
    """Commit a transaction with an id on the primary (a commit record); its end's LSN."""
    with connections[PRIMARY].cursor() as cursor:
        cursor.execute("SELECT txid_current()")
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        return str(cursor.fetchone()[0])


def _holds_back(conn: psycopg.Connection[Any], lsn: str) -> bool:
    """Whether the standby received `lsn` and has not replayed it."""
    while not _one(conn, "SELECT pg_last_wal_receive_lsn() >= %s::pg_lsn", lsn):
        time.sleep(0.005)
    return not _one(conn, "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", lsn)


def _one(conn: psycopg.Connection[Any], sql: str, *params: Any) -> Any:
    """The one value `sql` answers."""
    found = conn.execute(sql, params).fetchone()
    assert found is not None
    return found[0]


def caught_up(seconds: float = 30.0) -> None:
    """Return once the standby has replayed everything the primary has written so far."""
    with connections[PRIMARY].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        target = cursor.fetchone()[0]
    with _admin() as conn:
        until = time.monotonic() + seconds
        while not _one(conn, "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", target):
            assert time.monotonic() < until, f"the standby never replayed {target}"
            time.sleep(0.02)


def _pg_ctl(*args: str) -> None:
    pg_ctl = sorted(glob("/usr/lib/postgresql/*/bin/pg_ctl"))[-1]
    data = os.environ["TEST_DATABASE_REPLICA_PGDATA"]
    subprocess.run(
        ["runuser", "-u", "postgres", "--", pg_ctl, "-D", data, "-w", "-t", "60", *args],
        check=True,
        capture_output=True,
    )


def stop() -> None:
    """Kill the standby (an immediate shutdown: its connections die as in a crash)."""
    _pg_ctl("-m", "immediate", "stop")


def start() -> None:
    """Start the standby again; it resumes streaming from its slot."""
    data = os.environ["TEST_DATABASE_REPLICA_PGDATA"]
    _pg_ctl("-l", os.path.join(os.path.dirname(data), "postgres.log"), "start")
