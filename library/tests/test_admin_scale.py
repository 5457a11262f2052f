"""`common.changelists` on the loan list: counts exact up to the cap, then
PostgreSQL's estimate; pages read by key; every page reachable past an estimate; the bounded
year filter in place of `date_hierarchy`."""

from __future__ import annotations

from datetime import timedelta
from unittest.mock import patch

import pytest
from django.contrib import admin
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from common.changelists import EstimatedCountPaginator
from devtools.testing import admin_url
from library.models import Loan
from library.tests.factories import LoanFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def five_loans() -> list[Loan]:
    now = timezone.now()
    return [
        LoanFactory(loaned_at=now - timedelta(days=400 * number), due_at=now + timedelta(days=1))
        for number in range(5)
    ]


def test_the_count_is_exact_up_to_the_cap(five_loans, settings):
    settings.API_COUNT_CAP = 10
    paginator = EstimatedCountPaginator(Loan.objects.order_by("-id"), 2)
    assert (paginator.count, paginator.estimated) == (5, False)


def test_past_the_cap_the_count_is_an_estimate_and_the_page_says_about(
    admin_client: Client, five_loans, settings
):
    settings.API_COUNT_CAP = 2
    paginator = EstimatedCountPaginator(Loan.objects.order_by("-id"), 2)
    assert paginator.count >= 3 and paginator.estimated
    page = admin_client.get(admin_url(Loan, "changelist"))
    assert "about " in page.content.decode()


def test_every_page_stays_reachable_past_a_short_estimate(admin_client: Client, settings):
    """An estimate below the true count (a stale `reltuples`) must not hide the last rows."""
    settings.API_COUNT_CAP = 1
    LoanFactory.create_batch(2)
    with connection.cursor() as cursor:  # PostgreSQL last saw two loans
        cursor.execute("ANALYZE library_loan")
    LoanFactory.create_batch(3)
    model_admin = admin.site.get_model_admin(Loan)
    with patch.object(model_admin, "list_per_page", 1):
        last = admin_client.get(admin_url(Loan, "changelist"), {"p": "5"})
    assert last.status_code == 200 and len(last.context["cl"].result_list) == 1


def test_a_page_reads_its_keys_first_then_its_rows(five_loans):
    """`OFFSET` only on the ordering's index: the joined query fetches the page's keys."""
    paginator = EstimatedCountPaginator(Loan.objects.select_related("copy").order_by("-id"), 2)
    with CaptureQueriesContext(connection) as queries:
        rows = list(paginator.page(2).object_list)
    keys_query, rows_query = (query["sql"] for query in queries.captured_queries[-2:])
    assert [loan.pk for loan in rows] == [five_loans[2].pk, five_loans[1].pk]
    assert "OFFSET 2" in keys_query and "library_copy" not in keys_query
    assert "OFFSET" not in rows_query and "library_copy" in rows_query


def test_the_year_filter_lists_the_years_from_the_first_to_the_last(
    admin_client: Client, five_loans
):
    page = admin_client.get(admin_url(Loan, "changelist"))
    years = [year for year, _ in _choices(page, "loaned_at_year")]
    this_year = timezone.localdate().year
    oldest = timezone.localtime(five_loans[-1].loaned_at).year
    assert years == [str(year) for year in range(this_year, oldest - 1, -1)]
    filtered = admin_client.get(admin_url(Loan, "changelist"), {"loaned_at_year": str(oldest)})
    assert [row.pk for row in filtered.context["cl"].result_list] == [five_loans[-1].pk]


def _choices(page, parameter: str) -> list[tuple[str, str]]:
    spec = next(s for s in page.context["cl"].filter_specs if s.parameter_name == parameter)
    return list(spec.lookup_choices)
