"""Twenty desks lend the same copy at the same moment: exactly one loan, nineteen conflicts."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from common.exceptions import ConflictError
from library import services
from library.models import CirculationEvent, Copy, Loan
from library.tests.factories import CopyFactory, MemberFactory

THREADS = 20


def _checkout_in_thread(
    member_id: int, barcode: str, start: threading.Barrier, outcomes: list[str]
) -> None:
    """Run in its own thread, hence with its own database connection (closed at the end)."""
    try:
        start.wait()
        services.checkout(actor=None, member_id=member_id, barcodes=[barcode])
        outcomes.append("lent")
    except ConflictError as error:
        outcomes.append(error.code)
    except Exception as error:  # noqa: BLE001 - any other outcome must fail the test, visibly
        outcomes.append(f"unexpected {type(error).__name__}: {error}")
    finally:
        connection.close()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_concurrent_checkouts_of_one_copy_lend_it_once():
    assert connection.vendor == "postgresql", "row locks need the real database"
    copy = CopyFactory()
    members = [MemberFactory() for _ in range(THREADS)]
    start = threading.Barrier(THREADS)
    outcomes: list[str] = []
    threads = [
        threading.Thread(target=_checkout_in_thread, args=(m.pk, copy.barcode, start, outcomes))
        for m in members
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == ["copy_on_loan"] * (THREADS - 1) + ["lent"]
    assert Loan.objects.filter(copy=copy, returned_at__isnull=True).count() == 1
    assert Copy.objects.get(pk=copy.pk).status == Copy.Status.ON_LOAN
    assert CirculationEvent.objects.filter(outcome="refused").count() == THREADS - 1
