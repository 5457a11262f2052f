"""Admin clicks: every library ModelAdmin that writes, as a superuser would click it.

Each write path (add, change, delete, "Delete selected", actions) must go through a service:
an audit entry for catalogue and membership rows, a circulation log entry for circulation, and
`library_verify` clean afterwards (the autouse fixture in conftest.py checks it after every test).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.db.models import Model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from common.models import AuditEntry
from library import services
from library.models import (
    Author,
    Book,
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
    AuthorFactory,
    BookAuthorFactory,
    BookFactory,
    CategoryFactory,
    CopyFactory,
    LoanFactory,
    MemberCategoryFactory,
    MemberFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def url(model: type[Model], view: str, *args: Any) -> str:
    return reverse(f"admin:library_{model._meta.model_name}_{view}", args=args)


def audit(entity: str) -> list[tuple[str, int]]:
    entries = AuditEntry.objects.filter(entity=entity).order_by("id")
    return list(entries.values_list("action", "entity_id"))


def said(response: Any) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def delete(client: Client, obj: Model) -> Any:
    return client.post(url(type(obj), "delete", obj.pk), {"post": "yes"})


def delete_selected(client: Client, *rows: Model) -> Any:
    model = type(rows[0])
    data = {"action": "delete_selected", "post": "yes", "_selected_action": [r.pk for r in rows]}
    return client.post(url(model, "changelist"), data, follow=True)


def action(client: Client, name: str, *rows: Model) -> Any:
    data = {"action": name, "_selected_action": [row.pk for row in rows]}
    return client.post(url(type(rows[0]), "changelist"), data, follow=True)


# --- Catalogue and memberships: add, change, delete, delete selected, each audited ------------
SIMPLE_ADMINS: dict[
    str, tuple[Callable[[], Model], Callable[[], dict[str, Any]], dict[str, Any]]
] = {
    "author": (AuthorFactory, lambda: {"name": "Ursula", "born": 1929}, {"name": "U. K."}),
    "category": (CategoryFactory, lambda: {"name": "Maps", "slug": "maps"}, {"name": "Atlases"}),
    "membercategory": (
        lambda: MemberCategoryFactory(code="visitor"),
        lambda: {
            "code": "alumni",
            "name": "Alumni",
            "loan_days": 14,
            "max_loans": 2,
            "max_renewals": 1,
            "hold_limit": 1,
            "daily_fine": "0.10",
            "fine_grace_days": 0,
            "fine_cap": "3.00",
            "max_unpaid_fines": "1.00",
        },
        {"name": "Visitors"},
    ),
    "member": (
        MemberFactory,
        lambda: {
            "user": UserFactory().pk,
            "category": MemberCategoryFactory().pk,
            "card_number": "C99999",
            "active": "on",
            "joined_at_0": "2026-01-05",
            "joined_at_1": "09:00:00",
            "loans-TOTAL_FORMS": 0,
            "loans-INITIAL_FORMS": 0,
        },
        {"active": ""},
    ),
}
MODELS = {
    "author": Author,
    "category": Category,
    "membercategory": MemberCategory,
    "member": Member,
}


def _form_of(obj: Model, changes: dict[str, Any]) -> dict[str, Any]:
    """The change form as the admin would post it: the row's values, with `changes` typed."""
    data: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        value = getattr(obj, field.attname)
        if field.primary_key or value is None:
            continue
        if hasattr(value, "date") and callable(value.date):
            data[f"{field.name}_0"], data[f"{field.name}_1"] = (
                f"{value:%Y-%m-%d}",
                f"{value:%H:%M:%S}",
            )
        elif isinstance(value, bool):
            data[field.name] = "on" if value else ""
        else:
            data[field.name] = value
    # The member page's read-only loans inline posts its (empty) management form.
    if isinstance(obj, Member):
        data.update({"loans-TOTAL_FORMS": 0, "loans-INITIAL_FORMS": 0})
    return {**data, **changes}


@pytest.mark.parametrize("entity", SIMPLE_ADMINS)
def test_add_change_delete_go_through_audited_services(admin_client, entity):
    factory, add_data, changes = SIMPLE_ADMINS[entity]
    model = MODELS[entity]
    response = admin_client.post(url(model, "add"), add_data())
    assert response.status_code == 302, response.context["adminform"].form.errors
    added = model._default_manager.order_by("-pk").first()
    assert added is not None
    assert audit(entity) == [("create", added.pk)]

    response = admin_client.post(url(model, "change", added.pk), _form_of(added, changes))
    assert response.status_code == 302, response.context["adminform"].form.errors
    entry = AuditEntry.objects.filter(entity=entity, action="update").get()
    changed = next(iter(changes))
    assert entry.before is not None and entry.after is not None
    assert entry.before[changed] != entry.after[changed]

    assert delete(admin_client, added).status_code == 302
    assert not model._default_manager.filter(pk=added.pk).exists()
    assert audit(entity)[-1] == ("delete", added.pk)

    rows = [factory(), factory()] if entity != "membercategory" else [factory()]
    delete_selected(admin_client, *rows)
    deleted = {pk for action, pk in audit(entity) if action == "delete"}
    assert {row.pk for row in rows} <= deleted
    assert not model._default_manager.filter(pk__in=[row.pk for row in rows]).exists()


def test_a_row_still_referred_to_is_not_deleted_and_says_why(admin_client):
    author = BookAuthorFactory().author
    response = admin_client.post(url(Author, "delete", author.pk), {"post": "yes"})
    assert response.status_code == 200  # Django's own "cannot delete" page: protected rows
    assert (
        "would require deleting the following protected related objects"
        in response.content.decode()
    )
    assert Author.objects.filter(pk=author.pk).exists()
    assert audit("author") == []


def _book_form(category: Category, authors: list[tuple[int, Author]], copies: list[dict]) -> dict:
    data: dict[str, Any] = {
        "title": "The Dispossessed",
        "subtitle": "",
        "isbn": "9780061054884",
        "language": "en",
        "year": 1974,
        "summary": "",
        "category": category.pk,
        "book_authors-TOTAL_FORMS": len(authors),
        "book_authors-INITIAL_FORMS": 0,
        "copies-TOTAL_FORMS": len(copies),
        "copies-INITIAL_FORMS": sum(1 for copy in copies if "id" in copy),
    }
    for number, (position, author) in enumerate(authors):
        data[f"book_authors-{number}-author"] = author.pk
        data[f"book_authors-{number}-position"] = position
    for number, copy in enumerate(copies):
        for name, value in copy.items():
            data[f"copies-{number}-{name}"] = value
    return data


def test_a_book_with_its_credits_and_copies_is_written_by_the_services(admin_client):
    first, second = AuthorFactory(), AuthorFactory()
    data = _book_form(
        CategoryFactory(),
        [(2, second), (1, first)],
        [{"barcode": "NEW-1", "shelf_location": "A1", "status": "on_loan"}],
    )
    response = admin_client.post(url(Book, "add"), data)
    assert response.status_code == 302, response.context["errors"]
    book = Book.objects.get(isbn="9780061054884")
    created = AuditEntry.objects.get(entity="book", action="create")
    assert created.after is not None
    assert created.after["authors"] == [first.pk, second.pk]
    copy = book.copies.get()
    assert copy.status == Copy.Status.AVAILABLE  # the typed status is not a field of the inline
    assert audit("copy") == [("create", copy.pk)]

    spare = CopyFactory(book=book)
    data = _book_form(
        book.category,
        [(1, second)],
        [
            {"id": copy.pk, "book": book.pk, "barcode": "NEW-1", "shelf_location": "B2"},
            {"id": spare.pk, "book": book.pk, "barcode": spare.barcode, "DELETE": "on"},
        ],
    )
    data["title"] = "The Dispossessed: An Ambiguous Utopia"
    response = admin_client.post(url(Book, "change", book.pk), data)
    assert response.status_code == 302, response.context["errors"]
    updated = AuditEntry.objects.get(entity="book", action="update")
    assert updated.before is not None and updated.after is not None
    assert (updated.before["authors"], updated.after["authors"]) == (
        [first.pk, second.pk],
        [second.pk],
    )
    assert sorted(audit("copy")) == [("create", copy.pk), ("delete", spare.pk), ("update", copy.pk)]
    assert Copy.objects.get(pk=copy.pk).shelf_location == "B2"

    book_authors = list(book.book_authors.values_list("author_id", flat=True))
    copy.delete()
    assert delete(admin_client, book).status_code == 302
    deleted = AuditEntry.objects.get(entity="book", action="delete")
    assert deleted.before is not None
    assert deleted.before["authors"] == book_authors


def test_copies_are_added_changed_and_deleted_through_services(admin_client):
    book = BookFactory()
    data = {"barcode": "C-1", "book": book.pk, "shelf_location": "", "status": "on_loan"}
    assert admin_client.post(url(Copy, "add"), data).status_code == 302
    copy = Copy.objects.get(barcode="C-1")
    assert copy.status == Copy.Status.AVAILABLE  # status is read-only: set by circulation
    change = {"barcode": "C-1", "book": book.pk, "shelf_location": "Z9", "status": "on_loan"}
    assert admin_client.post(url(Copy, "change", copy.pk), change).status_code == 302
    copy.refresh_from_db()
    assert (copy.shelf_location, copy.status) == ("Z9", Copy.Status.AVAILABLE)
    assert delete(admin_client, copy).status_code == 302
    spares = [CopyFactory(), CopyFactory()]
    delete_selected(admin_client, *spares)
    assert sorted(audit("copy")) == sorted(
        [("create", copy.pk), ("update", copy.pk), ("delete", copy.pk)]
        + [("delete", spare.pk) for spare in spares]
    )


def test_a_lent_copy_cannot_be_deleted_nor_moved_to_another_book(admin_client):
    copy = LoanFactory().copy
    assert delete(admin_client, copy).status_code == 403
    page = admin_client.get(url(Copy, "change", copy.pk))
    assert "book" not in page.context["adminform"].form.fields


def test_copy_actions_set_lost_withdrawn_available_and_refuse_a_lent_copy(admin_client):
    shelf, lent = CopyFactory(), LoanFactory().copy
    response = action(admin_client, "mark_lost", shelf, lent)
    assert f"Copy {lent.barcode} is on loan; circulation changes its status." in " ".join(
        said(response)
    )
    shelf.refresh_from_db()
    assert shelf.status == Copy.Status.LOST
    action(admin_client, "mark_available", shelf)
    shelf.refresh_from_db()
    assert shelf.status == Copy.Status.AVAILABLE
    assert [a for a, _ in audit("copy")] == ["update", "update"]


# --- Circulation rows: read-only, no raw add or delete; actions call the services ------------
@pytest.mark.parametrize("model", [Loan, Hold, Fine, CirculationEvent])
def test_circulation_rows_cannot_be_added_edited_or_deleted_by_hand(admin_client, model):
    loan = LoanFactory()
    rows = {
        Loan: loan,
        Hold: services.hold_place(actor=None, member=MemberFactory(), book=loan.copy.book),
        Fine: Fine.objects.create(
            loan=LoanFactory(returned_at=timezone.now()),
            member=loan.member,
            amount=Decimal("1.00"),
            overdue_days=3,
        ),
        CirculationEvent: CirculationEvent.objects.first(),
    }
    row = rows[model]
    assert row is not None
    assert admin_client.get(url(model, "add")).status_code == 403
    assert admin_client.post(url(model, "change", row.pk), {}).status_code == 403
    assert delete(admin_client, row).status_code == 403
    page = admin_client.get(url(model, "changelist"))
    assert "delete_selected" not in page.content.decode()
    if model is not CirculationEvent:
        assert reverse("admin:library_desk") in page.content.decode()


def test_return_and_renew_actions_log_and_keep_circulation_in_step(admin_client, staff_user):
    kept, returned = LoanFactory(), LoanFactory()
    action(admin_client, "renew_loans", kept)
    action(admin_client, "return_loans", returned)
    logged = CirculationEvent.objects.filter(actor=staff_user, outcome="ok")
    assert sorted(logged.values_list("action", flat=True)) == ["renew", "return"]
    returned.copy.refresh_from_db()
    assert returned.copy.status == Copy.Status.AVAILABLE


def test_cancelling_a_ready_hold_passes_its_copy_to_the_next_member(admin_client, staff_user):
    """Deleting the ready hold once left the copy stuck on the shelf."""
    copy = CopyFactory()
    first = services.hold_place(actor=None, member=MemberFactory(), book=copy.book)
    second = services.hold_place(actor=None, member=MemberFactory(), book=copy.book)
    response = action(admin_client, "cancel_holds", first)
    assert "Cancelled 1." in said(response)
    second.refresh_from_db()
    assert (second.status, second.copy_id, second.position) == ("ready", copy.pk, 1)
    assert CirculationEvent.objects.filter(actor=staff_user, action="hold_cancel").exists()


def test_a_refused_action_says_why_in_words(admin_client):
    loan = LoanFactory()
    services.hold_place(actor=None, member=MemberFactory(), book=loan.copy.book)
    response = action(admin_client, "renew_loans", loan)
    assert f"{loan}: Other members are waiting for this book." in said(response)
    assert not [message for message in said(response) if "Constraint" in message]


def test_pay_action_records_payment_in_the_log(admin_client, staff_user):
    loan = LoanFactory(returned_at=timezone.now())
    fine = Fine.objects.create(
        loan=loan, member=loan.member, amount=Decimal("1.50"), overdue_days=3
    )
    action(admin_client, "pay_fines", fine)
    fine.refresh_from_db()
    assert fine.paid_at is not None
    event = CirculationEvent.objects.get(action="fine_pay")
    assert (event.actor, event.member_id, event.outcome) == (staff_user, loan.member_id, "ok")
