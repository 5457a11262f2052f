"""What the libraries offer against the faults `common/` guards by hand (ARCHITECTURE.md,
"Home-made, and why"). Run from the repository root:

    python scripts/measure_home_made.py NEO4J_BOLT_PORT [--pybreaker DIR]

- a hung PostgreSQL (`FaultProxy.hang()` before 127.0.0.1:5432, user postgres/postgres) under
  libpq's own bounds (statement_timeout, keepalives, tcp_user_timeout), then under the watchdog;
- a hung Neo4j (before 127.0.0.1:NEO4J_BOLT_PORT) under the driver's timeouts;
- with `--pybreaker DIR` (a directory holding pybreaker, e.g. `pip install --target DIR
  pybreaker==1.4.1`; it is no dependency of the project): threads through a pybreaker-guarded
  10 ms call against `common.breaker`.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import neo4j
import psycopg

from common import deadlines
from common.breaker import Breaker
from devtools.faults import FaultProxy

CAP = 20.0  # seconds a blocked call is waited for
LIBPQ = {
    "connect_timeout": 2,
    "keepalives": 1,
    "keepalives_idle": 1,
    "keepalives_interval": 1,
    "keepalives_count": 1,
    "tcp_user_timeout": 1000,
    "options": "-c statement_timeout=1000",
}
DRIVER = {
    "connection_timeout": 1.0,
    "connection_acquisition_timeout": 1.0,
    "max_transaction_retry_time": 1.0,
}


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def timed(label: str, work: Callable[[], object]) -> None:
    """Run `work` on a thread; print how it ended, or that it was still blocked after CAP."""
    outcome: dict[str, object] = {}

    def run() -> None:
        started = time.perf_counter()
        try:
            work()
            outcome["end"] = "answered"
        except Exception as error:  # noqa: BLE001 - what ended the call is the figure
            outcome["end"] = type(error).__name__
        outcome["end"] = f"{outcome['end']} after {time.perf_counter() - started:.2f} s"

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(CAP)
    say(f"  {label:<62} {outcome.get('end', f'still blocked after {CAP:.0f} s')}")


def postgresql() -> None:
    say(f"PostgreSQL behind a hung proxy, libpq {LIBPQ}")
    _hung_select("SELECT 1 under libpq's options", watched=False)
    _hung_select("SELECT 1 under the watchdog (1 s)", watched=True)


def _hung_select(label: str, *, watched: bool) -> None:
    proxy = FaultProxy(("127.0.0.1", 5432)).start()
    conninfo = {"host": "127.0.0.1", "port": proxy.port, "dbname": "postgres"}
    connection = psycopg.connect(**conninfo, user="postgres", password="postgres", **LIBPQ)
    connection.execute("SELECT 1")
    proxy.hang()

    def select() -> None:
        if not watched:
            connection.execute("SELECT 1")
            return
        with deadlines.watchdog.guard(connection.fileno(), 1.0):
            connection.execute("SELECT 1")

    timed(label, select)
    proxy.stop()


def graph(port: int) -> None:
    say(f"Neo4j behind a hung proxy, driver {neo4j.__version__} {DRIVER}")
    empty = FaultProxy(None).start()
    url = f"bolt://127.0.0.1:{empty.port}"
    driver = neo4j.GraphDatabase.driver(url, auth=("neo4j", "x"), **DRIVER)
    timed("handshake never answered", lambda: driver.execute_query("RETURN 1"))
    proxy = FaultProxy(("127.0.0.1", port)).start()
    url = f"bolt://127.0.0.1:{proxy.port}"
    driver = neo4j.GraphDatabase.driver(url, auth=("neo4j", "x"), **DRIVER)
    driver.execute_query("RETURN 1")
    proxy.hang()
    query = neo4j.Query("RETURN 1", timeout=1.0)
    timed("query on a connection up, transaction timeout 1 s", lambda: driver.execute_query(query))


def breakers(directory: str) -> None:
    sys.path.insert(0, directory)
    import pybreaker

    calls = 20
    ours = Breaker("measure")
    guarded = pybreaker.CircuitBreaker(fail_max=2, reset_timeout=0.5)
    say(f"threads x {calls} calls of 10 ms: seconds (calls/s)")
    say(f"  {'threads':>7} {'pybreaker':>16} {'common.breaker':>16}")
    for count in (1, 4, 8, 16):
        theirs = _threads(count, calls, lambda: guarded.call(time.sleep, 0.01))
        mine = _threads(count, calls, lambda: ours.call(lambda: time.sleep(0.01), (OSError,)))
        rate = count * calls
        say(
            f"  {count:>7} {f'{theirs:.2f} ({rate / theirs:.0f})':>16}"
            f" {f'{mine:.2f} ({rate / mine:.0f})':>16}"
        )


def _threads(count: int, calls: int, call: Callable[[], object]) -> float:
    def client() -> None:
        for _ in range(calls):
            call()

    threads = [threading.Thread(target=client) for _ in range(count)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("neo4j_port", type=int)
    parser.add_argument("--pybreaker", default="")
    options = parser.parse_args()
    postgresql()
    graph(options.neo4j_port)
    if options.pybreaker:
        breakers(options.pybreaker)


if __name__ == "__main__":
    main()
