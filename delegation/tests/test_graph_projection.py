"""The projection on Neo4j fed by the real outbox on PostgreSQL.

Each test reproduces a way the graph once lost a write: overlapping drains undoing a
revocation, an older event landing after a newer one, a person moved twice in one batch, a
rebuild that emptied the graph and marked unapplied events done; and the worker that replaced
the drain in the request thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import DatabaseError, connection
from django.utils import timezone

from common import outbox
from common.models import OutboxEvent
from delegation import services
from delegation.graph import projector
from delegation.graph.base import micros
from delegation.graph.neo4j import Neo4jGraphBackend, cypher_sync
from delegation.graph.worker import Follower
from delegation.tests.scenario import DAY, T0, School, lend
from people import services as people_services
from people.tests.factories import OrgUnitFactory, PersonFactory

pytestmark = pytest.mark.graph
WAIT = 30  # seconds a thread may wait for the other before the test fails rather than hangs


@pytest.fixture
def graph(neo4j: Neo4jGraphBackend) -> Neo4jGraphBackend:
    return neo4j


def revoked_at(graph: Neo4jGraphBackend, delegation_id: int) -> Any:
    rows = graph.run(
        "test",
        "MATCH ()-[d:DELEGATES {delegation_id: $id}]->() RETURN d.revoked_at AS at",
        {"id": delegation_id},
    )
    return rows[0]["at"]


def pending() -> int:
    return OutboxEvent.objects.filter(processed_at__isnull=True).count()


def in_thread(work: Callable[[], Any]) -> threading.Thread:
    def run() -> None:
        try:
            work()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.django_db(transaction=True)
def test_overlapping_drains_cannot_undo_a_revocation(graph: Neo4jGraphBackend, school: School):
    """Drain A holds the delegation's upsert and applies it slowly while the revoke
    commits and a second drain runs. The second drain must not jump ahead; the graph ends
    revoked, like SQL, with nothing pending."""
    link = lend(school.alice, school.bob, permission=school.circulate, days=10)
    holding, release = threading.Event(), threading.Event()

    def slow(statement: str, params: dict[str, Any]) -> None:
        if not holding.is_set():
            holding.set()
            assert release.wait(WAIT)
        graph.apply(statement, params)

    first = in_thread(lambda: projector.drain(slow))
    assert holding.wait(WAIT)
    services.delegation_revoke(actor=None, delegation=link, at=T0 + DAY)
    second = projector.drain(graph.apply)
    release.set()
    first.join(WAIT)

    link.refresh_from_db()
    assert second == 0
    assert link.revoked_at is not None
    assert revoked_at(graph, link.pk) == micros(link.revoked_at)
    assert pending() == 0
    assert not graph.check(school.bob.pk, "library.circulate", T0 + 2 * DAY).allowed


def test_an_older_event_never_overwrites_a_newer_one(graph: Neo4jGraphBackend, school: School):
    link = lend(school.alice, school.bob, permission=school.circulate, days=10)
    granted = OutboxEvent.objects.filter(kind="delegation.upsert").latest("pk")
    services.delegation_revoke(actor=None, delegation=link, at=T0 + DAY)
    revoked = OutboxEvent.objects.filter(kind="delegation.upsert").latest("pk")
    graph.rebuild()

    for event in (revoked, granted, granted):  # late and retried
        for statement, params in projector.statements([(event.kind, event.payload, event.pk)]):
            graph.apply(statement, params)

    assert revoked_at(graph, link.pk) == micros(T0 + DAY)


def test_an_upsert_older_than_the_delete_stays_deleted(graph: Neo4jGraphBackend, school: School):
    created = OutboxEvent.objects.filter(kind="role_permission.upsert").latest("pk")
    services.role_update(actor=None, role=school.editor, name="Editor", permissions=[])
    graph.rebuild()
    assert created.payload["id"] not in graph.keys("role_permission")

    graph.apply(*next(projector.statements([(created.kind, created.payload, created.pk)])))

    assert created.payload["id"] not in graph.keys("role_permission")


def test_a_person_moved_twice_in_one_batch_ends_in_one_unit(graph: Neo4jGraphBackend, db: None):
    """The second move in a batch replaces the first, not adds a second MEMBER_OF edge."""
    first, second, third = OrgUnitFactory(), OrgUnitFactory(), OrgUnitFactory()
    person = PersonFactory(org_unit=first)
    graph.rebuild()
    for unit in (second, third):
        people_services.person_update(actor=None, person=person, org_unit=unit)

    graph.sync()

    rows = graph.run(
        "test",
        "MATCH (:Person {sql_id: $id})-[:MEMBER_OF]->(u:OrgUnit) RETURN u.sql_id AS unit",
        {"id": person.pk},
    )
    assert [row["unit"] for row in rows] == [third.pk]


def test_rebuild_never_shows_an_empty_graph(graph: Neo4jGraphBackend, school: School):
    """Readers asking during a rebuild keep getting SQL's answers."""
    graph.rebuild()
    answers: list[bool] = []

    def watched(statement: str, params: dict[str, Any]) -> None:
        graph.apply(statement, params)
        answers.append(graph.check(school.alice.pk, "library.circulate", T0).allowed)

    projector.rebuild(watched, graph.keys, chunk=1)

    assert len(answers) > 10 and all(answers)


@pytest.mark.django_db(transaction=True)
def test_rebuild_marks_done_only_what_it_applied(graph: Neo4jGraphBackend, school: School):
    """An event committed while the rebuild runs stays pending, then applies."""
    late: list[int] = []

    def write_during_rebuild(statement: str, params: dict[str, Any]) -> None:
        if not late:
            writer = in_thread(
                lambda: late.append(
                    lend(school.alice, school.carol, permission=school.circulate).pk
                )
            )
            writer.join(WAIT)
        graph.apply(statement, params)

    projector.rebuild(write_during_rebuild, graph.keys)

    assert pending() > 0
    assert late[0] not in graph.keys("delegation")
    graph.sync()
    assert late[0] in graph.keys("delegation") and pending() == 0


def rebuild_waits_for_the_drain() -> bool:
    """Whether a session waits for the drainers' advisory lock (a rebuild, here)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
            AND classid::bigint = %s AND objid::bigint = %s""",
            [projector.DRAIN_LOCK >> 32, projector.DRAIN_LOCK & 0xFFFF_FFFF],
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.django_db(transaction=True)
def test_a_rebuild_started_during_a_slow_drain_succeeds(graph: Neo4jGraphBackend, school: School):
    """The drain holds its batch while a rebuild starts: the rebuild waits for it, then sees
    the events it marked done (no serialization failure), and ends with the watermark at the
    newest position and nothing pending."""
    graph.rebuild()
    lend(school.alice, school.bob, permission=school.circulate)
    holding, release = threading.Event(), threading.Event()
    failures: list[Exception] = []

    def slow(statement: str, params: dict[str, Any]) -> None:
        if not holding.is_set():
            holding.set()
            assert release.wait(WAIT)
        graph.apply(statement, params)

    def rebuild() -> None:
        try:
            graph.rebuild()
        except DatabaseError as failure:  # the assertion below shows it
            failures.append(failure)

    drain = in_thread(lambda: projector.drain(slow))
    assert holding.wait(WAIT)
    rebuilding = in_thread(rebuild)
    assert wait_until(rebuild_waits_for_the_drain)
    release.set()
    drain.join(WAIT)
    rebuilding.join(WAIT)

    assert failures == []
    assert pending() == 0
    assert graph.applied_position() == outbox.top_position()


def test_deletes_and_upserts_carry_positions():
    for text in [*cypher_sync.UPSERT.values(), *cypher_sync.DELETE.values()]:
        assert "row.pos" in text


# --- the projection worker ----------------------------------------------------------------------
def wait_until(condition: Callable[[], bool]) -> bool:
    """Poll `condition` for up to WAIT seconds (a bound against hanging, not a speed check)."""
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.mark.django_db(transaction=True)
def test_the_worker_wakes_on_notify(graph: Neo4jGraphBackend, school: School):
    """With an hour between polls, only the NOTIFY of the writing transaction can wake it."""
    follower = Follower(graph.sync, poll=3600, retention=timedelta(days=7))
    thread = in_thread(follower.run)
    assert wait_until(lambda: pending() == 0)

    link = lend(school.alice, school.bob, permission=school.circulate)

    assert wait_until(lambda: pending() == 0)
    follower.stop.set()
    thread.join(WAIT)
    assert not thread.is_alive()
    assert link.pk in graph.keys("delegation")


def test_processed_events_are_pruned_after_the_retention(db: None):
    old, recent, waiting = (
        OutboxEvent.objects.create(kind="role.upsert", payload={}) for _ in "abc"
    )
    OutboxEvent.objects.filter(pk=old.pk).update(processed_at=timezone.now() - timedelta(days=8))
    OutboxEvent.objects.filter(pk=recent.pk).update(processed_at=timezone.now())

    assert projector.prune(timedelta(days=7)) == 1
    assert set(OutboxEvent.objects.values_list("pk", flat=True)) == {recent.pk, waiting.pk}


def test_a_write_does_not_drain_in_the_request(
    graph: Neo4jGraphBackend, school: School, django_capture_on_commit_callbacks
):
    """With the graph on Neo4j, a write commits and leaves its events to the worker."""
    graph.rebuild()
    with django_capture_on_commit_callbacks(execute=True):
        link = lend(school.alice, school.bob, permission=school.circulate)

    assert link.pk not in graph.keys("delegation")
    assert OutboxEvent.objects.filter(processed_at__isnull=True, payload__id=link.pk).exists()
