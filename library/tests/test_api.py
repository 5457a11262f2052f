"""The library API: status codes, permissions, filters, search and query counts of every list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from devtools.testing import assert_constant_queries_for_page_sizes
from library import services
from library.models import Book, CirculationEvent, Copy, Hold, Loan
from library.tests.factories import (
    AuthorFactory,
    BookAuthorFactory,
    BookFactory,
    CategoryFactory,
    CopyFactory,
    LoanFactory,
    MemberCategoryFactory,
    MemberFactory,
)

pytestmark = pytest.mark.django_db


def url(name: str, **kwargs) -> str:
    return reverse(f"library-api:{name}", kwargs=kwargs or None)


@pytest.fixture
def member(member_user):
    return MemberFactory(user=member_user)


@pytest.fixture
def catalogue() -> list[Book]:
    """Twelve books, each with two authors and two copies (one lent)."""
    books = []
    for number in range(12):
        book = BookFactory(title=f"Volume {number}")
        BookAuthorFactory(book=book, position=1)
        BookAuthorFactory(book=book, position=2)
        CopyFactory(book=book)
        LoanFactory(copy__book=book)
        books.append(book)
    return books


def error_code(response) -> str:
    return response.json()["error"]["code"]


# --- Lists: constant query counts -------------------------------------------------------------
@pytest.mark.parametrize(
    "name", ["book-list", "author-list", "copy-list", "member-list", "loan-list", "fine-list"]
)
def test_lists_cost_the_same_queries_at_any_page_size(staff_client, catalogue, name):
    for loan in Loan.objects.all()[:10]:
        services.loan_return(actor=None, loan=loan, now=loan.due_at + timedelta(days=5))
    assert_constant_queries_for_page_sizes(staff_client, url(name))


def test_category_and_member_category_lists_are_constant(staff_client):
    parent = CategoryFactory()
    for _ in range(10):
        CategoryFactory(parent=parent)
    for number in range(10):
        MemberCategoryFactory(code=f"kind{number}")
    assert_constant_queries_for_page_sizes(staff_client, url("category-list"))
    assert_constant_queries_for_page_sizes(staff_client, url("membercategory-list"))


def test_hold_and_event_lists_are_constant(staff_client, catalogue):
    for _ in range(10):
        services.hold_place(actor=None, member=MemberFactory(), book=catalogue[0])
    assert_constant_queries_for_page_sizes(staff_client, url("hold-list"))
    assert_constant_queries_for_page_sizes(staff_client, url("event-list"))


def test_the_optimized_book_list_needs_two_queries(api_client, catalogue):
    # The books (category joined, availability as a subquery) and authors; keyset pages count
    # nothing (a COUNT(*) over 100k books on every page otherwise)
    assert assert_constant_queries_for_page_sizes(api_client, url("book-list")) == 2
    searched = assert_constant_queries_for_page_sizes(api_client, url("book-list"), q="volume")
    # the match probe, the bounded count, the page's keys by rank, their books, their authors
    assert searched == 5


# --- Books: detail, filters, search -----------------------------------------------------------
def test_book_detail_lists_authors_in_order_and_copies(api_client, catalogue):
    book = catalogue[0]
    body = api_client.get(url("book-detail", pk=book.pk)).json()
    links = book.book_authors.order_by("position")
    assert [a["id"] for a in body["authors"]] == [link.author_id for link in links]
    assert len(body["copies"]) == 2
    assert body["available_copies"] == 1
    assert api_client.get(url("book-detail", pk=999999)).status_code == 404


def titles(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["title"] for row in response.json()["results"]]


def test_book_filters(api_client):
    science = CategoryFactory(name="Science")
    physics = CategoryFactory(name="Physics", parent=science)
    optics = CategoryFactory(name="Optics", parent=physics)
    art = CategoryFactory(name="Art")
    author = AuthorFactory()
    old = BookFactory(title="Old optics", category=optics, year=1950, language="de")
    new = BookFactory(title="New physics", category=physics, year=2020)
    BookFactory(title="Painting", category=art, year=2021)
    BookAuthorFactory(book=new, author=author)
    CopyFactory(book=old)
    CopyFactory(book=new, status=Copy.Status.LOST)

    books = url("book-list")
    assert titles(api_client.get(books, {"category": science.pk})) == ["New physics", "Old optics"]
    assert titles(api_client.get(books, {"author": author.pk})) == ["New physics"]
    assert titles(api_client.get(books, {"language": "de"})) == ["Old optics"]
    assert titles(api_client.get(books, {"year_min": 2000, "year_max": 2020})) == ["New physics"]
    assert titles(api_client.get(books, {"available": "true"})) == ["Old optics"]
    assert titles(api_client.get(books, {"available": "false"})) == ["New physics", "Painting"]
    assert api_client.get(books, {"year_min": "soon"}).status_code == 400


def test_search_ranks_title_matches_first_and_tolerates_typos(api_client):
    BookFactory(title="Cooking for crowds", summary="Includes a chapter on databases.")
    BookFactory(title="Relational databases", subtitle="Theory and practice")
    BookFactory(title="Gardening")
    books = url("book-list")
    found = titles(api_client.get(books, {"q": "database"}))
    assert found == ["Relational databases", "Cooking for crowds"]  # stemmed; title outranks
    # No book has the word "databses": the titles with close words answer instead.
    assert titles(api_client.get(books, {"q": "Relational databses"})) == ["Relational databases"]
    rank = api_client.get(books, {"q": "database"}).json()["results"][0]["rank"]
    assert 0 < rank <= 1


def test_search_is_full_text_first_and_title_similarity_only_when_it_finds_nothing(api_client):
    BookFactory(title="Garden walks")
    BookFactory(title="Gardenia care")  # close to "garden" by trigrams, not by full text
    books = url("book-list")
    assert titles(api_client.get(books, {"q": "garden"})) == ["Garden walks"]
    fallback = api_client.get(books, {"q": "gardn"}).json()
    assert [row["title"] for row in fallback["results"]][:1] == ["Garden walks"]
    assert 0 < fallback["results"][0]["rank"] <= 1


def test_search_counts_up_to_the_cap_and_says_when_there_are_more(api_client, settings):
    settings.API_COUNT_CAP = 2
    for number in range(3):
        BookFactory(title=f"River {number}")
    books = url("book-list")
    capped = api_client.get(books, {"q": "river", "page_size": 1}).json()
    assert (capped["count"], capped["count_exact"]) == (2, False)
    assert capped["next"] is not None
    last = api_client.get(books, {"q": "river", "page_size": 1, "page": 2}).json()
    assert last["next"] is None  # pages reach the first `count` matches only
    exact = api_client.get(books, {"q": "river 1"}).json()
    assert (exact["count"], exact["count_exact"]) == (1, True)
    unsearched = api_client.get(books).json()  # no search: keyset pages, nothing counted
    assert "count" not in unsearched and len(unsearched["results"]) == 3


def test_search_ranks_keys_alone_then_reads_the_page_rows_by_key(api_client, catalogue):
    """The ranking statement once selected every column, the category join and the
    available-copies subquery, which kept PostgreSQL from ranking 56,000 matches in parallel."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    search = {"q": "volume", "page_size": 5, "page": 2}
    with CaptureQueriesContext(connection) as queries:
        page = titles(api_client.get(url("book-list"), search))
    statements = [query["sql"] for query in queries.captured_queries]
    ranking, rows = [sql for sql in statements if "ORDER BY" in sql and "@@" in sql]
    assert "library_copy" not in ranking and "library_category" not in ranking
    assert "OFFSET 5" in ranking and "library_copy" in rows and " IN (" in rows
    every = titles(api_client.get(url("book-list"), {"q": "volume", "page_size": 100}))
    assert len(every) == 12 and page == every[5:10]  # the rows come back in rank order


def test_the_book_list_schema_documents_the_bounded_count(api_client):
    accept = "application/vnd.oai.openapi+json"
    schema = api_client.get(reverse("api-schema"), HTTP_ACCEPT=accept).json()
    page = schema["components"]["schemas"]["PaginatedBookList"]
    assert page["properties"]["count_exact"]["type"] == "boolean"
    assert "Searches (`q`) only" in page["properties"]["count_exact"]["description"]
    assert page["required"] == ["results"]  # the catalogue's keyset pages have no count


# --- Checkout ---------------------------------------------------------------------------------
def test_checkout_creates_loans(staff_client):
    member, copy = MemberFactory(), CopyFactory()
    response = staff_client.post(url("checkout"), {"member": member.pk, "copies": [copy.barcode]})
    assert response.status_code == 201, response.content
    (loan,) = response.json()["loans"]
    assert (loan["barcode"], loan["member"]) == (copy.barcode, member.pk)
    assert response.json()["refused"] == []


def test_checkout_of_a_lent_copy_is_a_409_naming_it(staff_client):
    lent = LoanFactory().copy
    body = {"member": MemberFactory().pk, "copies": [lent.barcode]}
    response = staff_client.post(url("checkout"), body)
    assert response.status_code == 409
    error = response.json()["error"]
    assert (error["code"], error["copy"]) == ("copy_on_loan", lent.barcode)
    assert lent.barcode in error["fields"]["copies"][0]


def test_checkout_limits_and_blocks_are_400(staff_client):
    member = MemberFactory()
    copies = [CopyFactory().barcode for _ in range(4)]  # the category allows 3
    response = staff_client.post(url("checkout"), {"member": member.pk, "copies": copies})
    assert (response.status_code, error_code(response)) == (400, "loan_limit")
    assert not Loan.objects.exists()


def test_partial_checkout_reports_refusals(staff_client):
    member, free, lent = MemberFactory(), CopyFactory(), LoanFactory().copy
    body = {"member": member.pk, "copies": [free.barcode, lent.barcode], "mode": "partial"}
    response = staff_client.post(url("checkout"), body)
    assert response.status_code == 201
    assert [loan["barcode"] for loan in response.json()["loans"]] == [free.barcode]
    assert response.json()["refused"] == [
        {
            "copy": lent.barcode,
            "code": "copy_on_loan",
            "message": f"Copy {lent.barcode} is already on loan.",
            "status": 409,
        }
    ]
    body["copies"] = [lent.barcode]
    assert staff_client.post(url("checkout"), body).status_code == 200


@pytest.mark.parametrize(
    "body", [{}, {"member": 1, "copies": []}, {"member": 1, "copies": ["A"], "mode": "some"}]
)
def test_checkout_input_is_validated(staff_client, body):
    response = staff_client.post(url("checkout"), body)
    assert (response.status_code, error_code(response)) == (400, "invalid")


def test_only_circulation_staff_check_out(api_client, member_client, member):
    body = {"member": member.pk, "copies": [CopyFactory().barcode]}
    assert member_client.post(url("checkout"), body).status_code == 403
    assert api_client.post(url("checkout"), body).status_code in (401, 403)
    assert not Loan.objects.exists()


# --- Return and renew -------------------------------------------------------------------------
def test_return_charges_a_fine_and_refuses_a_second_return(staff_client, staff_user):
    loan = LoanFactory(
        loaned_at=timezone.now() - timedelta(days=30), due_at=timezone.now() - timedelta(days=5)
    )
    response = staff_client.post(url("loan-return", pk=loan.pk))
    assert response.status_code == 200, response.content
    assert response.json()["fine"]["amount"] == "2.50"
    assert response.json()["loan"]["returned_at"] is not None
    event = CirculationEvent.objects.get(action="return")
    assert event.actor == staff_user
    again = staff_client.post(url("loan-return", pk=loan.pk))
    assert (again.status_code, error_code(again)) == (409, "loan_returned")
    assert staff_client.post(url("loan-return", pk=999999)).status_code == 404


def test_members_cannot_return(member_client, member):
    loan = LoanFactory(member=member)
    assert member_client.post(url("loan-return", pk=loan.pk)).status_code == 403


def test_members_renew_their_own_loans_only(member_client, member):
    own, other = LoanFactory(member=member), LoanFactory()
    response = member_client.post(url("loan-renew", pk=own.pk))
    assert response.status_code == 200
    assert response.json()["renewals_used"] == 1
    assert member_client.post(url("loan-renew", pk=other.pk)).status_code == 404


def test_staff_renew_any_loan_until_the_limit(staff_client):
    loan = LoanFactory(renewals_used=2)
    response = staff_client.post(url("loan-renew", pk=loan.pk))
    assert (response.status_code, error_code(response)) == (400, "renewal_limit")


# --- Visibility -------------------------------------------------------------------------------
def test_members_see_only_their_own_loans_members_and_holds(member_client, member, staff_client):
    own = LoanFactory(member=member)
    LoanFactory()
    services.hold_place(actor=None, member=MemberFactory(), book=BookFactory())
    loans = member_client.get(url("loan-list")).json()["results"]
    assert [loan["id"] for loan in loans] == [own.pk]
    assert [m["id"] for m in member_client.get(url("member-list")).json()["results"]] == [member.pk]
    assert member_client.get(url("hold-list")).json()["results"] == []
    assert len(staff_client.get(url("loan-list")).json()["results"]) == 2
    assert member_client.get(url("event-list")).status_code == 403


def test_loan_list_filters_active(staff_client):
    LoanFactory(returned_at=timezone.now())
    active = LoanFactory()
    rows = staff_client.get(url("loan-list"), {"active": "true"}).json()["results"]
    assert [row["id"] for row in rows] == [active.pk]


# --- Holds ------------------------------------------------------------------------------------
def test_members_hold_and_cancel_for_themselves(member_client, member):
    book = BookFactory()
    response = member_client.post(url("hold-list"), {"book": book.pk})
    assert response.status_code == 201, response.content
    assert (response.json()["member"], response.json()["position"]) == (member.pk, 1)
    again = member_client.post(url("hold-list"), {"book": book.pk})
    assert (again.status_code, error_code(again)) == (409, "hold_exists")
    hold_id = response.json()["id"]
    cancelled = member_client.post(url("hold-cancel", pk=hold_id))
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled")


def test_holds_for_someone_else_need_circulation_rights(member_client, member, staff_client):
    other, book = MemberFactory(), BookFactory()
    body = {"book": book.pk, "member": other.pk}
    # Another member answers as a missing one (no probing of member ids): 400 member_not_found.
    refused = member_client.post(url("hold-list"), body)
    assert (refused.status_code, refused.json()["error"]["code"]) == (400, "member_not_found")
    assert staff_client.post(url("hold-list"), body).status_code == 201
    hold = Hold.objects.get(member=other)
    assert member_client.post(url("hold-cancel", pk=hold.pk)).status_code == 404


def test_a_user_without_membership_must_name_one(staff_client):
    response = staff_client.post(url("hold-list"), {"book": BookFactory().pk})
    assert response.status_code == 403


# --- Lab --------------------------------------------------------------------------------------
def test_lab_endpoint_reports_each_strategy_with_the_same_rows(api_client, catalogue):
    response = api_client.get(url("lab"), {"limit": 5})
    assert response.status_code == 200
    reports = {report["strategy"]: report for report in response.json()}
    assert list(reports) == [
        "lazy",
        "select_related",
        "prefetch_related",
        "prefetch_to_attr",
        "only",
    ]
    assert len({str(report["rows"]) for report in reports.values()}) == 1
    assert reports["lazy"]["queries"] > reports["prefetch_to_attr"]["queries"] == 2
    assert len(reports["lazy"]["sql"]) == reports["lazy"]["queries"]
    assert reports["lazy"]["sql"][0].endswith("LIMIT 5")  # parameters shown in place
    one = api_client.get(url("lab"), {"strategy": "only", "limit": 3}).json()
    assert [(r["strategy"], len(r["rows"])) for r in one] == [("only", 3)]
    assert api_client.get(url("lab"), {"strategy": "eager"}).status_code == 400
    assert api_client.get(url("lab"), {"limit": 1000}).status_code == 400


# --- Hostile input is a 4xx, never a 500 ------------------------------------------------------
def test_out_of_range_ids_and_odd_search_text_are_not_server_errors(staff_client, api_client):
    huge = 10**20
    assert api_client.get(url("book-list"), {"q": "'&|!():* <->"}).status_code == 200
    assert api_client.get(url("book-detail", pk=huge)).status_code == 404
    assert staff_client.post(url("loan-return", pk=huge)).status_code == 404
    assert staff_client.post(url("loan-renew", pk=huge)).status_code == 404
    assert staff_client.post(url("hold-cancel", pk=huge)).status_code == 404
    response = staff_client.post(url("checkout"), {"member": huge, "copies": ["X"]})
    assert response.status_code == 400
    response = staff_client.post(url("hold-list"), {"member": huge, "book": huge})
    assert response.status_code == 400
    assert api_client.get(url("book-list"), {"category": huge}).status_code in (200, 400)


# --- Catalogue writes (staff) -----------------------------------------------------------------
def test_staff_create_a_book_with_authors_in_credit_order(staff_client, member_client):
    category, first, second = CategoryFactory(), AuthorFactory(), AuthorFactory()
    body = {
        "title": "Designing Data",
        "isbn": "9781449373320",
        "category": category.pk,
        "authors": [second.pk, first.pk],
    }
    assert member_client.post(url("book-list"), body).status_code == 403
    response = staff_client.post(url("book-list"), body)
    assert response.status_code == 201, response.content
    assert [a["id"] for a in response.json()["authors"]] == [second.pk, first.pk]
    duplicate = staff_client.post(url("book-list"), body)
    assert duplicate.status_code == 400
    assert "isbn" in duplicate.json()["error"]["fields"]
    bad = staff_client.post(url("book-list"), {**body, "isbn": "978-1449"})
    assert (bad.status_code, list(bad.json()["error"]["fields"])) == (400, ["isbn"])


def test_staff_update_a_book_and_reorder_its_authors(staff_client, api_client):
    link = BookAuthorFactory(position=1)
    other = AuthorFactory()
    book_url = url("book-detail", pk=link.book_id)
    response = staff_client.patch(book_url, {"year": 1999, "authors": [other.pk, link.author_id]})
    assert response.status_code == 200, response.content
    assert response.json()["year"] == 1999
    assert [a["id"] for a in response.json()["authors"]] == [other.pk, link.author_id]
    assert api_client.patch(book_url, {"year": 2000}).status_code in (401, 403)
    twice = staff_client.patch(book_url, {"authors": [other.pk, other.pk]})
    assert twice.status_code == 400


def test_staff_create_authors_and_categories(staff_client, member_client):
    assert member_client.post(url("author-list"), {"name": "N. Wirth"}).status_code == 403
    assert staff_client.post(url("author-list"), {"name": "N. Wirth"}).status_code == 201
    parent = CategoryFactory()
    body = {"name": "Compilers", "slug": "compilers", "parent": parent.pk}
    assert staff_client.post(url("category-list"), body).status_code == 201
    assert staff_client.post(url("category-list"), body).status_code == 400  # slug taken


def test_staff_add_copies_and_set_their_status_outside_circulation(staff_client):
    book = BookFactory()
    response = staff_client.post(url("copy-list"), {"book": book.pk, "barcode": "NEW-1"})
    assert response.status_code == 201
    copy_url = url("copy-detail", pk=response.json()["id"])
    assert staff_client.patch(copy_url, {"status": "lost"}).json()["status"] == "lost"
    by_hand = staff_client.patch(copy_url, {"status": "on_loan"})
    assert (by_hand.status_code, list(by_hand.json()["error"]["fields"])) == (400, ["status"])
    lent = LoanFactory().copy
    refused = staff_client.patch(url("copy-detail", pk=lent.pk), {"status": "withdrawn"})
    assert (refused.status_code, error_code(refused)) == (409, "copy_in_circulation")
