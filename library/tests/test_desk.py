"""The circulation desk in the admin: an afternoon of lending, returns, renewals, holds and fines,
ending with `library_verify` clean; refusals come back as messages in words."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from library import services
from library.models import CirculationEvent, Copy, Fine, Hold, Loan
from library.tests.factories import (
    BookFactory,
    CopyFactory,
    LoanFactory,
    MemberFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

DESK = "admin:library_desk"


def desk(client: Client, operation: str, **fields: Any) -> list[str]:
    data = {f"{operation}-{name}": value for name, value in fields.items()}
    response = client.post(reverse(DESK), {"operation": operation, **data}, follow=True)
    assert response.status_code == 200
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_the_desk_page_shows_every_operation(admin_client):
    page = admin_client.get(reverse(DESK)).content.decode()
    for operation in ("checkout", "return", "renew", "hold_place", "hold_cancel", "fine_pay"):
        assert f'value="{operation}"' in page


def test_the_desk_is_for_circulation_staff_only():
    client = Client()
    client.force_login(UserFactory(is_staff=False))
    assert client.get(reverse(DESK)).status_code == 302  # to the admin's login
    clerk = UserFactory(is_staff=True)
    client.force_login(clerk)
    assert client.get(reverse(DESK)).status_code == 200  # staff may circulate (policies)


def test_an_afternoon_at_the_desk(admin_client, staff_user, capsys):
    ada, bo = MemberFactory(), MemberFactory()
    first, second = CopyFactory(barcode="B0000001-0"), CopyFactory(barcode="B0000002-0")
    third = CopyFactory(barcode="B0000003-0", book=first.book)

    # Ada borrows two copies at once.
    said = desk(
        admin_client, "checkout", card_number=ada.card_number, barcodes="B0000001-0\nB0000002-0"
    )
    assert len([line for line in said if line.startswith("Lent ")]) == 2
    # Bo asks for the book Ada has; the other copy on the shelf is set aside for him at once.
    said = desk(admin_client, "hold_place", card_number=bo.card_number, isbn=first.book.isbn)
    assert said == [f"Hold placed for {bo.card_number}: place 1, copy {third.barcode} set aside."]
    # Ada tries to take that copy too: it is kept for Bo.
    said = desk(admin_client, "checkout", card_number=ada.card_number, barcodes=third.barcode)
    kept = f"Copy {third.barcode} is kept for another member's hold."
    assert said == [f"Nothing was lent to {ada.card_number}: {kept}"]
    # Bo collects it; Ada renews the copy nobody waits for.
    desk(admin_client, "checkout", card_number=bo.card_number, barcodes=third.barcode)
    assert Hold.objects.get(member=bo).status == Hold.Status.FULFILLED
    said = desk(admin_client, "renew", barcodes=second.barcode)
    assert said[0].startswith(f"Renewed {second.barcode}, now due ")
    # Ada returns the first copy late: a fine; she pays it.
    loan = Loan.objects.get(copy=first, returned_at__isnull=True)
    Loan.objects.filter(pk=loan.pk).update(
        loaned_at=timezone.now() - timedelta(days=40), due_at=timezone.now() - timedelta(days=10)
    )
    said = desk(admin_client, "return", barcodes=first.barcode)
    assert said[0] == f"Returned {first.barcode} from {ada.card_number}."
    assert said[1].startswith("Fine of ") and said[1].endswith(f" charged to {ada.card_number}.")
    said = desk(admin_client, "fine_pay", card_number=ada.card_number, fine="")
    assert said[0].startswith("Fine ") and said[0].endswith(" paid.")
    # Bo places a hold, then cancels it; a wrong barcode is refused in words.
    desk(admin_client, "hold_place", card_number=bo.card_number, isbn=second.book.isbn)
    said = desk(admin_client, "hold_cancel", card_number=bo.card_number, isbn=second.book.isbn)
    assert said == [f"Cancelled the hold of {bo.card_number}."]
    assert desk(admin_client, "return", barcodes="NO-SUCH") == ["Copy NO-SUCH is not on loan."]
    # Bo brings his copy back late too; his fine is waived (he was in hospital), not paid.
    bo_loan = Loan.objects.get(copy=third, returned_at__isnull=True)
    Loan.objects.filter(pk=bo_loan.pk).update(
        loaned_at=timezone.now() - timedelta(days=30), due_at=timezone.now() - timedelta(days=5)
    )
    said = desk(admin_client, "return", barcodes=third.barcode)
    assert said[1].endswith(f" charged to {bo.card_number}.")
    bo_fine = Fine.objects.get(member=bo)
    assert desk(admin_client, "fine_waive", card_number=bo.card_number, fine=bo_fine.pk, reason="")
    said = desk(
        admin_client, "fine_waive", card_number=bo.card_number, fine=bo_fine.pk, reason="Hospital"
    )
    assert said == [f"Fine {bo_fine.pk} of {bo_fine.amount} waived."]
    # More refusals, in words: an unknown card, a copy already back, a fine already settled.
    assert desk(admin_client, "renew", barcodes=third.barcode) == [
        f"Copy {third.barcode} is not on loan."
    ]
    said = desk(admin_client, "fine_pay", card_number=bo.card_number, fine=bo_fine.pk)
    assert said == [f"Member {bo.card_number} owes no such fine."]  # it was waived
    assert desk(admin_client, "checkout", card_number="NOPE", barcodes=second.barcode) == [
        "No member has card number NOPE."
    ]
    # End of the afternoon: everything returned, the log names the librarian, no drift.
    desk(admin_client, "return", barcodes=second.barcode)
    assert not Loan.objects.filter(returned_at__isnull=True).exists()
    assert set(Copy.objects.values_list("status", flat=True)) == {Copy.Status.AVAILABLE}
    done = CirculationEvent.objects.filter(actor=staff_user, outcome="ok")
    assert set(done.values_list("action", flat=True)) == {
        "checkout",
        "hold_place",
        "hold_ready",
        "renew",
        "return",
        "fine_pay",
        "fine_waive",
        "hold_cancel",
    }
    refused = CirculationEvent.objects.filter(outcome="refused")
    assert sorted(refused.values_list("reason", flat=True)) == ["copy_held_for_another", "required"]
    assert Fine.objects.filter(paid_at__isnull=False).count() == 1
    assert Fine.objects.filter(waived_at__isnull=False).get() == bo_fine
    call_command("library_verify")
    assert capsys.readouterr().out.strip() == "No drift."


def test_partial_checkout_lends_what_it_can_and_says_what_it_did_not(admin_client):
    member, lent = MemberFactory(), LoanFactory().copy
    shelf = CopyFactory()
    said = desk(
        admin_client,
        "checkout",
        card_number=member.card_number,
        barcodes=f"{shelf.barcode},{lent.barcode}",
        partial="on",
    )
    assert said[1] == f"Not lent: Copy {lent.barcode} is already on loan."
    assert Loan.objects.filter(member=member, copy=shelf).exists()


def test_a_fine_is_waived_only_with_a_reason(admin_client):
    loan = LoanFactory(returned_at=timezone.now())
    fine = Fine.objects.create(
        loan=loan, member=loan.member, amount=Decimal("3.00"), overdue_days=6
    )
    card = loan.member.card_number
    assert desk(admin_client, "fine_waive", card_number=card, fine=fine.pk, reason=" ") == [
        "Say why the fine is waived."
    ]
    said = desk(admin_client, "fine_waive", card_number=card, fine=fine.pk, reason="Hospital")
    assert said == [f"Fine {fine.pk} of 3.00 waived."]
    fine.refresh_from_db()
    assert (fine.paid_at, fine.waived_at is not None) == (None, True)
    event = CirculationEvent.objects.get(action="fine_waive", outcome="ok")
    assert event.message == f"Fine {fine.pk} of 3.00 waived: Hospital"


def test_unknown_cards_and_books_are_refused_in_words(admin_client):
    said = desk(admin_client, "hold_place", card_number="NOPE", isbn=BookFactory().isbn)
    assert said == ["No member has card number NOPE."]
    said = desk(admin_client, "checkout", card_number=MemberFactory().card_number, barcodes="")
    assert said == ["Barcodes: This field is required."]


def test_the_desk_shows_a_members_loans_holds_and_fines_in_constant_queries(admin_client):
    member = MemberFactory()

    def page() -> tuple[int, str]:
        with CaptureQueriesContext(connection) as queries:
            response = admin_client.get(reverse(DESK), {"card": member.card_number})
        return len(queries), response.content.decode()

    LoanFactory(member=member)
    services.hold_place(actor=None, member=member, book=BookFactory())
    few, _ = page()
    loans = [LoanFactory(member=member) for _ in range(2)]
    services.hold_place(actor=None, member=member, book=BookFactory())
    fine = Fine.objects.create(
        loan=LoanFactory(member=member, returned_at=timezone.now()),
        member=member,
        amount=Decimal("1.00"),
        overdue_days=2,
    )
    more, html = page()
    assert few == more
    assert all(loan.copy.barcode in html for loan in loans)
    assert f"<td>{fine.pk}</td><td>1.00</td>" in html
    assert f'value="{member.card_number}"' in html  # the forms are filled in with the card


def test_a_post_with_a_card_comes_back_to_that_member(admin_client):
    member = MemberFactory()
    response = admin_client.post(
        reverse(DESK),
        {
            "operation": "checkout",
            "checkout-card_number": member.card_number,
            "checkout-barcodes": CopyFactory().barcode,
        },
    )
    assert response["Location"] == f"{reverse(DESK)}?card={member.card_number}"
