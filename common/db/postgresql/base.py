"""PostgreSQL (psycopg 3, Django's native pool) with every new connection behind a breaker.

Each request takes a connection from the pool once (CONN_MAX_AGE is 0 with the pool), so
guarding `get_new_connection` guards every door (views, admin, commands). While the database is
down the breaker is open: a request fails at its first query, at once, with an OperationalError
that the error handlers turn into a 503. The probe connects directly (not through the pool,
whose own reconnection may be in a back-off) and, when PostgreSQL answers again, replaces the
pool by a fresh one before the breaker closes, so that the first requests after an outage neither
wait for the old pool's back-off nor meet its dead connections.
"""

from __future__ import annotations

from typing import Any, cast

import psycopg
from django.db import connections
from django.db.backends.postgresql import base
from psycopg_pool import PoolTimeout

from common.breaker import Breaker, CircuitOpenError, breaker


class DatabaseUnavailable(psycopg.OperationalError):
    """The breaker is open; Django wraps this into `django.db.OperationalError`."""


class DatabaseWrapper(base.DatabaseWrapper):
    @property
    def breaker(self) -> Breaker:
        found = breaker("database" if self.alias == "default" else f"database.{self.alias}")
        if found.probe is None:
            alias = self.alias
            # Through the probe thread's own wrapper of the alias: settings may have changed.
            found.probe = lambda: _wrapper(alias).probe()
            found.on_recovery.append(lambda: _wrapper(alias).close_pool())
        return found

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        if not self.pool:
            return super().get_new_connection(conn_params)
        try:
            return self.breaker.call(
                lambda: super(DatabaseWrapper, self).get_new_connection(conn_params),
                failures=(psycopg.OperationalError,),
            )
        except CircuitOpenError as error:
            raise DatabaseUnavailable(str(error)) from error
        except PoolTimeout as error:
            # A whole pool wait without a connection is no blip: the database is out. Opening at
            # once keeps what an outage costs a worker to one wait.
            self.breaker.trip(error)
            raise

    def probe(self) -> None:
        """Raise unless PostgreSQL takes a new connection and answers on it (no pool)."""
        with psycopg.connect(**self.get_connection_params()) as probe:
            probe.execute("SELECT 1")


def _wrapper(alias: str) -> DatabaseWrapper:
    return cast(DatabaseWrapper, connections[alias])
