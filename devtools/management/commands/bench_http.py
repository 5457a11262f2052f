"""`manage.py bench_http [--seconds 10] [--threads 2] [--connections 16] [--workers 4] [--json]`.

The API's floor, measured over HTTP: starts gunicorn (production settings, `--workers` sync
workers) on a free loopback port with the bench-only floor views (`devtools.bench.settings`,
`devtools/bench/urls.py`), drives each endpoint in turn with `wrk` (Debian's package, installed
with apt-get when missing) for `--seconds` with `--threads` threads and `--connections`
connections, and prints requests/s, p50 and p99 side by side:

- the floor: a plain Django view, a plain DRF view, DRF with a token, DRF with a token and the
  API's throttles;
- `/api/health/` and real endpoints: the books list (anonymous), the directory page (token).

The token is a member's (not staff). The goal (an authenticated read costs at most
2x a plain DRF read) is printed with the ratio of the time per request. Throttle rates are
raised so that nothing answers 429 while the throttles still count every request. Uses
DATABASE_URL and REDIS_URL as they are: run it on a database of its own (it migrates; `--seed`
also runs `seed_demo --size small`).

`--replica` (DATABASE_REPLICA_URL set to a streaming replica of DATABASE_URL) measures the
database-reading endpoints twice, side by side: the server without the replica, then with it,
plus a read carrying a consistency token; then, on the server with it, `--pairs` write-then-read
pairs through the API (`devtools.bench.replica`): p50/p99 of the token-carrying reads, stale reads,
which store served them, what choosing the store cost a request, the share of all requests
whose reads the replica served, and the checkouts and enrolments per second the primary took.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
from dataclasses import asdict, dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError, CommandParser
from django.db import connection
from rest_framework.authtoken.models import Token

from devtools.bench import replica as bench_replica
from devtools.bench.report import BenchCommand
from devtools.management.commands.bench_faults import Server, request, server_env

TOKEN = "token"
ENDPOINTS: list[tuple[str, str, bool]] = [
    ("plain Django view (floor)", "/bench/django/", False),
    ("plain DRF view", "/bench/drf/", False),
    ("DRF + token", "/bench/drf-token/", True),
    ("DRF + token + throttles", "/bench/drf-token-throttled/", True),
    ("/api/health/", "/api/health/", False),
    ("books list (anonymous)", "/api/library/books/?page_size=20", False),
    ("books list (token)", "/api/library/books/?page_size=20", True),
    ("directory page (token)", "/api/school/people/?page_size=20", True),
]
GOAL_RATIO = 2.0
# The endpoints that read the database, measured with the replica off and on.
REPLICA_ENDPOINTS: list[tuple[str, str, bool]] = [
    ("books list (anonymous)", "/api/library/books/?page_size=20", False),
    ("books list (token)", "/api/library/books/?page_size=20", True),
    ("books list (+ consistency)", "/api/library/books/?page_size=20", True),
    ("directory page (token)", "/api/school/people/?page_size=20", True),
]
ROUTING_GOAL_MS = 1.0


@dataclass
class Measure:
    name: str
    path: str
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx: int
    errors: int


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(value) * _UNITS[unit]


def parse_wrk(name: str, path: str, output: str) -> Measure:
    """The figures of `wrk --latency` output."""
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", output, re.MULTILINE))
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    total = re.search(r"(\d+) requests in", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if not (rate and total and {"50", "99"} <= percentiles.keys()):
        raise CommandError(f"unexpected wrk output for {path}:\n{output}")
    return Measure(
        name=name,
        path=path,
        requests_per_s=float(rate.group(1)),
        p50_ms=_ms(percentiles["50"]),
        p99_ms=_ms(percentiles["99"]),
        requests=int(total.group(1)),
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        errors=sum(int(n) for n in errors.groups()) if errors else 0,
    )


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    command = ["apt-get", "install", "-y", "wrk"]
    if os.geteuid() != 0:
        command = ["sudo", "-n", *command]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    found = shutil.which("wrk")
    if not found:
        raise CommandError("wrk is not installed and apt-get could not install it")
    return found


def bench_env() -> dict[str, str]:
    """bench_faults' production environment (throttles counted, never refusing), the stores
    as they are, and the floor views."""
    env = server_env(os.environ["DATABASE_URL"], settings.REDIS_URL, "")
    return {**env, "DJANGO_SETTINGS_MODULE": "devtools.bench.settings"}


class Command(BenchCommand):
    help = "Requests/s and p50/p99 of the API's floor and real endpoints, driven by wrk."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seconds", type=int, default=10, help="per endpoint")
        parser.add_argument("--threads", type=int, default=2)
        parser.add_argument("--connections", type=int, default=16)
        parser.add_argument("--workers", type=int, default=4)
        parser.add_argument("--seed", action="store_true", help="seed_demo --size small first")
        parser.add_argument("--json", action="store_true")
        parser.add_argument(
            "--replica", action="store_true", help="off vs on, DATABASE_REPLICA_URL"
        )
        parser.add_argument("--pairs", type=int, default=1000, help="with --replica")

    def report_name(self, options: dict[str, Any]) -> str | None:
        return "bench_http_replica" if options["replica"] else "bench_http"

    def handle(self, *args: Any, **options: Any) -> None:
        if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
            raise CommandError("Set DATABASE_URL (PostgreSQL) and REDIS_URL to stores of its own.")
        wrk = ensure_wrk()
        call_command("migrate", verbosity=0)
        if options["seed"]:
            call_command("seed_demo", size="small", verbosity=0)
        token = self._token()
        self._collectstatic()
        if options["replica"]:
            self._replica(wrk, token, options)
            return
        server = Server(workers=options["workers"], env=bench_env())
        try:
            server.wait_ready()
            results = [
                self._measure(wrk, server.port, name, path, token if auth else "", options)
                for name, path, auth in ENDPOINTS
            ]
        finally:
            server.stop()
        if options["json"]:
            self.stdout.write(json.dumps([asdict(r) for r in results], indent=2))
        else:
            self._print(results, options)

    def _replica(self, wrk: str, token: str, options: dict[str, Any]) -> None:
        replica_url = os.environ.get("DATABASE_REPLICA_URL", "")
        if not replica_url:
            raise CommandError("--replica needs DATABASE_REPLICA_URL (a replica of DATABASE_URL).")
        staff = self._staff_token()
        off_env = {k: v for k, v in bench_env().items() if k != "DATABASE_REPLICA_URL"}
        off = self._endpoints(wrk, off_env, token, options)
        server = Server(
            workers=options["workers"], env={**bench_env(), "DATABASE_REPLICA_URL": replica_url}
        )
        try:
            server.wait_ready()
            before = bench_replica.route_counts(server.port)
            on = self._endpoints(wrk, None, token, options, server=server)
            routed = _diff(bench_replica.route_counts(server.port), before)
            pairs = bench_replica.lend_and_read(server.port, staff, options["pairs"])
            path = REPLICA_ENDPOINTS[0][1]
            reached = {"Consistency-Token": f"0@{_primary_lsn()}"}
            choosing = [
                bench_replica.choosing_ms(server.port, staff, path, {}),
                bench_replica.choosing_ms(server.port, staff, path, reached),
            ]
            capacity = self._capacity(server.port, staff, options)
        finally:
            server.stop()
        self._print_replica(off, on, routed, pairs, choosing, options)
        self.stdout.write(
            f"one primary, {options['connections']} clients for {options['seconds']} s each, every "
            f"write followed by its undo: {capacity[0]:.1f} checkouts/s (+ as many returns), "
            f"{capacity[1]:.1f} enrolments/s (+ as many drops)"
        )

    def _capacity(self, port: int, staff: str, options: dict[str, Any]) -> tuple[float, float]:
        """Checkouts and enrolments per second the primary took (`devtools.bench.replica`)."""
        clients, seconds = options["connections"], options["seconds"]
        lend = bench_replica.checkout_cycles(port, staff, clients)
        enrol = bench_replica.enrolment_cycles(port, staff, clients)
        return bench_replica.per_second(lend, seconds), bench_replica.per_second(enrol, seconds)

    def _endpoints(
        self,
        wrk: str,
        env: dict[str, str] | None,
        token: str,
        options: dict[str, Any],
        server: Server | None = None,
    ) -> list[Measure]:
        """REPLICA_ENDPOINTS on `server`, or on a server of their own with `env`."""
        own = server is None
        server = server or Server(workers=options["workers"], env=env or bench_env())
        consistency = f"Consistency-Token: 0@{_primary_lsn()}"
        try:
            if own:
                server.wait_ready()
            return [
                self._measure(
                    wrk, server.port, name, path, token if auth else "", options,
                    extra=[consistency] if "consistency" in name else [],
                )
                for name, path, auth in REPLICA_ENDPOINTS
            ]  # fmt: skip
        finally:
            if own:
                server.stop()

    def _staff_token(self) -> str:
        """A staff token: the pairs lend copies, and staff see Server-Timing."""
        staff = User.objects.filter(is_active=True, is_staff=True).order_by("pk").first()
        if staff is None:
            raise CommandError("No staff account: run with --seed, or seed_demo first.")
        return str(Token.objects.get_or_create(user=staff)[0].key)

    def _token(self) -> str:
        """A member's token (not staff: staff responses also carry Server-Timing)."""
        member = User.objects.filter(is_active=True, is_staff=False).order_by("pk").first()
        if member is None:
            raise CommandError("No member account: run with --seed, or seed_demo first.")
        return str(Token.objects.get_or_create(user=member)[0].key)

    def _collectstatic(self) -> None:
        env = bench_env()
        env.pop("DATABASE_URL", None)
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=settings.BASE_DIR,
            env=env,
            check=True,
        )

    def _measure(
        self,
        wrk: str,
        port: int,
        name: str,
        path: str,
        token: str,
        options: dict[str, Any],
        extra: list[str] | None = None,
    ) -> Measure:
        status, _ = request(port, path, token=token)  # warm this path in at least one worker
        if status != 200:
            raise CommandError(f"{path} answered {status}, not 200")
        command = [wrk, "--latency", "-t", str(options["threads"]), "-c"]
        command += [str(options["connections"]), "-d", f"{options['seconds']}s"]
        if token:
            command += ["-H", f"Authorization: {TOKEN.title()} {token}"]
        for header in extra or []:
            command += ["-H", header]
        output = subprocess.run(
            [*command, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True
        ).stdout
        return parse_wrk(name, path, output)

    def _print(self, results: list[Measure], options: dict[str, Any]) -> None:
        self.stdout.write(
            f"bench_http: gunicorn {options['workers']} sync workers (production settings), wrk "
            f"-t{options['threads']} -c{options['connections']} -d{options['seconds']}s per "
            f"endpoint, loopback"
        )
        self.stdout.write(
            f"{'endpoint':<28} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'requests':>9} "
            f"{'non-2xx':>8} {'errors':>7}"
        )
        for r in results:
            self.stdout.write(
                f"{r.name:<28} {r.requests_per_s:>9.1f} {r.p50_ms:>8.2f} {r.p99_ms:>8.2f} "
                f"{r.requests:>9} {r.non_2xx:>8} {r.errors:>7}"
            )
        by_name = {r.name: r for r in results}
        plain = by_name["plain DRF view"].requests_per_s
        for name in ("DRF + token", "DRF + token + throttles"):
            ratio = plain / by_name[name].requests_per_s
            verdict = "met" if ratio <= GOAL_RATIO else "MISSED"
            self.stdout.write(
                f"goal: {name} costs <= {GOAL_RATIO:g}x a plain DRF read: {ratio:.2f}x -> {verdict}"
            )

    def _print_replica(
        self,
        off: list[Measure],
        on: list[Measure],
        routed: dict[tuple[str, str], float],
        pairs: bench_replica.Pairs,
        choosing: list[list[float]],
        options: dict[str, Any],
    ) -> None:
        self.stdout.write(
            f"bench_http --replica: gunicorn {options['workers']} sync workers, wrk "
            f"-t{options['threads']} -c{options['connections']} -d{options['seconds']}s, loopback"
        )
        self.stdout.write(
            f"{'endpoint':<28} {'off req/s':>9} {'p50':>6} {'p99':>6}   {'on req/s':>9} "
            f"{'p50':>6} {'p99':>6}  (ms)"
        )
        for before, after in zip(off, on, strict=True):
            self.stdout.write(
                f"{before.name:<28} {before.requests_per_s:>9.1f} {before.p50_ms:>6.2f} "
                f"{before.p99_ms:>6.2f}   {after.requests_per_s:>9.1f} {after.p50_ms:>6.2f} "
                f"{after.p99_ms:>6.2f}"
            )
        total = sum(routed.values()) or 1
        replica = sum(n for (store, _), n in routed.items() if store == "replica")
        routes = ", ".join(f"{s} {r} {n:.0f}" for (s, r), n in sorted(routed.items()))
        self.stdout.write(
            f"requests whose reads the replica served (wrk, replica on): {replica / total:.1%} "
            f"of {total:.0f}; by route: {routes}"
        )
        self.stdout.write(
            f"{len(pairs.read_ms)} write-then-read pairs with the token: read p50 "
            f"{pairs.percentile(50):.2f} ms, p99 {pairs.percentile(99):.2f} ms, stale "
            f"{pairs.stale}, refused checkouts {pairs.refused}; served by: "
            + ", ".join(f"{route} {n}" for route, n in pairs.routes.most_common())
        )
        forced = sum(n for route, n in pairs.routes.items() if "token_behind" in route)
        self.stdout.write(
            f"a token forced the primary: {forced} of {len(pairs.read_ms)} token-carrying reads"
        )
        kinds = ("without a token", "with a reached token")
        for kind, timings in zip(kinds, choosing, strict=True):
            median = statistics.median(timings) if timings else 0.0
            verdict = "met" if median < ROUTING_GOAL_MS else "MISSED"
            self.stdout.write(
                f"routing overhead per request {kind} (choosing the store, p50 of "
                f"{len(timings)} reads): {median:.3f} ms; goal < {ROUTING_GOAL_MS:g} ms: {verdict}"
            )


def _diff(after: dict[tuple[str, str], float], before: dict[tuple[str, str], float]) -> dict:
    return {key: n - before.get(key, 0.0) for key, n in after.items() if n > before.get(key, 0.0)}


def _primary_lsn() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        return str(cursor.fetchone()[0])
