"""Many desks at the same moment, each thread on its own database connection (PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial
from typing import cast

import pytest
from django.db import connection

from devtools.testing import race_past_the_checks, record_outcome
from library import services
from library.models import CirculationEvent, Copy, Hold, Loan
from library.tests.factories import (
    BookFactory,
    CopyFactory,
    MemberCategoryFactory,
    MemberFactory,
)

THREADS = 20

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _run_at_once(calls: list[Callable[[], object]]) -> list[str]:
    """Start every call at the same instant; each one's outcome: "ok" or the refusal code."""
    start = threading.Barrier(len(calls))
    outcomes: list[str] = []

    def run(call: Callable[[], object]) -> None:
        start.wait()
        call()

    threads = [
        threading.Thread(target=record_outcome, args=(partial(run, call), outcomes))
        for call in calls
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_concurrent_checkouts_of_one_copy_lend_it_once():
    assert connection.vendor == "postgresql", "row locks need the real database"
    copy = CopyFactory()
    members = [MemberFactory() for _ in range(THREADS)]
    outcomes = _run_at_once(
        [
            partial(services.loan_checkout, actor=None, member=m, barcodes=[copy.barcode])
            for m in members
        ]
    )
    assert sorted(outcomes) == ["copy_on_loan"] * (THREADS - 1) + ["ok"]
    assert Loan.objects.filter(copy=copy, returned_at__isnull=True).count() == 1
    assert Copy.objects.get(pk=copy.pk).status == Copy.Status.ON_LOAN
    assert CirculationEvent.objects.filter(outcome="refused").count() == THREADS - 1


def test_one_member_at_two_desks_gets_no_more_loans_than_allowed():
    """The member's row lock and the loan count re-read under it: without them both desks
    count no loan and both lend."""
    member = MemberFactory(category=MemberCategoryFactory(code="one-loan", max_loans=1))
    desks = [
        partial(services.loan_checkout, actor=None, member=member, barcodes=[copy.barcode])
        for copy in (CopyFactory(), CopyFactory())
    ]
    outcomes = race_past_the_checks(Loan, desks)
    assert sorted(outcomes) == ["loan_limit", "ok"]
    assert Loan.objects.filter(member=member, returned_at__isnull=True).count() == 1


def test_concurrent_holds_get_a_dense_queue():
    book = BookFactory()
    members = [MemberFactory() for _ in range(10)]
    outcomes = _run_at_once(
        [partial(services.hold_place, actor=None, member=m, book=book) for m in members]
    )
    assert outcomes == ["ok"] * 10
    positions = Hold.objects.filter(book=book).values_list("position", flat=True)
    # cast: a None would make sorted() raise, failing the test all the same.
    assert sorted(cast("list[int]", list(positions))) == list(range(1, 11))


def test_multi_copy_checkouts_in_opposite_orders_do_not_deadlock():
    """Books, then copies, are locked in key order, whatever order the request names them in."""
    first, second = CopyFactory(), CopyFactory()
    orders = [[first.barcode, second.barcode], [second.barcode, first.barcode]] * 5
    members = [MemberFactory() for _ in orders]
    outcomes = _run_at_once(
        [
            partial(services.loan_checkout, actor=None, member=m, barcodes=codes)
            for m, codes in zip(members, orders, strict=True)
        ]
    )
    assert sorted(outcomes) == ["copy_on_loan"] * (len(orders) - 1) + ["ok"]
    assert Loan.objects.filter(returned_at__isnull=True).count() == 2
