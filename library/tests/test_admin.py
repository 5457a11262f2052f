"""Admin: every changelist at a constant query count, inlines render, the return action works."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from devtools.testing import assert_constant_admin_changelist
from library import services
from library.models import (
    Author,
    Book,
    BookAuthor,
    Category,
    CirculationEvent,
    Copy,
    Fine,
    Hold,
    Loan,
    Member,
    MemberCategory,
)
from library.tests.factories import (
    BookAuthorFactory,
    BookFactory,
    CopyFactory,
    LoanFactory,
    MemberCategoryFactory,
    MemberFactory,
)

pytestmark = pytest.mark.django_db

LIBRARY_MODELS = [
    Author,
    Book,
    Category,
    Copy,
    Member,
    MemberCategory,
    Loan,
    Hold,
    Fine,
    CirculationEvent,
]


@pytest.fixture
def rows() -> None:
    """At least ten rows of every model, each with its related rows."""
    for number in range(10):
        MemberCategoryFactory(code=f"kind{number}")
        BookAuthorFactory()
        loan = LoanFactory()
        services.loan_return(actor=None, loan=loan, now=loan.due_at.replace(year=2100))
        services.hold_place(actor=None, member=MemberFactory(), book=BookFactory())


def test_every_library_model_is_registered():
    assert set(LIBRARY_MODELS) | {BookAuthor} >= {
        model for model in admin.site._registry if model._meta.app_label == "library"
    }
    assert all(model in admin.site._registry for model in LIBRARY_MODELS)


@pytest.mark.parametrize("model", LIBRARY_MODELS, ids=lambda model: model.__name__)
def test_changelists_cost_the_same_queries_for_more_rows(admin_client, rows, model):
    assert_constant_admin_changelist(admin_client, model)


def test_book_page_shows_copies_and_authors_inline(admin_client):
    book = BookFactory()
    copy = CopyFactory(book=book)
    BookAuthorFactory(book=book)
    response = admin_client.get(reverse("admin:library_book_change", args=[book.pk]))
    assert response.status_code == 200
    assert copy.barcode in response.content.decode()


def test_member_page_shows_loans_inline(admin_client):
    loan = LoanFactory()
    response = admin_client.get(reverse("admin:library_member_change", args=[loan.member_id]))
    assert response.status_code == 200
    assert loan.copy.barcode in response.content.decode()


def test_return_action_returns_the_selected_loans(admin_client, staff_user):
    loans = [LoanFactory(), LoanFactory()]
    response = admin_client.post(
        reverse("admin:library_loan_changelist"),
        {"action": "return_loans", "_selected_action": [loan.pk for loan in loans]},
        follow=True,
    )
    assert response.status_code == 200
    assert not Loan.objects.filter(returned_at__isnull=True).exists()
    assert CirculationEvent.objects.filter(action="return", actor=staff_user).count() == 2


def test_the_log_cannot_be_edited_in_the_admin(admin_client):
    services.loan_checkout(actor=None, member=MemberFactory(), barcodes=[CopyFactory().barcode])
    event = CirculationEvent.objects.get()
    url = reverse("admin:library_circulationevent_change", args=[event.pk])
    response = admin_client.post(url, {"reason": "edited"})
    assert response.status_code == 403
