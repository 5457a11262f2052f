"""Consistency tokens and modes on real PostgreSQL and Neo4j.

A write answers with its outbox position (`Consistency-Token`); the graph records the position
it has applied (its watermark: every event at or below it applied, gaps from transactions still
open or rolled back included); `check` takes `consistency=` and says who decided, at which
position. Tests that need a write's commit (tokens are noted on commit, drains run in threads)
use real transactions.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection, transaction
from rest_framework.test import APIClient

from common import outbox
from common.models import OutboxEvent
from delegation import services
from delegation.authz import user_can
from delegation.graph import consistency as modes
from delegation.graph import projector, watermark
from delegation.graph.neo4j import Neo4jGraphBackend
from delegation.models import Delegation
from delegation.tests.scenario import DAY, T0, School, lend

pytestmark = pytest.mark.graph
API = "/api/delegation"
WAIT = 30  # seconds a thread may wait for the other before the test fails rather than hangs
LATER = (T0 + 2 * DAY).isoformat()


@pytest.fixture
def graph(neo4j: Neo4jGraphBackend) -> Neo4jGraphBackend:
    """Neo4j, as the site's graph (`get_graph`)."""
    return neo4j


def ask(client: APIClient, school: School, consistency: str | None = None) -> dict[str, Any]:
    query: dict[str, Any] = {
        "person": school.bob.pk,
        "permission": "library.circulate",
        "at": LATER,
    }
    if consistency is not None:
        query["consistency"] = consistency
    response = client.get(f"{API}/check/", query)
    assert response.status_code == 200, response.content
    return response.json()


def revoke(client: APIClient, link: Delegation) -> str:
    """Revoke through the API; returns the write's consistency token."""
    response = client.post(
        f"{API}/delegations/{link.pk}/revoke/", {"at": (T0 + DAY).isoformat()}, format="json"
    )
    assert response.status_code == 200, response.content
    return response["Consistency-Token"]


def pending() -> int:
    return OutboxEvent.objects.filter(processed_at__isnull=True).count()


def decision(answer: dict[str, Any]) -> tuple[bool, str, str | None, str]:
    return answer["allowed"], answer["decided_by"], answer["position"], answer["consistency"]


# --- tokens -------------------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_every_graph_write_answers_with_its_token(staff_client: APIClient, school: School):
    created = staff_client.post(
        f"{API}/delegations/",
        {
            "delegator": school.alice.pk,
            "delegatee": school.bob.pk,
            "permission": "library.circulate",
            "valid_from": T0.isoformat(),
            "expires_at": (T0 + 10 * DAY).isoformat(),
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created["Consistency-Token"] == outbox.token(outbox.top_position())

    role = staff_client.post(
        f"{API}/roles/", {"code": "clerk", "name": "Clerk", "permissions": ["library.circulate"]}
    )
    deleted = staff_client.delete(f"{API}/roles/clerk/")
    assert role.status_code == 201 and deleted.status_code == 204
    assert int(role["Consistency-Token"]) < int(deleted["Consistency-Token"])
    assert deleted["Consistency-Token"] == outbox.token(outbox.top_position())


@pytest.mark.django_db(transaction=True)
def test_a_refused_write_and_a_read_carry_no_token(staff_client: APIClient, school: School):
    refused = staff_client.post(
        f"{API}/delegations/",
        {"delegator": school.bob.pk, "delegatee": school.bob.pk, "permission": "blog.publish"},
        format="json",
    )
    listed = staff_client.get(f"{API}/delegations/")
    assert refused.status_code == 400 and listed.status_code == 200
    assert "Consistency-Token" not in refused
    assert "Consistency-Token" not in listed


# --- the watermark --------------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_the_watermark_reaches_the_newest_event_once_drained(
    graph: Neo4jGraphBackend, school: School
):
    graph.rebuild()
    assert graph.applied_position() == outbox.top_position()
    lend(school.alice, school.bob, permission=school.circulate)
    assert graph.applied_position() < outbox.top_position()

    graph.sync()

    assert graph.applied_position() == outbox.top_position()


class OpenWriter:
    """A writer in a thread of its own that writes one outbox event and keeps its transaction
    open until told to commit or roll back: an id allocated, not yet visible."""

    def __init__(self) -> None:
        self.written, self.finish = threading.Event(), threading.Event()
        self.commit = True
        self.position = 0
        self.thread = threading.Thread(target=self._run)
        self.thread.start()
        assert self.written.wait(WAIT)

    def _run(self) -> None:
        try:
            with transaction.atomic():
                permission = services.permission_create(
                    actor=None, codename=f"open.w{threading.get_ident()}"
                )
                self.position = (
                    OutboxEvent.objects.filter(kind="permission.upsert", payload__id=permission.pk)
                    .get()
                    .pk
                )
                self.written.set()
                assert self.finish.wait(WAIT)
                if not self.commit:
                    transaction.set_rollback(True)
        finally:
            connection.close()

    def end(self, *, commit: bool) -> None:
        self.commit = commit
        self.finish.set()
        self.thread.join(WAIT)


@pytest.fixture
def open_writers() -> Iterator[list[OpenWriter]]:
    writers: list[OpenWriter] = []
    yield writers
    for writer in writers:  # a failed test must not leave a transaction open
        if writer.thread.is_alive():
            writer.end(commit=False)


@pytest.mark.django_db(transaction=True)
def test_an_open_transaction_holds_the_watermark_below_its_event(
    graph: Neo4jGraphBackend, school: School, open_writers: list[OpenWriter]
):
    """A watermark of "the newest event applied" would pass an event that commits
    later with a lower id. The drain applies the newer event but the watermark stays below
    the open one's, and reaches the top once it has committed and been drained."""
    graph.rebuild()
    before = graph.applied_position()
    writer = OpenWriter()
    open_writers.append(writer)
    lend(school.alice, school.bob, permission=school.circulate)  # a higher id, committed
    assert outbox.top_position() > writer.position > before

    graph.sync()
    assert pending() == 0  # the newer event is applied...
    assert before <= graph.applied_position() < writer.position  # ...but not claimed

    writer.end(commit=True)
    graph.sync()
    assert graph.applied_position() == outbox.top_position()


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_gap_settles_even_while_other_writers_are_open(
    graph: Neo4jGraphBackend, school: School, open_writers: list[OpenWriter]
):
    """A rolled-back id never appears. Once its transaction has ended the gap is passed, even
    though another writer is open at that drain (the earlier drain's horizon settles)."""
    graph.rebuild()
    first = OpenWriter()
    open_writers.append(first)
    lend(school.alice, school.bob, permission=school.circulate)
    committed = outbox.top_position()
    graph.sync()
    assert graph.applied_position() < first.position

    first.end(commit=False)
    second = OpenWriter()
    open_writers.append(second)
    graph.sync()
    assert graph.applied_position() == committed  # past the gap, below the open second

    second.end(commit=True)
    graph.sync()
    assert graph.applied_position() == second.position == outbox.top_position()


def test_a_horizon_without_writers_settles_at_once():
    waiting = watermark.Mark(4, candidate=7, holders=frozenset({"3/1"}))
    assert watermark.Horizon(9, frozenset()).settle(waiting) == watermark.Mark(9)


def test_a_horizon_waits_for_the_writers_of_its_candidate():
    waiting = watermark.Mark(4, candidate=9, holders=frozenset({"3/1"}))
    assert watermark.Horizon(12, frozenset({"3/1", "4/7"})).settle(waiting) == waiting
    released = watermark.Horizon(12, frozenset({"4/7"})).settle(waiting)
    assert released == watermark.Mark(9, candidate=12, holders=frozenset({"4/7"}))
    fresh = watermark.Horizon(12, frozenset({"4/7"})).settle(watermark.Mark(4))
    assert fresh == watermark.Mark(4, candidate=12, holders=frozenset({"4/7"}))


# --- modes -------------------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_modes_before_and_after_the_worker_drains(
    graph: Neo4jGraphBackend, school: School, staff_client: APIClient
):
    """A revoke, then at once (no drain yet): the lagging graph still grants it. Only
    minimize_latency asks the graph; at_least_as_fresh with the revoke's token and
    fully_consistent are answered by SQL, which has the revoke. After the drain the graph
    decides every mode, at the revoke's position."""
    link = lend(school.alice, school.bob, permission=school.circulate)
    graph.rebuild()
    assert decision(ask(staff_client, school)) == (
        True,
        "neo4j",
        outbox.token(outbox.top_position()),
        "fully_consistent",
    )

    token = revoke(staff_client, link)
    stale = ask(staff_client, school, "minimize_latency")
    fresh = ask(staff_client, school, f"at_least_as_fresh:{token}")
    full = ask(staff_client, school, "fully_consistent")
    assert stale["allowed"] and stale["decided_by"] == "neo4j"
    assert int(stale["position"]) < int(token)
    assert decision(fresh) == (False, "sql", token, "fully_consistent")
    assert decision(full) == (False, "sql", token, "fully_consistent")

    graph.sync()

    assert decision(ask(staff_client, school, f"at_least_as_fresh:{token}")) == (
        False,
        "neo4j",
        token,
        f"at_least_as_fresh:{token}",
    )
    assert decision(ask(staff_client, school, "minimize_latency")) == (
        False,
        "neo4j",
        token,
        "minimize_latency",
    )
    assert decision(ask(staff_client, school)) == (False, "neo4j", token, "fully_consistent")


@pytest.mark.django_db(transaction=True)
def test_enforcement_never_decides_from_a_graph_behind_the_last_write(
    graph: Neo4jGraphBackend, school: School, member_user: User
):
    school.bob.user = member_user
    school.bob.save(update_fields=["user"])
    link = lend(school.alice, school.bob, permission=school.circulate)
    graph.rebuild()
    assert user_can(member_user, "library.circulate", T0 + 2 * DAY)

    services.delegation_revoke(actor=None, delegation=link, at=T0 + DAY)
    lagging = graph.check(school.bob.pk, "library.circulate", T0 + 2 * DAY, explain=False)

    assert lagging.allowed  # the graph has not seen the revoke...
    assert not user_can(member_user, "library.circulate", T0 + 2 * DAY)  # ...so SQL decides
    graph.sync()
    assert not user_can(member_user, "library.circulate", T0 + 2 * DAY)


def test_a_graph_that_is_down_leaves_every_mode_to_sql(
    school: School, staff_client: APIClient, settings: Any, caplog: pytest.LogCaptureFixture
):
    lend(school.alice, school.bob, permission=school.circulate)
    settings.NEO4J_BOLT_URL = "bolt://neo4j:secret@127.0.0.1:1"
    settings.GRAPH_BACKEND = "neo4j"
    top = outbox.token(outbox.top_position())

    for mode in ("fully_consistent", f"at_least_as_fresh:{top}", "minimize_latency"):
        assert decision(ask(staff_client, school, mode)) == (True, "sql", top, "fully_consistent")
    assert "the check was decided from SQL" in caplog.text


@pytest.mark.parametrize("mode", ["fully_consistent", "at_least_as_fresh:1", "minimize_latency"])
def test_the_sql_backend_is_always_fully_consistent(
    school: School, staff_client: APIClient, mode: str
):
    lend(school.alice, school.bob, permission=school.circulate)

    answer = ask(staff_client, school, mode)

    top = outbox.token(outbox.top_position())
    assert decision(answer) == (True, "sql", top, "fully_consistent")
    assert answer["backend"] == "sql"


@pytest.mark.parametrize(
    "mode",
    ["eventual", "at_least_as_fresh", "at_least_as_fresh:", "at_least_as_fresh:x1",
     "at_least_as_fresh:-3", "fully_consistent:4", "minimize_latency:", "at_least_as_fresh:٣"],
)  # fmt: skip
def test_an_unknown_consistency_is_a_400_naming_it(
    school: School, staff_client: APIClient, mode: str
):
    query: dict[str, Any] = {
        "person": school.bob.pk,
        "permission": "library.circulate",
        "consistency": mode,
    }
    response = staff_client.get(f"{API}/check/", query)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert "consistency" in error["fields"]


def test_consistency_parses_each_mode():
    assert modes.Consistency.parse("at_least_as_fresh:42") == modes.Consistency(
        "at_least_as_fresh", 42
    )
    for text in ("fully_consistent", "minimize_latency", "at_least_as_fresh:42"):
        assert str(modes.Consistency.parse(text)) == text


@pytest.mark.django_db(transaction=True)
def test_a_drain_of_nothing_still_settles_the_watermark(
    graph: Neo4jGraphBackend, school: School, open_writers: list[OpenWriter]
):
    """The worker polls: a gap that settles while nothing is pending must still be passed."""
    graph.rebuild()
    writer = OpenWriter()
    open_writers.append(writer)
    lend(school.alice, school.bob, permission=school.circulate)
    graph.sync()
    assert graph.applied_position() < writer.position
    writer.end(commit=False)

    assert projector.drain(graph.apply) == 0

    assert graph.applied_position() == outbox.top_position() > writer.position
