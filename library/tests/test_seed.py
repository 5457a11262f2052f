"""The library's seed step runs end to end on small data, twice."""

from __future__ import annotations

import pytest

from library import seed
from library.models import Book, Copy, Hold, Loan, Member

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_library(monkeypatch) -> None:
    monkeypatch.setitem(seed.SIZES, "small", (12, 5, 6, 40))
    seed.seed(size="small", log=lambda line: None)


def test_seed_is_idempotent_and_consistent(small_library):
    counts = [Book.objects.count(), Copy.objects.count(), Member.objects.count()]
    loans = Loan.objects.count()
    seed.seed(size="small", log=lambda line: None)
    assert [Book.objects.count(), Copy.objects.count(), Member.objects.count()] == counts
    assert Loan.objects.count() == loans == 40
    active = Loan.objects.filter(returned_at__isnull=True).values_list("copy_id", flat=True)
    assert set(Copy.objects.filter(status=Copy.Status.ON_LOAN).values_list("id", flat=True)) == set(
        active
    )
    assert Hold.objects.exists()
