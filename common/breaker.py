"""Circuit breakers: one per store (database, cache, graph), so that an outage fails fast.

A breaker is *closed* while its store answers. After `CIRCUIT_BREAKER_FAILURES` consecutive
failures, or one `trip`, it *opens*: calls fail at once with `CircuitOpenError`. Opening starts
one probe thread, which tries the store every `CIRCUIT_BREAKER_COOLDOWN` seconds: no request
waits for a probe, and recovery does not wait for traffic. A probe that succeeds runs the
breaker's recovery hooks (a fresh connection pool, the cache invalidations that could not be
applied), then closes the breaker. State is per process: each gunicorn worker learns of an
outage on its own, and no store is needed to share it.

Not pybreaker: its `call` holds the breaker's lock while the guarded function runs, so a
threaded process makes one query at a time (ARCHITECTURE.md, "Home-made, and why").
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.conf import settings

logger = logging.getLogger("common.breaker")

CLOSED, OPEN = "closed", "open"
T = TypeVar("T")


class CircuitOpenError(Exception):
    """The store's breaker is open: the call was not attempted."""


@dataclass
class Breaker:
    name: str
    # Raises unless the store answers; run in the probe thread (set by the store's client code).
    probe: Callable[[], None] | None = None
    # Run in the probe thread after a successful probe, before the breaker closes; their store
    # calls go through (the probe thread is admitted while the breaker is open).
    on_recovery: list[Callable[[], None]] = field(default_factory=list)
    state: str = CLOSED
    failures: int = 0
    last_error: str = ""
    opened_count: int = 0
    # Bumped by reset(): a probe started before it must not change the state after it.
    _epoch: int = 0
    _prober: int | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def call(self, function: Callable[[], T], failures: tuple[type[BaseException], ...]) -> T:
        """`function()` unless the breaker is open; `failures` are the errors that count. The
        lock is taken only to count: calls run side by side."""
        self.admit()
        try:
            result = function()
        except failures as error:
            self.failed(error)
            raise
        if self.failures:
            with self._lock:
                self.failures = 0
        return result

    def admit(self) -> None:
        """Return if a call may go ahead, else raise `CircuitOpenError`."""
        if self.state == CLOSED or self._prober == threading.get_ident():
            return
        raise CircuitOpenError(f"{self.name} unavailable (circuit {self.state}: {self.last_error})")

    def failed(self, error: BaseException) -> None:
        with self._lock:
            self.failures += 1
            self.last_error = _describe(error)
            if self.failures >= int(getattr(settings, "CIRCUIT_BREAKER_FAILURES", 2)):
                self._open()

    def trip(self, error: BaseException) -> None:
        """Open at once: the store's state is doubtful until a probe (and its hooks) succeed."""
        with self._lock:
            self.last_error = _describe(error)
            self._open()

    def snapshot(self) -> dict[str, Any]:
        """What the health endpoint shows of this breaker."""
        with self._lock:
            data: dict[str, Any] = {
                "state": self.state,
                "failures": self.failures,
                "opened": self.opened_count,
            }
            if self.state != CLOSED:
                data["error"] = self.last_error
            return data

    def reset(self) -> None:
        """Closed, no failures counted (tests); a probe still running stops without effect."""
        with self._lock:
            self.state, self.failures, self.last_error, self.opened_count = CLOSED, 0, "", 0
            self._epoch, self._prober = self._epoch + 1, None

    def _open(self) -> None:
        if self.state != CLOSED:
            return
        logger.error("circuit %s opened: %s", self.name, self.last_error)
        self.state = OPEN
        self.opened_count += 1
        threading.Thread(
            target=self._probe_until_closed,
            args=(self._epoch,),
            name=f"probe-{self.name}",
            daemon=True,
        ).start()

    def _probe_until_closed(self, epoch: int) -> None:
        """Probe every cool-down, without waiting for traffic, until the store answers."""
        self._prober = threading.get_ident()
        while True:
            time.sleep(float(getattr(settings, "CIRCUIT_BREAKER_COOLDOWN", 0.5)))
            if epoch != self._epoch:
                return
            try:
                if self.probe is not None:
                    self.probe()
                for hook in self.on_recovery:
                    hook()
            except Exception as error:  # noqa: BLE001 - any failure means still down
                with self._lock:
                    if epoch != self._epoch:
                        return
                    self.last_error = _describe(error)
                continue
            with self._lock:
                if epoch == self._epoch:
                    self.state, self.failures, self._prober = CLOSED, 0, None
            logger.warning("circuit %s closed: the store answers again", self.name)
            return


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}".strip()[:200]


_BREAKERS: dict[str, Breaker] = {}
_registry_lock = threading.Lock()


def breaker(name: str) -> Breaker:
    """The process's breaker for store `name`, made on first use."""
    with _registry_lock:
        return _BREAKERS.setdefault(name, Breaker(name))


def snapshot() -> dict[str, dict[str, Any]]:
    return {name: found.snapshot() for name, found in sorted(_BREAKERS.items())}


def reset_all() -> None:
    for found in list(_BREAKERS.values()):
        found.reset()
