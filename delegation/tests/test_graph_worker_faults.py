"""The projection on the real engine through its faults: the worker (`graph_sync --follow`, a real
process) killed with SIGKILL inside a batch's Neo4j transaction, and Neo4j itself stopped and
started again mid-stream (killed, so the store recovers). Both converge: `graph_verify` clean,
no revoked delegation active."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from neo4j.exceptions import ServiceUnavailable

from common import outbox
from common.models import OutboxEvent
from delegation import services
from delegation.graph.neo4j import Neo4jGraphBackend
from delegation.models import Delegation
from delegation.tests.neo4j import use_neo4j
from delegation.tests.scenario import T0, School, lend
from people.models import Person
from people.tests.factories import PersonFactory

pytestmark = [pytest.mark.graph, pytest.mark.django_db(transaction=True)]
WAIT = 60  # seconds before a test gives up rather than hangs
LAUNCHER = Path(settings.BASE_DIR) / "scripts" / "neo4j"


@pytest.fixture
def people(school: School) -> list[Person]:
    """Eight people to delegate to (made before the graph is built: factories write no events)."""
    return [PersonFactory() for _ in range(8)]


def stream(school: School, people: list[Person], restated: int) -> list[Delegation]:
    """Forty delegations, `restated` outbox events re-stating them, then half of them revoked
    (their revocations land mid-stream), then as many events again: a stream of batches."""
    links = [
        lend(school.alice, people[i % 8], permission=school.circulate, days=30) for i in range(40)
    ]
    restate(links, restated)
    for link in links[::2]:
        services.delegation_revoke(actor=None, delegation=link, at=T0)
    restate(links, restated)
    return links


def restate(links: list[Delegation], count: int) -> None:
    for i in range(count):
        link = links[i % len(links)]
        link.refresh_from_db()
        outbox.upserted(link)


def assert_converged(graph: Neo4jGraphBackend) -> None:
    assert not OutboxEvent.objects.filter(processed_at__isnull=True).exists()
    call_command("graph_verify", stdout=StringIO())  # raises CommandError on any problem
    revoked = set(Delegation.objects.filter(revoked_at__isnull=False).values_list("pk", flat=True))
    in_graph = graph.run(
        "test", "MATCH ()-[d:DELEGATES]->() WHERE d.revoked_at IS NOT NULL RETURN d.delegation_id"
    )
    assert {row["d.delegation_id"] for row in in_graph} == revoked


def database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def open_batch(graph: Neo4jGraphBackend) -> bool:
    """Whether a transaction applying a drained batch is open in Neo4j right now."""
    rows = graph.run("test", "SHOW TRANSACTIONS YIELD currentQuery RETURN currentQuery")
    return any("UNWIND $rows" in (row["currentQuery"] or "") for row in rows)


def test_a_worker_killed_inside_a_batch_leaves_a_graph_the_next_one_completes(
    neo4j: Neo4jGraphBackend, school: School, people: list[Person]
):
    neo4j.install_constraints()
    neo4j.rebuild()
    stream(school, people, restated=6000)
    pending = OutboxEvent.objects.filter(processed_at__isnull=True).count()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": database_url(),
        "NEO4J_BOLT_URL": settings.NEO4J_BOLT_URL,
    }
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "graph_sync", "--follow", "--poll", "0.2"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + WAIT
    while not open_batch(neo4j):
        assert worker.poll() is None, worker.stderr.read() if worker.stderr else ""
        assert time.monotonic() < deadline, "the worker never opened a batch"
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=WAIT)

    left = OutboxEvent.objects.filter(processed_at__isnull=True).count()
    assert 0 < left <= pending  # killed mid-stream, its open batch not marked done
    neo4j.sync()  # the next worker's drain
    assert_converged(neo4j)


class LocalNeo4j:
    """A Neo4j of the test's own (the launcher scripts/test.sh built), on a store that survives
    a restart, so that the test can stop it and start it again."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.url = folder, ""
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, port: int = 0) -> str:
        classpath = (LAUNCHER / "target" / "classpath.txt").read_text().strip()
        (self.folder / "bolt.url").unlink(missing_ok=True)
        self.process = subprocess.Popen(
            [
                *("java", "-Xmx512m", "-cp", f"{LAUNCHER / 'target' / 'classes'}:{classpath}"),
                *("campus.LocalNeo4j", str(self.folder), str(port)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + WAIT * 2
        while not (self.folder / "bolt.url").exists():
            assert self.process.poll() is None, "Neo4j exited"
            assert time.monotonic() < deadline, "Neo4j did not start"
            time.sleep(0.2)
        address = (self.folder / "bolt.url").read_text().strip().removeprefix("bolt://")
        self.url = f"bolt://neo4j:test@{address}"
        return self.url

    def kill(self) -> None:
        """Stops it the hard way (SIGKILL, as a crash): the next start recovers the store."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=WAIT)
            self.process = None


@pytest.fixture
def own_neo4j(tmp_path: Path) -> Iterator[LocalNeo4j]:
    if not (LAUNCHER / "target" / "classpath.txt").exists():
        pytest.skip("the Neo4j launcher is not built (bash scripts/test.sh builds it)")
    server = LocalNeo4j(tmp_path)
    yield server
    server.kill()


def test_neo4j_stopped_and_started_mid_stream_converges(
    own_neo4j: LocalNeo4j, settings: Any, school: School, people: list[Person]
):
    graph = use_neo4j(settings, own_neo4j.start())
    graph.install_constraints()
    graph.rebuild()
    stream(school, people, restated=600)
    graph.sync()  # applied up to here
    lend(school.alice, school.carol, permission=school.circulate)  # then more arrive
    active = Delegation.objects.filter(revoked_at__isnull=True).order_by("pk").first()
    assert active is not None
    services.delegation_revoke(actor=None, delegation=active, at=T0)
    port = int(own_neo4j.url.rsplit(":", 1)[1])

    own_neo4j.kill()
    with pytest.raises(ServiceUnavailable):
        graph.sync()
    assert OutboxEvent.objects.filter(processed_at__isnull=True).exists()  # nothing lost
    own_neo4j.start(port)

    graph.sync()
    assert_converged(graph)
