"""A TCP proxy that injects faults between the app and a store (PostgreSQL, Redis, a graph).

`FaultProxy(("127.0.0.1", 5432)).start()` listens on a free loopback port and forwards every
connection to the upstream until told otherwise:

- `refuse()`: closes every connection and stops listening (clients get "connection refused");
- `drop()`: closes every connection once, then goes on accepting;
- `hang()`: accepts, but forwards nothing either way (a frozen server: connects succeed, answers
  never come);
- `slow(seconds)`: forwards every chunk after a delay;
- `restore()`: forwards normally again.

Threads, not asyncio: the fault tests and `bench_faults` drive it from synchronous code. With no
upstream (`upstream=None`) it is a store that never answers, whatever the mode.
"""

from __future__ import annotations

import contextlib
import select
import socket
import struct
import threading
import time
from collections.abc import Iterator
from typing import Self

PASS, REFUSE, HANG, SLOW = "pass", "refuse", "hang", "slow"
TICK = 0.02  # how often a pump looks at the mode while no data flows


DROP_SETTLE = 0.2  # seconds; see FaultProxy.drop


class FaultProxy:
    def __init__(self, upstream: tuple[str, int] | None, port: int = 0) -> None:
        self.upstream = upstream
        self.port = port
        self.mode = PASS
        self.delay = 0.0
        self._listener: socket.socket | None = None
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._stopped = False

    def start(self) -> Self:
        self._listen()
        return self

    def stop(self) -> None:
        self._stopped = True
        self.refuse()

    def refuse(self) -> None:
        self.mode = REFUSE
        self._close_listener()
        self._close_connections()

    def drop(self) -> None:
        """Reset every proxied connection, and return once the app's side has seen the resets.

        Without the settle, a request sent microseconds after the drop could still find its
        pooled socket quiet and lose its first query to the reset (a 503, reproduced in 1 of
        3 tries in a loop; 0 of 40 with it). A real outage does not line up with the next
        request to the microsecond; what the fault tests assert is what follows the reset."""
        self._close_connections()
        time.sleep(DROP_SETTLE)

    def hang(self) -> None:
        self.mode = HANG
        self._ensure_listening()

    def slow(self, seconds: float) -> None:
        self.delay, self.mode = seconds, SLOW
        self._ensure_listening()

    def restore(self) -> None:
        self.mode = PASS
        self._ensure_listening()

    def _ensure_listening(self) -> None:
        if self._listener is None and not self._stopped:
            self._listen()

    def _listen(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(128)
        self.port = listener.getsockname()[1]  # the same port again after refuse()/restore()
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _close_listener(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            # shutdown() first: close() alone neither wakes the accept() blocked on it nor
            # stops the kernel from completing new connections.
            with contextlib.suppress(OSError):  # not connected: nothing to shut down
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()

    def _close_connections(self) -> None:
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            # An RST rather than a FIN: the peer learns at once, as when a server process dies.
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                # At once: close() alone waits for the pump's select() on the socket to return
                # (the kernel releases the socket with its last reference), up to a TICK later.
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:  # already closed by its pump
                continue
            sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:  # the listener was closed: refuse()
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _track(self, *sockets: socket.socket) -> None:
        with self._lock:
            self._sockets.update(sockets)

    def _serve(self, client: socket.socket) -> None:
        self._track(client)
        while self.mode == HANG or self.upstream is None:  # accepted, never answered
            if client not in self._sockets:
                return
            time.sleep(TICK)
        try:
            server = socket.create_connection(self.upstream, timeout=5)
        except OSError:
            client.close()
            return
        self._track(server)
        for source, target in ((client, server), (server, client)):
            threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while True:
                if self.mode == HANG:
                    time.sleep(TICK)
                    continue
                readable, _, _ = select.select([source], [], [], TICK)
                if not readable:
                    continue
                chunk = source.recv(65536)
                if not chunk:
                    break
                while self.mode == HANG:  # hung while this chunk was on its way: hold it
                    time.sleep(TICK)
                if self.mode == SLOW:
                    time.sleep(self.delay)
                target.sendall(chunk)
        except (OSError, ValueError):  # closed by drop()/refuse() or by the peer
            pass
        with self._lock:
            self._sockets.difference_update((source, target))
        source.close()
        target.close()


@contextlib.contextmanager
def database_behind_proxy(
    alias: str, *, cooldown: float, pool_timeout: float | None = None
) -> Iterator[FaultProxy]:
    """The database `alias` reached through a fault proxy, with a fresh pool (its wait
    `pool_timeout` when given) and `CIRCUIT_BREAKER_COOLDOWN` at `cooldown`; every breaker
    closed again afterwards."""
    from django.db import connections
    from django.test import override_settings

    from common import breaker

    connection = connections[alias]
    settings_dict = connection.settings_dict  # shared by every thread's wrapper of the alias
    saved = {key: settings_dict[key] for key in ("HOST", "PORT", "OPTIONS")}
    proxy = FaultProxy((settings_dict["HOST"] or "127.0.0.1", int(settings_dict["PORT"] or 5432)))
    proxy.start()
    options = saved["OPTIONS"]
    if pool_timeout is not None:
        options = {**options, "pool": {**options["pool"], "timeout": pool_timeout}}
    connection.close()
    connection.close_pool()  # type: ignore[attr-defined]
    settings_dict.update(HOST="127.0.0.1", PORT=str(proxy.port), OPTIONS=options)
    try:
        with override_settings(CIRCUIT_BREAKER_COOLDOWN=cooldown):
            yield proxy
    finally:
        proxy.stop()
        connection.close()
        connection.close_pool()  # type: ignore[attr-defined]
        settings_dict.update(saved)
        breaker.reset_all()
