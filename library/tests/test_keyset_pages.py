"""Keyset pages of the library's large lists: every row once, in order, at any depth,
even across ties longer than DRF's own cursor could skip; forged cursors and page numbers are 400s;
the orderings are served by their indexes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse

from library import services
from library.models import Author, Book, Copy, Fine, Loan, Member
from library.tests.factories import (
    AuthorFactory,
    BookFactory,
    CopyFactory,
    HoldFactory,
    LoanFactory,
    MemberFactory,
)

pytestmark = pytest.mark.django_db


def url(name: str) -> str:
    return reverse(f"library-api:{name}")


def walk(client, path: str, size: int, **params) -> list[dict]:
    """Every page from the first by `next`, then back from the last by `previous`."""
    pages, body = [], client.get(path, {**params, "page_size": size}).json()
    pages.append(body["results"])
    while body["next"]:
        body = client.get(body["next"]).json()
        pages.append(body["results"])
    back = [body["results"]]
    while body["previous"]:
        body = client.get(body["previous"]).json()
        back.append(body["results"])
    assert back == pages[::-1], "pages read backwards are the same pages"
    return [row for page in pages for row in page]


@pytest.fixture
def fines_at_one_moment() -> list[Fine]:
    """Seven fines assessed at the same instant (the large seed has 1,600 per instant)."""
    loans = [LoanFactory() for _ in range(7)]
    moment = max(loan.due_at for loan in loans) + timedelta(days=3)
    for loan in loans:
        services.loan_return(actor=None, loan=loan, now=moment)
    fines = list(Fine.objects.all())
    assert len(fines) == 7 and len({fine.assessed_at for fine in fines}) == 1
    return fines


def test_fines_page_through_a_tie_on_assessed_at(staff_client, fines_at_one_moment) -> None:
    rows = walk(staff_client, url("fine-list"), 2)
    expected = sorted(fines_at_one_moment, key=lambda f: (f.assessed_at, f.pk), reverse=True)
    assert [row["id"] for row in rows] == [fine.pk for fine in expected]


def test_books_page_by_title_then_id_through_equal_titles(api_client) -> None:
    books = [BookFactory(title=title) for title in ["B", "A", "B", "C", "B", "A"]]
    rows = walk(api_client, url("book-list"), 2)
    assert [row["id"] for row in rows] == [
        b.pk for b in sorted(books, key=lambda b: (b.title, b.pk))
    ]
    desc = walk(api_client, url("book-list"), 4, ordering="-title")
    assert [row["title"] for row in desc] == ["C", "B", "B", "B", "A", "A"]


def test_copies_page_by_barcode(api_client) -> None:
    copies = [CopyFactory() for _ in range(5)]
    rows = walk(api_client, url("copy-list"), 2)
    assert [row["barcode"] for row in rows] == sorted(copy.barcode for copy in copies)


def test_active_loans_page_newest_first(staff_client) -> None:
    loans = [LoanFactory() for _ in range(5)]
    services.loan_return(actor=None, loan=loans[2], now=loans[2].due_at)
    rows = walk(staff_client, url("loan-list"), 2, active="true")
    assert [row["id"] for row in rows] == [loan.pk for loan in reversed(loans) if loan != loans[2]]


def test_authors_page_by_name_then_id_through_equal_names(api_client) -> None:
    authors = [AuthorFactory(name=name) for name in ["Le", "Ada", "Le", "Bo", "Le"]]
    rows = walk(api_client, url("author-list"), 2)
    assert [row["id"] for row in rows] == [
        a.pk for a in sorted(authors, key=lambda a: (a.name, a.pk))
    ]


def test_members_page_by_card_number(staff_client) -> None:
    members = [MemberFactory(card_number=card) for card in ["C3", "C1", "C5", "C2", "C4"]]
    rows = walk(staff_client, url("member-list"), 2)
    assert [row["card_number"] for row in rows] == sorted(m.card_number for m in members)


def test_holds_page_newest_first(staff_client) -> None:
    holds = [HoldFactory() for _ in range(5)]
    rows = walk(staff_client, url("hold-list"), 2)
    assert [row["id"] for row in rows] == [hold.pk for hold in reversed(holds)]


@pytest.mark.parametrize("name", ["author-list", "member-list", "hold-list"])
def test_the_lists_that_grow_refuse_page_numbers(staff_client, name: str) -> None:
    """Authors, members and holds page by key: by number each page cost OFFSET and COUNT(*)."""
    response = staff_client.get(url(name), {"page": 2})
    assert response.status_code == 400 and "page" in response.json()["error"]["fields"]
    assert "count" not in staff_client.get(url(name)).json()


@pytest.mark.parametrize(
    "cursor",
    [
        "cD1hYmM=",  # p=abc: not JSON
        "cD0lNUIxJTVE",  # p=[1]: one value for a two-column key
        "cD0lNUIlMjJub3QtYS1kYXRlJTIyJTJDMSU1RA==",  # p=["not-a-date",1]
        "cD0lNUIlNUIxJTVEJTJDMSU1RA==",  # p=[[1],1]: a list where a value belongs
    ],
)
def test_a_forged_fine_cursor_is_a_400(staff_client, cursor: str) -> None:
    response = staff_client.get(url("fine-list"), {"cursor": cursor})
    assert response.status_code == 400
    assert "cursor" in response.json()["error"]["fields"]


def test_page_numbers_on_a_keyset_list_are_a_400_but_a_search_pages_by_number(api_client) -> None:
    BookFactory(title="River")
    response = api_client.get(url("book-list"), {"page": 2})
    assert response.status_code == 400
    assert "page" in response.json()["error"]["fields"]
    searched = api_client.get(url("book-list"), {"q": "river", "page": 1}).json()
    assert searched["count"] == 1 and searched["count_exact"] is True


def plan_of(sql: str, params: tuple) -> str:
    """The plan PostgreSQL picks when a sequential scan is the last resort (tables here are
    tiny, so without it the planner rightly scans them)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        # An empty table costs a sort nothing: make the plan take its order from an index.
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="index plans are PostgreSQL's")
def test_fines_and_active_loans_orderings_are_index_served() -> None:
    fines = Fine.objects.order_by("-assessed_at", "-id")[:21]
    assert "fine_assessed_idx" in plan_of(*fines.query.sql_with_params())
    active = Loan.objects.filter(returned_at__isnull=True).order_by("-id")[:21]
    assert "loan_active_id_idx" in plan_of(*active.query.sql_with_params())
    books = Book.objects.order_by("title", "id")[:21]
    assert "book_title_id_idx" in plan_of(*books.query.sql_with_params())
    copies = Copy.objects.order_by("barcode")[:21]
    assert "barcode" in plan_of(*copies.query.sql_with_params())
    authors = Author.objects.order_by("name", "id")[:21]
    assert "author_name_idx" in plan_of(*authors.query.sql_with_params())
    members = Member.objects.order_by("card_number")[:21]
    assert "card_number" in plan_of(*members.query.sql_with_params())
