"""The library admin finds things the way staff ask: loans by title, username, barcode,
card number; books by author; the overdue, due-this-week, ready and unpaid filters; links from a
member (and a person) to their loans, holds and fines and from a book to its copies and queue.
Each search and filter keeps a constant query count at two page sizes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from devtools.testing import admin_url, assert_constant_admin_changelist
from library import services
from library.models import Book, Copy, Fine, Hold, Loan, Member
from library.tests.factories import (
    AuthorFactory,
    BookAuthorFactory,
    BookFactory,
    CopyFactory,
    LoanFactory,
    MemberFactory,
    UserFactory,
)
from people.models import Person
from people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def found(client: Client, model: type, **query: str) -> list[int]:
    response = client.get(admin_url(model, "changelist"), query)
    assert response.status_code == 200, response.status_code
    return [row.pk for row in response.context["cl"].result_list]


@pytest.fixture
def orchestra_loan() -> Loan:
    """A loan of "The Ancient Orchestra of Vienna" by Bauer to reader00001, and another loan."""
    book = BookFactory(title="The Ancient Orchestra of Vienna")
    BookAuthorFactory(book=book, author=AuthorFactory(name="Hanna Bauer"))
    member = MemberFactory(user=UserFactory(username="reader00001"), card_number="M000001")
    LoanFactory(copy=lent(barcode="B0000099-1", book=BookFactory(title="Quiet Rivers")))
    return LoanFactory(member=member, copy=lent(barcode="B0000001-2", book=book))


def lent(**fields: object) -> Copy:
    """A copy whose status agrees with the loan made of it (`library_verify` checks)."""
    return CopyFactory(status=Copy.Status.ON_LOAN, **fields)


@pytest.mark.parametrize(
    "term",
    [
        "Orchestra",
        "orchestra vienna",
        "reader00001",
        "M000001",
        "m000001",
        "B0000001-2",
        "b0000001",
    ],
)
def test_loans_are_found_by_title_username_card_and_barcode(admin_client, orchestra_loan, term):
    assert found(admin_client, Loan, q=term) == [orchestra_loan.pk]


def test_loans_are_found_by_author(admin_client, orchestra_loan):
    assert found(admin_client, Loan, q="Bauer") == [orchestra_loan.pk]


def test_a_term_nothing_matches_finds_nothing(admin_client, orchestra_loan):
    assert found(admin_client, Loan, q="zzzz-nothing") == []


def test_books_are_found_by_author_title_and_isbn(admin_client, orchestra_loan):
    book = orchestra_loan.copy.book
    assert found(admin_client, Book, q="Bauer") == [book.pk]
    assert found(admin_client, Book, q="hanna bauer") == [book.pk]
    assert found(admin_client, Book, q="Orchestra") == [book.pk]
    assert found(admin_client, Book, q=book.isbn) == [book.pk]


def test_copies_are_found_by_barcode_and_title(admin_client, orchestra_loan):
    assert found(admin_client, Copy, q="B0000001") == [orchestra_loan.copy_id]
    assert found(admin_client, Copy, q="Ancient Orchestra") == [orchestra_loan.copy_id]


def test_members_are_found_by_card_username_email_and_name(admin_client):
    user = UserFactory(username="reader00007", email="ada@campus.example", first_name="Ada")
    member = MemberFactory(user=user, card_number="M000007")
    PersonFactory(user=user, given_name="Ada", family_name="Ngata")
    MemberFactory()
    for term in ["M000007", "reader00007", "ada@campus", "Ada Ngata", "ngata"]:
        assert found(admin_client, Member, q=term) == [member.pk], term


def test_people_are_found_by_every_word_of_the_name_and_by_email(admin_client):
    ada = PersonFactory(given_name="Ada", family_name="Ngata", email="ada.ngata@campus.test")
    PersonFactory(given_name="Ada", family_name="Okafor")
    assert found(admin_client, Person, q="ada ngata") == [ada.pk]
    assert found(admin_client, Person, q="NGATA@campus") == [ada.pk]


def test_the_overdue_and_due_this_week_filters(admin_client):
    now = timezone.now()
    overdue = LoanFactory(loaned_at=now - timedelta(days=30), due_at=now - timedelta(days=2))
    soon = LoanFactory(loaned_at=now - timedelta(days=10), due_at=now + timedelta(minutes=5))
    later = LoanFactory(loaned_at=now, due_at=now + timedelta(days=30))
    assert found(admin_client, Loan, due="overdue") == [overdue.pk]
    assert found(admin_client, Loan, due="week") == [soon.pk]
    assert later.pk in found(admin_client, Loan)


def test_the_ready_holds_and_unpaid_fines_filters(admin_client):
    book = BookFactory()
    CopyFactory(book=book)  # on the shelf: the first hold is ready at once
    ready = services.hold_place(actor=None, member=MemberFactory(), book=book)
    waiting = services.hold_place(actor=None, member=MemberFactory(), book=book)
    assert found(admin_client, Hold, queue="ready") == [ready.pk]
    assert set(found(admin_client, Hold, queue="active")) == {ready.pk, waiting.pk}

    owed, paid = (late_fine() for _ in range(2))
    services.fine_pay(actor=None, fine=paid)
    assert found(admin_client, Fine, settled="unpaid") == [owed.pk]
    assert found(admin_client, Fine, settled="paid") == [paid.pk]


def late_fine() -> Fine:
    loan = LoanFactory()
    services.loan_return(actor=None, loan=loan, now=loan.due_at + timedelta(days=10))
    return Fine.objects.get(loan=loan)


def test_a_member_links_to_their_loans_holds_and_fines(admin_client, orchestra_loan):
    member = orchestra_loan.member
    page = admin_client.get(admin_url(Member, "change", member.pk)).content.decode()
    for model in (Loan, Hold, Fine):
        assert f'{admin_url(model, "changelist")}?member__id__exact={member.pk}"' in page
    assert found(admin_client, Loan, member__id__exact=str(member.pk)) == [orchestra_loan.pk]


def test_a_person_with_a_library_card_links_to_their_loans(admin_client, orchestra_loan):
    member = orchestra_loan.member
    person = PersonFactory(user=member.user)
    page = admin_client.get(admin_url(Person, "change", person.pk)).content.decode()
    assert f'{admin_url(Loan, "changelist")}?member__id__exact={member.pk}"' in page
    without_card = PersonFactory()
    other = admin_client.get(admin_url(Person, "change", without_card.pk)).content.decode()
    assert "member__id__exact" not in other


def test_a_book_links_to_its_copies_and_its_queue(admin_client, orchestra_loan):
    book = orchestra_loan.copy.book
    page = admin_client.get(admin_url(Book, "change", book.pk)).content.decode()
    assert f'{admin_url(Copy, "changelist")}?book__id__exact={book.pk}"' in page
    assert f'{admin_url(Hold, "changelist")}?book__id__exact={book.pk}&amp;queue=active"' in page
    assert found(admin_client, Copy, book__id__exact=str(book.pk)) == [orchestra_loan.copy_id]


@pytest.fixture
def many_loans() -> None:
    """Ten loans that a title, a username and the overdue filter all find."""
    book = BookFactory(title="The Ancient Orchestra of Vienna")
    member = MemberFactory(user=UserFactory(username="reader00001"))
    now = timezone.now()
    for number in range(10):
        LoanFactory(
            member=member,
            copy=lent(book=book, barcode=f"B00000{number:02d}-1"),
            loaned_at=now - timedelta(days=40),
            due_at=now - timedelta(days=number + 1),
        )


@pytest.mark.parametrize(
    "query",
    [{"q": "Orchestra"}, {"q": "reader00001"}, {"q": "B0000"}, {"due": "overdue"}],
    ids=lambda query: "-".join(query.values()),
)
def test_searches_and_filters_cost_the_same_queries_for_more_rows(admin_client, many_loans, query):
    assert_constant_admin_changelist(admin_client, Loan, query=query)
