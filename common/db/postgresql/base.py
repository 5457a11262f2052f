"""PostgreSQL (psycopg 3, Django's native pool) behind the database breaker, with deadlines.

Each request takes a connection from the pool once (CONN_MAX_AGE is 0 with the pool), so
guarding `get_new_connection` guards every door (views, admin, commands). While the database is
down the breaker is open: a request fails at its first query, at once, with an OperationalError
that the error handlers turn into a 503. The probe connects directly (not through the pool,
whose own reconnection may be in a back-off) and, when PostgreSQL answers again, replaces the
pool by a fresh one before the breaker closes, so that the first requests after an outage neither
wait for the old pool's back-off nor meet its dead connections.

A PostgreSQL that *hangs* (connections accepted, answers never sent) is bounded on the client:

- a new connection by libpq's `connect_timeout` (`DB_CONNECT_TIMEOUT`), and a request's wait
  for the pool by its `timeout` (`DB_POOL_TIMEOUT`; a whole wait opens the breaker);
- every query, COMMIT and ROLLBACK of a request by `DB_QUERY_DEADLINE`: the watchdog of
  `common.deadlines` shuts the socket down, the blocked read fails, the breaker opens (no libpq
  option can: ARCHITECTURE.md, "Home-made, and why");
- the pool's lending by a check that costs no round trip (`_sound`), instead of psycopg's
  `check_connection` (an empty query per lending, which a hung server never answers). Django
  passes its own `check=` to the pool, so this one wraps Django's public `get_new_connection`.

Everything here wraps Django's and psycopg's public methods (calling them, adding around them).
"""

from __future__ import annotations

import contextlib
import select
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any, cast

import psycopg
from django.conf import settings
from django.db import OperationalError, connections
from django.db.backends.postgresql import base
from psycopg_pool import PoolTimeout

from common import deadlines
from common.breaker import Breaker, CircuitOpenError, breaker


class DatabaseUnavailable(psycopg.OperationalError):
    """The breaker is open; Django wraps this into `django.db.OperationalError`."""


def breaker_name(alias: str) -> str:
    return "database" if alias == "default" else f"database.{alias}"


class GuardedConnection(psycopg.Connection[Any]):
    """The pool's connections: an attempt to connect that is refused or gets no answer within
    connect_timeout opens the alias's breaker at once (the pool cannot lend what it cannot make;
    the probe closes it within a cool-down if that was a blip). Any other failure (a connection
    reset mid-handshake, as when connections are dropped) only counts as one."""

    breaker_name = "database"

    @classmethod
    def connect(cls, conninfo: str = "", **kwargs: Any) -> Any:
        try:
            return super().connect(conninfo, **kwargs)
        except psycopg.OperationalError as error:
            guard = breaker(cls.breaker_name)
            if _is_outage(error):
                guard.trip(error)
            else:
                guard.failed(error)
            raise


def _is_outage(error: psycopg.OperationalError) -> bool:
    """Refused (libpq's text for ECONNREFUSED) or no answer in time: nobody is serving."""
    return isinstance(error, psycopg.errors.ConnectionTimeout) or "refused" in str(error).lower()


@cache
def connection_class(alias: str) -> type[GuardedConnection]:
    return type("GuardedConnection", (GuardedConnection,), {"breaker_name": breaker_name(alias)})


def query_deadline(settings_dict: dict[str, Any]) -> float | None:
    """Seconds a request's query may wait for PostgreSQL (the alias's own `QUERY_DEADLINE`, else
    `DB_QUERY_DEADLINE`); None outside requests or when 0."""
    if not deadlines.in_request():
        return None
    seconds = settings_dict.get("QUERY_DEADLINE", getattr(settings, "DB_QUERY_DEADLINE", 0))
    return float(seconds) or None


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Every query through Django's cursors (ORM, raw SQL, savepoints) passes here first.
        self.execute_wrappers.append(self._execute_within_deadline)
        pool_options = self.settings_dict.get("OPTIONS", {}).get("pool")
        if isinstance(pool_options, dict):  # the same class each time: idempotent
            pool_options.setdefault("connection_class", connection_class(self.alias))

    @property
    def breaker(self) -> Breaker:
        found = breaker(breaker_name(self.alias))
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
                lambda: self._lend_sound(conn_params), failures=(psycopg.OperationalError,)
            )
        except CircuitOpenError as error:
            raise DatabaseUnavailable(str(error)) from error
        except PoolTimeout as error:
            # A whole pool wait without a connection is no blip: the database is out. Opening at
            # once keeps what an outage costs a worker to one wait.
            self.breaker.trip(error)
            raise

    def _lend_sound(self, conn_params: dict[str, Any]) -> Any:
        """Django's pooled connection, if its socket shows no sign of death (see `_sound`); a
        dead one goes back to the pool closed, which discards it. Bounded: each dead one leaves
        the pool, and a fresh connection is sound."""
        for _ in range(self.pool.max_size):
            connection = super().get_new_connection(conn_params)
            if _sound(connection):
                return connection
            connection.close()
            self.pool.putconn(connection)
        return super().get_new_connection(conn_params)

    # --- deadlines ---------------------------------------------------------------------------
    def _execute_within_deadline(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        with self._deadline():
            return execute(sql, params, many, context)

    def commit(self) -> None:
        with self._deadline():
            super().commit()

    def rollback(self) -> None:
        with self._deadline():
            super().rollback()

    @contextlib.contextmanager
    def _deadline(self) -> Iterator[None]:
        seconds = query_deadline(self.settings_dict)
        if seconds is None or self.connection is None or self.connection.closed:
            yield  # no deadline, or nothing to wait for (a broken connection fails at once)
            return
        with deadlines.watchdog.guard(self.connection.fileno(), seconds) as armed:
            try:
                yield
            except Exception as error:
                if not armed.fired:
                    raise
                # The socket was shut down under the call: a database that hangs is out. The
                # connection is broken (errors_occurred: Django closes it, the pool drops it).
                message = f"PostgreSQL gave no answer within {seconds:g} s"
                self.errors_occurred = True
                self.breaker.trip(deadlines.DeadlineExceeded(message))
                raise OperationalError(message) from error

    def probe(self) -> None:
        """Raise unless PostgreSQL takes a new connection and answers on it (no pool), within
        the connect timeout and the query deadline (the probe must not hang either)."""
        params = self.get_connection_params()
        params.pop("pool", None)
        seconds = float(getattr(settings, "DB_QUERY_DEADLINE", 0)) or 5.0
        with (
            psycopg.connect(**params) as probe,
            deadlines.watchdog.guard(probe.fileno(), seconds) as armed,
        ):
            try:
                probe.execute("SELECT 1")
            except psycopg.Error as error:
                if armed.fired:
                    raise deadlines.DeadlineExceeded(f"no answer within {seconds:g} s") from error
                raise


def _sound(connection: psycopg.Connection[Any]) -> bool:
    """Whether an idle pooled connection may be lent, without a round trip: an idle connection
    has nothing to read, so a readable socket means a closed or reset connection (or a message
    nobody waits for: dropping that connection is the safe side)."""
    if connection.closed or connection.broken:
        return False
    try:
        readable, _, _ = select.select([connection.fileno()], [], [], 0)
    except (OSError, ValueError):
        return False
    return not readable


def _wrapper(alias: str) -> DatabaseWrapper:
    return cast(DatabaseWrapper, connections[alias])
