"""The projection worker behind `graph_sync --follow`: drains the outbox whenever it grows.

It drains, then sleeps until PostgreSQL NOTIFYs an outbox insert on `common.outbox.CHANNEL`
(from the writing transaction, so the events are visible when it wakes) or until `poll`
seconds pass: polling is the fallback for a lost connection or a database without
LISTEN/NOTIFY (SQLite). It waits in slices of at most a second so that `stop` (set by SIGTERM)
ends it promptly, between batches and never inside one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

import psycopg
from django.db import connection

from common import outbox
from delegation.graph import projector

logger = logging.getLogger(__name__)
SLICE = 1.0  # seconds: the longest a stop request waits


class Follower:
    def __init__(
        self,
        drain: Callable[[], int],
        *,
        poll: float,
        retention: timedelta,
        stop: threading.Event | None = None,
    ) -> None:
        self.drain, self.poll, self.retention = drain, poll, retention
        self.stop = stop or threading.Event()
        self.applied = 0

    def run(self) -> None:
        with self._listener() as wait:
            while not self.stop.is_set():
                try:
                    applied = self.drain()
                except Exception:  # graph down: keep the events, try again after a wait
                    logger.warning("graph drain failed; retrying", exc_info=True)
                    applied = 0
                self.applied += applied
                pruned = projector.prune(self.retention)
                if pruned:
                    logger.info("pruned %s processed outbox events", pruned)
                if not applied:
                    wait()

    @contextmanager
    def _listener(self) -> Iterator[Callable[[], None]]:
        if connection.vendor != "postgresql":
            yield self._sleep
            return
        with _listening_connection() as listening:

            def wait() -> None:
                remaining = self.poll
                while remaining > 0 and not self.stop.is_set():
                    step = min(SLICE, remaining)
                    if any(True for _ in listening.notifies(timeout=step, stop_after=1)):
                        return
                    remaining -= step

            yield wait

    def _sleep(self) -> None:
        self.stop.wait(self.poll)


@contextmanager
def _listening_connection() -> Iterator[psycopg.Connection]:
    """A connection of its own, outside Django's pool: it stays open, LISTENing."""
    db = connection.settings_dict
    listening = psycopg.connect(
        dbname=db["NAME"],
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
        autocommit=True,
    )
    try:
        listening.execute(f"LISTEN {outbox.CHANNEL}")
        yield listening
    finally:
        listening.close()
