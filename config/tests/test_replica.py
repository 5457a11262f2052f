"""Reads on a real PostgreSQL streaming replica (the `replica` fixture; scripts/test.sh starts the
standby): routing, read-your-writes by consistency token, and the replica's faults.

The standby is made to lag with `recovery_min_apply_delay`, stopped by killing its process and
hung through the fault proxy. Bounds on fault handling are generous, in the house style of
`common/tests/test_faults.py`; nothing else is timed.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connections, router, transaction
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from common import breaker, consistency, metrics
from common.breaker import CLOSED
from common.db import replica
from delegation.tests.scenario import DAY, T0, School, build_school
from devtools import standby
from devtools.faults import database_behind_proxy
from library.models import Book, Loan
from library.tests.factories import CopyFactory, MemberFactory
from school.tests.factories import PersonFactory, SectionFactory

pytestmark = [
    pytest.mark.django_db(transaction=True, databases=["default", "replica"]),
    pytest.mark.usefixtures("replica"),
]

BOOKS = "/api/library/books/"
LOANS = reverse("library-api:loan-list")
CHECKOUT = reverse("library-api:checkout")
ENROLLMENTS = reverse("school-api:enrollments")
HEALTH = reverse("api-health")
# Pairs of the stale-read proof; `REPLICA_PAIRS=1000` runs a thousand (a few minutes).
PAIRS = int(os.environ.get("REPLICA_PAIRS", "100"))
LAG_MS = 300


def _get(client: APIClient, url: str, token: str | None = None, **query: Any) -> Any:
    """One request, its connections released at the end as a server does."""
    headers = {consistency.HEADER: token} if token else {}
    try:
        return client.get(url, query, headers=headers)
    finally:
        connections.close_all()


def _post(client: APIClient, url: str, body: dict[str, Any]) -> Any:
    try:
        return client.post(url, body, format="json")
    finally:
        connections.close_all()


def answered_by_replica(response: Any) -> bool:
    """What the response says served its reads (`Server-Timing: reads;…;desc="replica (…)"`)."""
    return 'desc="replica (' in response["Server-Timing"]


def _wait_for(condition: Callable[[], bool], seconds: float = 15.0) -> None:
    until = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < until, "condition never held"
        time.sleep(0.05)


# --- routing ------------------------------------------------------------------------------------
def test_reads_go_to_the_replica_and_writes_with_their_reads_to_the_primary(
    staff_client: APIClient,
):
    member, copy = MemberFactory(), CopyFactory()
    standby.caught_up()

    read = _get(staff_client, BOOKS)
    written = _post(staff_client, CHECKOUT, {"member": member.pk, "copies": [copy.barcode]})

    assert read.status_code == 200 and answered_by_replica(read)
    assert written.status_code == 201 and not answered_by_replica(written)
    token = consistency.parse(written[consistency.HEADER])
    assert token.lsn is not None  # the write's WAL position


def test_transactions_locks_and_migrations_stay_on_the_primary():
    with replica.request_route(lsn=None, pinned=""):
        assert router.db_for_read(Book) == "replica"
        with transaction.atomic():
            assert router.db_for_read(Book) == "default"
        assert Book.objects.select_for_update().db == "default"
    assert router.db_for_read(Book) == "default"  # outside a request: commands, workers
    assert not router.allow_migrate("replica", "library")
    assert router.allow_migrate("default", "library")


def test_the_admin_reads_the_primary(admin_client: Any):
    standby.caught_up()
    response = admin_client.get(reverse("admin:library_desk"))
    assert response.status_code == 200
    assert not answered_by_replica(response)


def test_a_malformed_token_is_a_400_in_the_error_shape(staff_client: APIClient):
    response = _get(staff_client, BOOKS, token="12@not-an-lsn")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


# --- read-your-writes: the proof ----------------------------------------------------------------
def _stale_reads(client: APIClient, pairs: int, *, with_token: bool) -> int:
    """Check out a fresh copy, then at once read the newest loan: stale when it is not the one
    just lent. Returns how many of `pairs` reads were stale."""
    members = [MemberFactory() for _ in range(pairs)]
    copies = [CopyFactory() for _ in range(pairs)]
    standby.caught_up()
    stale = 0
    for member, copy in zip(members, copies, strict=True):
        lent = _post(client, CHECKOUT, {"member": member.pk, "copies": [copy.barcode]})
        assert lent.status_code == 201, lent.content
        token = lent[consistency.HEADER] if with_token else None
        read = _get(client, LOANS, token, page_size=1)
        assert read.status_code == 200
        newest = read.json()["results"][0]["id"] if read.json()["results"] else None
        stale += newest != lent.json()["loans"][0]["id"]
    return stale


def test_write_then_read_with_the_token_is_never_stale_without_it_is(staff_client: APIClient):
    standby.apply_delay(LAG_MS)

    with_token = _stale_reads(staff_client, PAIRS, with_token=True)
    without_token = _stale_reads(staff_client, PAIRS, with_token=False)

    counts = f"with the token {with_token}, without {without_token}"
    print(f"\nstale reads of {PAIRS} pairs, replica {LAG_MS} ms behind: {counts}")  # noqa: T201
    assert with_token == 0
    assert without_token > 0  # the reads can see a stale replica: the check above can fail


def test_a_token_the_replica_has_reached_is_served_by_it(staff_client: APIClient):
    lent = _post(
        staff_client, CHECKOUT, {"member": MemberFactory().pk, "copies": [CopyFactory().barcode]}
    )
    standby.caught_up()
    read = _get(staff_client, LOANS, lent[consistency.HEADER])
    assert read.status_code == 200 and answered_by_replica(read)
    assert metrics.read_route_counts()[("replica", "token_reached")] >= 1


def test_pages_keep_the_token_in_the_session(client: Any, member_user: User):
    client.force_login(member_user)
    standby.apply_delay(LAG_MS)
    member = MemberFactory(user=member_user)
    copy = CopyFactory()
    due = timezone.now() + timedelta(days=14)
    Loan.objects.create(copy=copy, member=member, due_at=due)  # committed, not yet replayed

    password = client.post(
        reverse("password_change"),
        {"old_password": "pw", "new_password1": "a-new-pass-9", "new_password2": "a-new-pass-9"},
    )
    account = client.get(reverse("account"))

    assert password.status_code == 302
    assert consistency.parse(client.session[consistency.SESSION_KEY]).lsn
    assert account.status_code == 200 and copy.barcode in account.content.decode()


# --- the product's flows with the replica on ----------------------------------------------------
def test_an_enrolment_leaves_no_stale_course_list_in_the_cache(
    member_client: APIClient, member_user: User
):
    """The course list is cached; a miss right after the enrolment (no token, the replica
    300 ms behind) must not store the seat count from before it."""
    PersonFactory(user=member_user)
    section = SectionFactory()
    standby.caught_up()
    standby.apply_delay(LAG_MS)

    enrolled = _post(member_client, ENROLLMENTS, {"section": section.pk})
    at_once = _get(member_client, reverse("school-api:courses"))
    standby.caught_up()
    later = _get(member_client, reverse("school-api:courses"))

    assert enrolled.status_code == 201, enrolled.content
    assert at_once["X-Cache"] == "miss" and later["X-Cache"] == "hit"
    assert later.json()["results"][0]["sections"][0]["enrolled"] == 1


def test_delegation_then_its_list_and_check_include_it(staff_client: APIClient):
    school: School = build_school()
    standby.caught_up()
    standby.apply_delay(LAG_MS)

    created = _post(
        staff_client,
        "/api/delegation/delegations/",
        {
            "delegator": school.alice.pk,
            "delegatee": school.bob.pk,
            "permission": "library.circulate",
            "valid_from": T0.isoformat(),
            "expires_at": (T0 + 10 * DAY).isoformat(),
        },
    )
    token = created[consistency.HEADER]
    listed = _get(staff_client, "/api/delegation/delegations/", token)
    check = _get(
        staff_client,
        "/api/delegation/check/",
        token,
        person=school.bob.pk,
        permission="library.circulate",
        at=(T0 + DAY).isoformat(),
        consistency=f"at_least_as_fresh:{token}",
    )

    assert created.status_code == 201, created.content
    assert created.json()["id"] in [row["id"] for row in listed.json()["results"]]
    assert check.status_code == 200 and check.json()["allowed"]


# --- faults -------------------------------------------------------------------------------------
def test_a_stopped_replica_leaves_reads_to_the_primary_until_it_is_back(api_client: APIClient):
    standby.caught_up()
    assert answered_by_replica(_get(api_client, BOOKS))
    standby.stop()
    try:
        for _ in range(5):
            response = _get(api_client, BOOKS)
            assert response.status_code == 200 and not answered_by_replica(response)
        health = _get(api_client, HEALTH).json()
        assert health["status"] == "degraded" and "replica" in health["degraded"]
        assert health["breakers"]["database.replica"]["state"] != CLOSED
    finally:
        standby.start()
    _wait_for(lambda: answered_by_replica(_get(api_client, BOOKS)))


def test_a_hung_replica_costs_one_deadline_then_nothing(api_client: APIClient, settings: Any):
    settings.CIRCUIT_BREAKER_FAILURES = 1
    with database_behind_proxy(replica.REPLICA, cooldown=0.2) as proxy:
        assert answered_by_replica(_get(api_client, BOOKS))
        proxy.hang()
        first = time.perf_counter()
        assert _get(api_client, BOOKS).status_code == 200  # after the replica's deadline
        first = time.perf_counter() - first
        assert breaker.breaker("database.replica").state != CLOSED
        then = time.perf_counter()
        response = _get(api_client, BOOKS)
        then = time.perf_counter() - then
        assert response.status_code == 200 and not answered_by_replica(response)
        assert first < 5.0 and then < 0.5  # the deadline (1 s), then the open breaker
        proxy.restore()
        _wait_for(lambda: answered_by_replica(_get(api_client, BOOKS)))


def test_a_lagging_replica_shows_its_lag_and_tokens_go_to_the_primary(staff_client: APIClient):
    standby.apply_delay(3000)
    lent = _post(
        staff_client, CHECKOUT, {"member": MemberFactory().pk, "copies": [CopyFactory().barcode]}
    )
    read = _get(staff_client, LOANS, lent[consistency.HEADER])
    time.sleep(0.5)  # the age of the newest replayed commit grows while WAL waits
    health = _get(staff_client, HEALTH).json()["stores"]["replica"]
    scraped = _get(staff_client, reverse("metrics")).content.decode()

    assert read.status_code == 200 and not answered_by_replica(read)
    assert metrics.read_route_counts()[("db", "token_behind")] >= 1
    assert health["status"] == "up" and health["details"]["lag_bytes"] > 0
    assert health["details"]["lag_seconds"] > 0
    assert "campus_replica_lag_bytes" in scraped and "campus_replica_lag_seconds" in scraped
