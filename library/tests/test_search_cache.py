"""The book search's rankings cached per query string (`library.caching`), on real Redis.

Uncached, "river" ranks 56,000 matches on every request, about 40 ms of both cores, for anyone
who asks, anonymously. A ranking depends on the catalogue alone, so a repeated search reads its
count and page keys from the cache and only the page's rows from the database.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from common.cache.readthrough import read_one
from library import services
from library.caching import LAB, SEARCHES
from library.models import Book, Copy
from library.tests.factories import BookFactory, CopyFactory

pytestmark = pytest.mark.django_db

BOOKS = reverse("library-api:book-list")


def search(client, **params) -> tuple[dict, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(BOOKS, params)
    assert response.status_code == 200, response.content
    return response.json(), [query["sql"] for query in queries.captured_queries]


def ranked(statements: list[str]) -> list[str]:
    """The statements that count or rank the matches (the ones the cache saves)."""
    return [sql for sql in statements if "@@" in sql and '"library_book"."id" AS "pk"' in sql]


@pytest.fixture
def rivers() -> list:
    return [BookFactory(title=f"River {number}") for number in range(3)]


def test_a_repeated_search_reads_its_ranking_from_the_cache(api_client, rivers):
    first, cold = search(api_client, q="river", page_size=2, page=2)
    again, warm = search(api_client, q="river", page_size=2, page=2)
    assert again["results"] == first["results"] and again["count"] == first["count"] == 3
    assert len(ranked(cold)) == 2 and ranked(warm) == []
    other_page, statements = search(api_client, q="river", page_size=2)  # a slot per page
    assert len(ranked(statements)) == 2 and len(other_page["results"]) == 2


def test_a_catalogue_write_invalidates_every_ranking_after_it_commits(
    api_client, rivers, staff_user, django_capture_on_commit_callbacks
):
    search(api_client, q="river")
    with django_capture_on_commit_callbacks(execute=True):
        services.book_update(actor=staff_user, book=rivers[0], title="Mountain")
        services.book_create(
            actor=staff_user, title="River delta", isbn="9780306406157", category=rivers[0].category
        )
    found, statements = search(api_client, q="river")
    assert sorted(row["title"] for row in found["results"]) == ["River 1", "River 2", "River delta"]
    assert len(ranked(statements)) == 2


def test_rows_stay_current_under_a_cached_ranking(api_client, rivers, staff_user):
    copy = CopyFactory(book=rivers[0])
    search(api_client, q="river 0")
    Copy.objects.filter(pk=copy.pk).update(status=Copy.Status.LOST)  # no catalogue write
    found, statements = search(api_client, q="river 0")
    assert ranked(statements) == [] and found["results"][0]["available_copies"] == 0


def test_a_filter_on_circulation_state_is_never_cached(api_client, rivers):
    CopyFactory(book=rivers[1])
    search(api_client, q="river", available="true")
    found, statements = search(api_client, q="river", available="true")
    assert [row["title"] for row in found["results"]] == ["River 1"]
    assert len(ranked(statements)) == 2


def test_a_page_past_the_end_is_a_404_and_caches_nothing(api_client, rivers):
    past_the_end = {"q": "river", "page": 9, "page_size": 1}
    assert api_client.get(BOOKS, past_the_end).status_code == 404
    for _ in range(8):  # no commit in this test, so no invalidation: only a miss sees them
        BookFactory(title="River more")
    found, _ = search(api_client, **past_the_end)
    assert found["count"] == 11 and len(found["results"]) == 1


@pytest.mark.parametrize("family", [SEARCHES, LAB], ids=["searches", "lab"])
def test_catalogue_writes_invalidate_each_family_and_circulation_writes_do_not(
    family, rivers, staff_user, django_capture_on_commit_callbacks
):
    def books() -> int:
        return Book.objects.count()

    read_one(family, "ident", books)
    with django_capture_on_commit_callbacks(execute=True):
        services.copy_create(actor=staff_user, book=rivers[0], barcode="C-1")
        services.member_category_create(
            actor=staff_user, code="c", name="C", loan_days=7, max_loans=3
        )
    assert read_one(family, "ident", books).source(family) == "cache"
    with django_capture_on_commit_callbacks(execute=True):
        services.category_update(actor=staff_user, category=rivers[0].category, name="Renamed")
    assert read_one(family, "ident", books).source(family) == "origin"
    with django_capture_on_commit_callbacks(execute=True):
        services.book_create(
            actor=staff_user, title="River delta", isbn="9780306406157", category=rivers[0].category
        )
    found = read_one(family, "ident", books)
    assert (found.source(family), found.of(family)["ident"]) == ("origin", 4)
