"""Client-side deadlines for stores that may hang: accept a connection, then never answer.

Neither store's client bounds a read once connected: libpq's `statement_timeout`, keepalives
and `tcp_user_timeout` leave a query on a hung proxy blocked (the server never hears of it, the
proxy's kernel acknowledges every byte and probe), and the neo4j driver reads without a timeout
unless the server hints one (120 s on Neo4j 5's defaults). Measured in ARCHITECTURE.md, "Home-made,
and why". So each blocking call of a request carries a deadline enforced here:

- **Database** (`Watchdog`): one thread per process looks at the operations in flight; one past
  its deadline gets its socket shut down, so the blocked read returns an error at once. The
  connection is then unusable (the pool discards it) and the database breaker opens.
- **Graph** (`call_with_deadline`): the neo4j driver's socket is not ours to touch, so the call
  runs on one of a few daemon threads and the request stops waiting at the deadline. A call
  left behind finishes or fails on its own when the store answers or its connection dies.

Deadlines apply inside HTTP requests only (`in_request`): management commands (seeds, bulk
loads, index builds, the graph worker) run queries that legitimately last minutes.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.signals import request_finished, request_started

logger = logging.getLogger("common.deadlines")
T = TypeVar("T")
TICK = 0.05  # how often the watchdog looks at the operations in flight


class DeadlineExceeded(TimeoutError):
    """The store gave no answer within the deadline."""


# --- inside a request? -------------------------------------------------------------------------
_request = threading.local()


def in_request() -> bool:
    return getattr(_request, "active", False)


@contextlib.contextmanager
def request_scope() -> Iterator[None]:
    """Deadlines apply in this block as in a request (the breakers' probes, tests)."""
    before = in_request()
    _request.active = True
    try:
        yield
    finally:
        _request.active = before


def _request_started(**_kwargs: Any) -> None:
    _request.active = True


def _request_finished(**_kwargs: Any) -> None:
    _request.active = False


def connect_signals() -> None:
    """Called from CommonConfig.ready(): the request signals mark where deadlines apply."""
    request_started.connect(_request_started, dispatch_uid="common.deadlines.started")
    request_finished.connect(_request_finished, dispatch_uid="common.deadlines.finished")


# --- socket watchdog (database) ----------------------------------------------------------------
@dataclass(slots=True)
class Armed:
    """One operation in flight: `fired` once the watchdog shut its socket down."""

    fileno: int
    deadline: float
    fired: bool = False


class Watchdog:
    """Shuts down the socket of an operation that outlives its deadline.

    Arming and disarming cost a lock and a dict operation. The lock also makes the shutdown
    safe: an operation is disarmed (under the lock) before its connection can close its socket,
    so the watchdog never shuts down a descriptor that was closed and reused meanwhile.
    """

    def __init__(self) -> None:
        self._armed: dict[int, Armed] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @contextlib.contextmanager
    def guard(self, fileno: int, seconds: float) -> Iterator[Armed]:
        armed = Armed(fileno, time.monotonic() + seconds)
        key = id(armed)
        with self._lock:
            self._armed[key] = armed
            self._ensure_thread()
        try:
            yield armed
        finally:
            with self._lock:
                self._armed.pop(key, None)

    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():  # after a fork, too
            self._thread = threading.Thread(target=self._watch, name="deadline-watchdog")
            self._thread.daemon = True
            self._thread.start()

    def _watch(self) -> None:
        while True:
            time.sleep(TICK)
            now = time.monotonic()
            with self._lock:
                for key, armed in list(self._armed.items()):
                    if armed.deadline <= now:
                        del self._armed[key]
                        armed.fired = True
                        _shut_down(armed.fileno)


def _shut_down(fileno: int) -> None:
    """Shut the socket down (both ways) through a duplicate of its descriptor: the blocked read
    in the other thread returns at once, and the owner's descriptor stays its own to close."""
    try:
        duplicate = socket.socket(fileno=socket.dup(fileno))
    except OSError:  # closed meanwhile: nothing is blocked on it any more
        return
    with duplicate, contextlib.suppress(OSError):
        duplicate.shutdown(socket.SHUT_RDWR)
    logger.error("no answer within the deadline: socket %s shut down", fileno)


watchdog = Watchdog()


# --- deadline threads (graph) ------------------------------------------------------------------
class DeadlineThreads:
    """A few daemon threads that run calls for callers who wait at most a deadline.

    Daemon threads, not a ThreadPoolExecutor: the executor's threads are joined at exit, so a
    call stuck on a hung store would keep a gunicorn worker from stopping.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._jobs: queue.SimpleQueue[tuple[Callable[[], Any], Future[Any]]] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def call(self, function: Callable[[], T], seconds: float) -> T:
        future: Future[T] = Future()
        self._ensure_threads()
        self._jobs.put((function, future))
        try:
            return future.result(timeout=seconds)
        except FutureTimeout:
            future.cancel()  # still queued: never run it
            raise DeadlineExceeded(f"no answer within {seconds:g} s") from None

    def _ensure_threads(self) -> None:
        if len(self._threads) == self.size and all(t.is_alive() for t in self._threads):
            return
        with self._lock:  # first use, or after a fork (threads do not survive it)
            self._threads = [t for t in self._threads if t.is_alive()]
            while len(self._threads) < self.size:
                thread = threading.Thread(target=self._work, name="deadline-call", daemon=True)
                thread.start()
                self._threads.append(thread)

    def _work(self) -> None:
        while True:
            function, future = self._jobs.get()
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(function())
            except BaseException as error:  # noqa: BLE001 - handed to the waiting caller
                future.set_exception(error)


_threads = DeadlineThreads(size=4)


def call_with_deadline(function: Callable[[], T], seconds: float | None) -> T:
    """`function()`, or `DeadlineExceeded` after `seconds` (None: no deadline, called here)."""
    if seconds is None:
        return function()
    return _threads.call(function, seconds)
