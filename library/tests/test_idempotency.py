"""`Idempotency-Key` on the checkout endpoint (`common.idempotency`), on real PostgreSQL: a retry
gets the first answer and lends nothing more; a lost COMMIT acknowledgement, cut by the real
fault proxy, ends with one loan and the client holding its 201."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from common.idempotency import HEADER, REPLAYED
from common.models import IdempotentRequest
from common.tests.test_faults import database_proxy  # noqa: F401 (a fixture)
from library import services
from library.models import CirculationEvent, Loan
from library.tests.factories import CopyFactory, LoanFactory, MemberFactory

CHECKOUT = reverse("library-api:checkout")


def _post(client: Any, body: dict[str, Any], key: str | None = None) -> Any:
    headers = {HEADER: key} if key is not None else {}
    return client.post(CHECKOUT, body, format="json", headers=headers)


def _checkout_body() -> dict[str, Any]:
    return {"member": MemberFactory().pk, "copies": [CopyFactory().barcode]}


@pytest.mark.django_db
def test_a_retry_with_the_same_key_gets_the_same_answer_and_lends_nothing_more(staff_client):
    body = _checkout_body()
    first = _post(staff_client, body, "key-1")
    again = _post(staff_client, {**body}, "key-1")
    assert first.status_code == again.status_code == 201, first.content
    assert again.json() == first.json()
    assert (first.headers.get(REPLAYED), again.headers[REPLAYED]) == (None, "true")
    assert Loan.objects.count() == 1
    assert CirculationEvent.objects.filter(action="checkout").count() == 1


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_a_422_and_lends_nothing(staff_client):
    body = _checkout_body()
    assert _post(staff_client, body, "key-1").status_code == 201
    other = {**body, "copies": [CopyFactory().barcode]}
    response = _post(staff_client, other, "key-1")
    assert response.status_code == 422
    error = response.json()["error"]
    assert (error["status"], error["code"]) == (422, "idempotency_key_reused")
    assert HEADER in error["fields"]
    assert Loan.objects.count() == 1


@pytest.mark.django_db
def test_keys_belong_to_their_user(staff_client, staff_user, api_client):
    """Another user's same key is another key: it executes."""
    other = type(staff_user).objects.create_user("desk2", is_staff=True)
    other.is_superuser = True
    other.save()
    api_client.force_authenticate(other)
    assert _post(staff_client, _checkout_body(), "shared").status_code == 201
    assert _post(api_client, _checkout_body(), "shared").status_code == 201
    assert Loan.objects.count() == 2


@pytest.mark.django_db
def test_without_the_header_nothing_is_stored(staff_client):
    assert _post(staff_client, _checkout_body()).status_code == 201
    assert not IdempotentRequest.objects.exists()


@pytest.mark.django_db
def test_a_refused_checkout_is_replayed_as_the_same_409_not_executed_again(staff_client):
    """The refusal was the request's outcome: replayed even once the copy is back on the shelf
    (a retry must not turn into a different write), and logged once."""
    loan = LoanFactory()
    body = {"member": MemberFactory().pk, "copies": [loan.copy.barcode]}
    first = _post(staff_client, body, "refused")
    assert first.status_code == 409
    services.loan_return(actor=None, loan=loan)
    again = _post(staff_client, body, "refused")
    assert (again.status_code, again.headers[REPLAYED]) == (409, "true")
    assert again.json() == first.json()
    assert again.json()["error"]["code"] == "copy_on_loan"
    assert Loan.objects.filter(returned_at__isnull=True).count() == 0
    refused = CirculationEvent.objects.filter(outcome="refused", action="checkout")
    assert refused.count() == 1


@pytest.mark.django_db
def test_input_the_serializer_rejects_is_not_stored_the_corrected_retry_executes(staff_client):
    body = _checkout_body()
    assert _post(staff_client, {"member": body["member"]}, "k").status_code == 400
    assert not IdempotentRequest.objects.exists()
    assert _post(staff_client, body, "k").status_code == 201


@pytest.mark.django_db
def test_a_key_longer_than_255_characters_is_a_400(staff_client):
    response = _post(staff_client, _checkout_body(), "k" * 256)
    assert response.status_code == 400
    assert HEADER in response.json()["error"]["fields"]
    assert not Loan.objects.exists()


@pytest.mark.django_db
def test_an_expired_key_starts_afresh_and_prune_deletes_only_expired_rows(staff_client, settings):
    settings.IDEMPOTENCY_KEY_RETENTION = 60
    assert _post(staff_client, _checkout_body(), "old").status_code == 201
    assert _post(staff_client, _checkout_body(), "new").status_code == 201
    IdempotentRequest.objects.filter(key="old").update(
        created_at=timezone.now() - timedelta(seconds=61)
    )
    # Another body under the expired key is not a 422: the key is free again.
    assert _post(staff_client, _checkout_body(), "old").status_code == 201
    IdempotentRequest.objects.filter(key="old").update(
        created_at=timezone.now() - timedelta(seconds=61)
    )
    call_command("idempotency_prune", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert list(IdempotentRequest.objects.values_list("key", flat=True)) == ["new"]
    assert Loan.objects.count() == 3


@pytest.mark.django_db
def test_a_duplicate_while_the_first_is_in_flight_is_a_409(staff_client, staff_user):
    """Another transaction holds the key (as the first request does while it lends): the
    duplicate answers 409 at once, lends nothing, stores nothing."""
    holding, release = threading.Event(), threading.Event()

    def hold_the_key() -> None:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
                    [f"idem:{staff_user.pk}:dup"],
                )
                holding.set()
                release.wait(10)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_the_key)
    holder.start()
    try:
        assert holding.wait(10)
        started = time.perf_counter()
        response = _post(staff_client, _checkout_body(), "dup")
        assert time.perf_counter() - started < 2.0  # not waiting for the holder
    finally:
        release.set()
        holder.join(10)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_key_in_flight"
    assert not Loan.objects.exists()
    assert not IdempotentRequest.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_make_one_loan(staff_user):
    """Eight clients send the same key and body at once: one lends; each other one is told
    409 (in flight) or gets the replayed 201; never two loans."""
    from rest_framework.test import APIClient

    body = _checkout_body()
    barrier, statuses = threading.Barrier(8), []

    def send() -> None:
        client = APIClient()
        client.force_authenticate(staff_user)
        barrier.wait()
        try:
            response = _post(client, body, "race")
            statuses.append((response.status_code, response.headers.get(REPLAYED)))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert statuses.count((201, None)) == 1, statuses
    assert set(statuses) <= {(201, None), (201, "true"), (409, None)}
    assert Loan.objects.count() == 1
    assert IdempotentRequest.objects.count() == 1


DEADLINE = 1.0
SLOW = 0.6  # each way: the COMMIT arrives (and commits) in time, its answer after the deadline


@override_settings(DB_QUERY_DEADLINE=DEADLINE)
def test_a_lost_commit_acknowledgement_ends_with_one_loan_and_the_201_on_retry(
    database_proxy,  # noqa: F811
    staff_user,
):
    """The proxy slows the connection right after the stored answer's INSERT: the COMMIT
    reaches PostgreSQL and commits, its answer comes after the query deadline, the watchdog cuts
    the socket and the client gets a 503. The retry with the same key gets the 201."""
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(staff_user)
    body = _checkout_body()
    connections.close_all()

    def slow_after_storing(execute: Any, sql: str, *args: Any) -> Any:
        result = execute(sql, *args)
        if sql.startswith('INSERT INTO "common_idempotentrequest"'):
            database_proxy.slow(SLOW)  # the next round trip is the COMMIT
        return result

    try:
        with connection.execute_wrapper(slow_after_storing):
            lost = _post(client, body, "lost-ack")
    finally:
        connections.close_all()
        database_proxy.restore()
    assert lost.status_code == 503, lost.content
    # The retry is replayed, not executed: the loan committed though the client got a 503.
    retry = _retry_until_answered(client, body, "lost-ack")
    assert (retry.status_code, retry.headers[REPLAYED]) == (201, "true")
    assert [loan["barcode"] for loan in retry.json()["loans"]] == body["copies"]
    assert Loan.objects.count() == 1


def _retry_until_answered(client: Any, body: dict[str, Any], key: str) -> Any:
    """The retry a client makes once the service answers again (the breaker's cool-down)."""
    give_up = time.monotonic() + 10
    while True:
        try:
            response = _post(client, body, key)
        finally:
            connections.close_all()
        if response.status_code != 503 or time.monotonic() > give_up:
            return response
        time.sleep(0.1)
