"""`library_verify`: drift (a ready hold deleted, its copy stuck) is reported, `--fix`
repairs it audited, and the database itself refuses what one table can hold (the NULL gap
of the hold check is closed)."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction

from common.models import AuditEntry
from library import services
from library.drift import circulation_drift
from library.models import Book, CirculationEvent, Copy, Hold, Loan
from library.tests.factories import BookFactory, CopyFactory, LoanFactory, MemberFactory

pytestmark = pytest.mark.django_db


def verify(*args: str) -> str:
    try:
        call_command("library_verify", *args)
    except CommandError as error:
        return f"error: {error}"
    return "ok"


def test_a_clean_library_verifies(capsys):
    LoanFactory()
    assert verify() == "ok"
    assert capsys.readouterr().out.strip() == "No drift."


def test_a_deleted_ready_hold_is_reported_and_fix_hands_the_copy_to_the_next(capsys):
    """Deleting a ready hold once left B0000001-0 stuck on the hold shelf."""
    copy = CopyFactory(barcode="B0000001-0")
    ready = services.hold_place(actor=None, member=MemberFactory(), book=copy.book)
    waiting = services.hold_place(actor=None, member=MemberFactory(), book=copy.book)
    Hold.objects.filter(pk=ready.pk).delete()  # as the admin's raw delete did
    assert verify() == "error: 2 findings of drift."
    out = capsys.readouterr().out
    assert "copy_status: Copy B0000001-0 is on_hold_shelf with 0 active loans and 0 ready" in out
    assert "hold_queue: The hold queue of book" in out
    assert verify("--fix") == "ok"
    waiting.refresh_from_db()
    assert (waiting.status, waiting.copy_id, waiting.position) == ("ready", copy.pk, 1)
    assert CirculationEvent.objects.filter(action="hold_ready", copy=copy).count() == 2
    assert AuditEntry.objects.filter(entity="hold", entity_id=waiting.pk).exists()


def test_a_copy_set_on_loan_by_hand_goes_back_on_the_shelf():
    copy = CopyFactory()
    Copy.objects.filter(pk=copy.pk).update(status=Copy.Status.ON_LOAN)
    assert [drift.kind for drift in circulation_drift()] == ["copy_status"]
    assert verify("--fix") == "ok"
    copy.refresh_from_db()
    assert copy.status == Copy.Status.AVAILABLE
    entry = AuditEntry.objects.get(entity="copy", entity_id=copy.pk)
    assert entry.before is not None and entry.after is not None
    assert (entry.actor, entry.before["status"], entry.after["status"]) == (
        None,
        "on_loan",
        "available",
    )


def test_a_deleted_active_loan_and_an_unrecorded_one_are_both_repaired():
    orphaned = LoanFactory()
    Loan.objects.filter(pk=orphaned.pk).delete()
    unrecorded = LoanFactory(copy__status=Copy.Status.AVAILABLE)
    assert len(circulation_drift()) == 2
    assert verify("--fix") == "ok"
    orphaned.copy.refresh_from_db()
    unrecorded.copy.refresh_from_db()
    assert (orphaned.copy.status, unrecorded.copy.status) == ("available", "on_loan")


def test_a_ready_hold_on_a_lent_copy_goes_back_to_waiting():
    loan = LoanFactory()
    hold = Hold.objects.create(
        book=loan.copy.book, member=MemberFactory(), position=1, status="ready", copy=loan.copy
    )
    assert verify() == "error: 1 findings of drift."
    assert verify("--fix") == "ok"
    hold.refresh_from_db()
    assert (hold.status, hold.copy_id) == ("waiting", None)


def test_a_ready_hold_naming_a_copy_of_another_book_goes_back_to_waiting():
    copy = CopyFactory(status=Copy.Status.ON_HOLD_SHELF)
    hold = Hold.objects.create(
        book=BookFactory(), member=MemberFactory(), position=1, status="ready", copy=copy
    )
    assert [drift.kind for drift in circulation_drift()] == ["hold_copy_of_other_book"]
    assert verify("--fix") == "ok"
    hold.refresh_from_db()
    copy.refresh_from_db()
    assert (hold.status, copy.status) == ("waiting", "available")


def test_an_active_hold_without_a_position_is_refused_by_the_database():
    """A CHECK passes when its condition is NULL: `position >= 1` alone let this through."""
    with pytest.raises(IntegrityError), transaction.atomic():
        Hold.objects.create(book=BookFactory(), member=MemberFactory(), position=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        Hold.objects.create(
            book=BookFactory(),
            member=MemberFactory(),
            position=None,
            status="ready",
            copy=CopyFactory(),
        )


def test_every_library_constraint_explains_itself_in_a_sentence():
    for model in apps.get_app_config("library").get_models():
        for constraint in model._meta.constraints:
            message = str(constraint.get_violation_error_message())
            assert constraint.name not in message, f"{model.__name__}: {message}"
            assert message.endswith("."), message


def test_a_form_shows_the_constraint_sentence():
    loan = LoanFactory()
    second = Loan(copy=loan.copy, member=MemberFactory(), due_at=loan.due_at)
    with pytest.raises(ValidationError) as caught:
        second.full_clean()
    assert "This copy is already on loan." in str(caught.value)
    assert Book.objects.count() == 1
