"""What `bench_http --replica` measures beyond wrk's figures, against a server whose reads go to a
read replica: write-then-read pairs carrying the write's consistency token, the cost of
choosing where a request's reads go, and the routes the server counted.

The pairs lend a copy through the API (staff token), read the newest loan with the checkout's
token, and return the copy; the read's `Server-Timing` (staff see it) says which store served it
and why, and the time that choice took.
"""

from __future__ import annotations

import http.client
import json
import re
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

READS = re.compile(r'reads;dur=([\d.]+);desc="(\w+) \((\w+)\)"')
ROUTES = re.compile(r'^campus_read_routes_total\{reason="(\w+)",store="(\w+)"\} ([\d.e+]+)$', re.M)


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    ms: float

    def json(self) -> Any:
        return json.loads(self.body)

    def reads(self) -> tuple[float, str, str] | None:
        """(ms choosing, store, reason) from `Server-Timing`, when the request read."""
        found = READS.search(self.headers.get("server-timing", ""))
        return (float(found[1]), found[2], found[3]) if found else None


def call(
    port: int, path: str, *, token: str, method: str = "GET", body: Any = None, **headers: str
) -> Answer:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json", **headers}
    started = time.perf_counter()
    try:
        text = json.dumps(body) if body is not None else None
        connection.request(method, path, body=text, headers=headers)
        response = connection.getresponse()
        content = response.read()
    finally:
        connection.close()
    ms = (time.perf_counter() - started) * 1000
    found = {name.lower(): value for name, value in response.getheaders()}
    return Answer(response.status, found, content, ms)


@dataclass
class Pairs:
    """Write-then-read pairs: the token-carrying reads' latencies and where they were served."""

    read_ms: list[float] = field(default_factory=list)
    routes: Counter[str] = field(default_factory=Counter)
    stale: int = 0
    refused: int = 0

    def percentile(self, q: int) -> float:
        return statistics.quantiles(self.read_ms, n=100)[q - 1] if len(self.read_ms) > 1 else 0.0


def lend_and_read(port: int, staff_token: str, count: int) -> Pairs:
    """`count` pairs: check out a copy, read the newest loan with the write's token, return it.
    Members and copies are found through the API; a member the checkout refuses (a limit, a
    block) gives way to the next, and a returned copy is lent again."""
    pairs = Pairs()
    members = [row["id"] for row in _results(port, staff_token, "/api/library/members/")]
    copies = [row["barcode"] for row in _results(port, staff_token, COPIES)]
    while len(pairs.read_ms) < count and members and pairs.refused < count:
        body = {"member": members[0], "copies": [copies[len(pairs.read_ms) % len(copies)]]}
        lent = call(port, CHECKOUT, token=staff_token, method="POST", body=body)
        if lent.status != 201:
            pairs.refused += 1
            members = members[1:] if lent.status == 400 else members
            copies = copies if lent.status == 400 else copies[1:] or copies
            continue
        loan = lent.json()["loans"][0]["id"]
        token = {"Consistency-Token": lent.headers["consistency-token"]}
        read = call(port, "/api/library/loans/?page_size=1", token=staff_token, **token)
        pairs.read_ms.append(read.ms)
        served = read.reads()
        pairs.routes[f"{served[1]} ({served[2]})" if served else "unknown"] += 1
        pairs.stale += read.json()["results"][0]["id"] != loan
        call(port, f"/api/library/loans/{loan}/return/", token=staff_token, method="POST")
    return pairs


COPIES = "/api/library/copies/?status=available&page_size=100"
CHECKOUT = "/api/library/checkouts/"


def _results(port: int, staff_token: str, path: str) -> list[dict[str, Any]]:
    answer = call(port, path, token=staff_token)
    return list(answer.json()["results"]) if answer.status == 200 else []


def choosing_ms(
    port: int, staff_token: str, path: str, headers: dict[str, str], count: int = 200
) -> list[float]:
    """What choosing the store cost each of `count` reads of `path` (with `headers`), in ms."""
    timings = [call(port, path, token=staff_token, **headers).reads() for _ in range(count)]
    return [found[0] for found in timings if found]


def route_counts(port: int) -> dict[tuple[str, str], float]:
    """`{(store, reason): requests}` as the server's /metrics counts them (every worker)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", "/metrics", headers={"Host": "127.0.0.1"})
        text = connection.getresponse().read().decode()
    finally:
        connection.close()
    return {(store, reason): float(n) for reason, store, n in ROUTES.findall(text)}


# --- what one primary takes: checkouts and enrolments per second ------------------------------
Cycle = Callable[[], bool]  # one write and its undo; True when the write answered 201


def per_second(cycles: list[Cycle], seconds: float) -> float:
    """Writes per second with one client thread per cycle, each repeating its own cycle (its own
    rows, so the clients measure the database, not each other's locks)."""
    done = [0] * len(cycles)
    until = time.monotonic() + seconds

    def run(index: int) -> None:
        while time.monotonic() < until:
            done[index] += cycles[index]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(cycles))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / seconds


def checkout_cycles(port: int, staff_token: str, clients: int) -> list[Cycle]:
    members = [row["id"] for row in _results(port, staff_token, "/api/library/members/")]
    copies = [row["barcode"] for row in _results(port, staff_token, COPIES)]

    def cycle(member: int, barcode: str) -> Cycle:
        def lend_and_return() -> bool:
            body = {"member": member, "copies": [barcode]}
            lent = call(
                port, "/api/library/checkouts/", token=staff_token, method="POST", body=body
            )
            if lent.status != 201:
                return False
            loan = lent.json()["loans"][0]["id"]
            call(port, f"/api/library/loans/{loan}/return/", token=staff_token, method="POST")
            return True

        return lend_and_return

    return [cycle(m, c) for m, c in zip(members[:clients], copies[:clients], strict=False)]


def enrolment_cycles(port: int, staff_token: str, clients: int) -> list[Cycle]:
    students = _results(port, staff_token, "/api/school/people/?kind=student&page_size=100")
    courses = _results(port, staff_token, "/api/school/courses/?page_size=100")
    sections = [section["id"] for course in courses for section in course["sections"]]

    def cycle(student: int, section: int) -> Cycle:
        def enrol_and_drop() -> bool:
            body = {"student": student, "section": section}
            enrolled = call(port, "/api/school/enrollments/", token=staff_token, method="POST",
                            body=body)  # fmt: skip
            if enrolled.status != 201:
                return False
            drop = f"/api/school/enrollments/{enrolled.json()['id']}/drop/"
            call(port, drop, token=staff_token, method="POST")
            return True

        return enrol_and_drop

    # The last students of the list: the seed enrols the first ones already.
    pairs = zip(reversed(students), reversed(sections), strict=False)
    return [cycle(row["id"], section) for row, section in list(pairs)[:clients]]
