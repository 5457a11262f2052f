"""Circulation rules: each refusal, both checkout modes, fines, renewals and the hold queue."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from common.exceptions import ConflictError, NotFoundError, ServiceError
from library import selectors, services
from library.drift import circulation_drift
from library.models import CirculationEvent, Copy, Fine, Hold, Loan
from library.services import CheckoutMode
from library.tests.factories import (
    BookFactory,
    CopyFactory,
    LoanFactory,
    MemberCategoryFactory,
    MemberFactory,
)

pytestmark = pytest.mark.django_db

Status = Copy.Status


def refusals(**filters) -> list[tuple[str, str]]:
    events = CirculationEvent.objects.filter(outcome="refused", **filters).order_by("id")
    return list(events.values_list("barcode", "reason"))


def checkout(member, *copies, mode=CheckoutMode.ALL_OR_NOTHING, actor=None, now=None):
    return services.loan_checkout(
        actor=actor,
        member=member,
        barcodes=[copy.barcode for copy in copies],
        mode=mode,
        now=now,
    )


# --- Checkout ---------------------------------------------------------------------------------
def test_checkout_lends_the_copy_for_the_category_loan_period(staff_user):
    member, copy = MemberFactory(), CopyFactory()
    now = timezone.now()
    result = checkout(member, copy, actor=staff_user, now=now)
    (loan,) = result.loans
    assert loan.due_at == now + timedelta(days=member.category.loan_days)
    copy.refresh_from_db()
    assert copy.status == Status.ON_LOAN
    event = CirculationEvent.objects.get()
    assert (event.action, event.outcome, event.actor, event.copy) == (
        "checkout",
        "ok",
        staff_user,
        copy,
    )


def test_a_copy_on_loan_is_a_conflict_naming_the_copy_and_the_refusal_is_logged():
    lent = LoanFactory()
    with pytest.raises(ConflictError) as caught:
        checkout(MemberFactory(), lent.copy)
    assert caught.value.code == "copy_on_loan"
    assert caught.value.extra == {"copy": lent.copy.barcode}
    assert refusals() == [(lent.copy.barcode, "copy_on_loan")]


def test_all_or_nothing_rolls_back_every_loan_but_keeps_the_refusal_log():
    member, free, lent = MemberFactory(), CopyFactory(), LoanFactory().copy
    with pytest.raises(ConflictError):
        checkout(member, free, lent)
    assert not Loan.objects.filter(member=member).exists()
    free.refresh_from_db()
    assert free.status == Status.AVAILABLE
    assert not CirculationEvent.objects.filter(outcome="ok").exists()
    assert refusals(member=member) == [(lent.barcode, "copy_on_loan")]


def test_partial_mode_lends_what_it_can_and_reports_the_rest():
    member, free, lent = MemberFactory(), CopyFactory(), LoanFactory().copy
    result = checkout(member, lent, free, mode=CheckoutMode.PARTIAL)
    assert [loan.copy for loan in result.loans] == [free]
    assert [(r.barcode, r.code, r.status) for r in result.refused] == [
        (lent.barcode, "copy_on_loan", 409)
    ]
    assert refusals(member=member) == [(lent.barcode, "copy_on_loan")]
    assert Loan.objects.filter(member=member, returned_at__isnull=True).count() == 1


def test_the_unique_active_loan_constraint_becomes_a_conflict():
    """The status says available but a loan is open (e.g. a race): the insert fails cleanly."""
    stale = LoanFactory(copy__status=Status.AVAILABLE).copy
    with pytest.raises(ConflictError) as caught:
        checkout(MemberFactory(), stale)
    assert (caught.value.code, caught.value.extra) == ("copy_on_loan", {"copy": stale.barcode})
    assert [drift.kind for drift in circulation_drift()] == ["copy_status"]
    services.copy_status_repair(actor=None, copy=stale)
    stale.refresh_from_db()
    assert stale.status == Status.ON_LOAN


def test_loan_limit_counts_current_loans_and_this_request():
    member = MemberFactory(category=MemberCategoryFactory(max_loans=3))
    LoanFactory(member=member)
    copies = [CopyFactory() for _ in range(3)]
    with pytest.raises(ServiceError) as caught:
        checkout(member, *copies)
    assert caught.value.code == "loan_limit"
    result = checkout(member, *copies, mode=CheckoutMode.PARTIAL)
    assert len(result.loans) == 2
    assert [r.code for r in result.refused] == ["loan_limit"]


def _overdue(member) -> None:
    LoanFactory(member=member, loaned_at=timezone.now() - timedelta(days=30))


def _fined(member) -> None:
    loan = LoanFactory(member=member, returned_at=timezone.now())
    Fine.objects.create(loan=loan, member=member, amount=Decimal("2.01"), overdue_days=5)


def _suspended(member) -> None:
    member.active = False
    member.save()


@pytest.mark.parametrize(
    ("setup", "code"),
    [(_overdue, "member_overdue"), (_fined, "member_fines"), (_suspended, "member_inactive")],
)
def test_member_blocks_refuse_every_copy_and_are_logged(setup, code):
    member, copy = MemberFactory(), CopyFactory()
    setup(member)
    with pytest.raises(ServiceError) as caught:
        checkout(member, copy, mode=CheckoutMode.PARTIAL)
    assert (caught.value.code, caught.value.status_code) == (code, 400)
    assert refusals(member=member) == [(copy.barcode, code)]


def test_fines_at_the_threshold_do_not_block():
    member = MemberFactory()
    loan = LoanFactory(member=member, returned_at=timezone.now())
    Fine.objects.create(loan=loan, member=member, amount=Decimal("2.00"), overdue_days=4)
    assert checkout(member, CopyFactory()).loans


@pytest.mark.parametrize("status", [Status.LOST, Status.WITHDRAWN])
def test_lost_and_withdrawn_copies_are_not_lent(status):
    with pytest.raises(ServiceError) as caught:
        checkout(MemberFactory(), CopyFactory(status=status))
    assert caught.value.code == "copy_not_lendable"


def test_an_unknown_barcode_is_refused_and_logged_against_the_member():
    member = MemberFactory()
    with pytest.raises(ServiceError) as caught:
        services.loan_checkout(actor=None, member=member, barcodes=["NOPE"])
    assert caught.value.code == "copy_not_found"
    assert refusals(member=member) == [("NOPE", "copy_not_found")]


def test_unknown_ids_named_by_a_request_are_input_errors_with_their_codes():
    with pytest.raises(ServiceError) as caught:
        selectors.member_get(999_999)
    assert (caught.value.code, caught.value.field) == ("member_not_found", "member")
    with pytest.raises(ServiceError) as caught:
        selectors.book_get(987_654)
    assert (caught.value.code, caught.value.field) == ("book_not_found", "book")


def test_an_empty_request_is_refused():
    with pytest.raises(ServiceError):
        services.loan_checkout(actor=None, member=MemberFactory(), barcodes=[" "])


# --- Holds and checkout -----------------------------------------------------------------------
def test_a_copy_on_the_hold_shelf_goes_only_to_its_holder():
    book = BookFactory()
    loan = LoanFactory(copy__book=book)
    holder, other = MemberFactory(), MemberFactory()
    hold = services.hold_place(actor=None, member=holder, book=book)
    services.loan_return(actor=None, loan=loan)
    hold.refresh_from_db()
    assert (hold.status, hold.copy) == (Hold.Status.READY, loan.copy)

    with pytest.raises(ConflictError) as caught:
        checkout(other, loan.copy)
    assert caught.value.code == "copy_held_for_another"
    checkout(holder, loan.copy)
    hold.refresh_from_db()
    assert (hold.status, hold.position) == (Hold.Status.FULFILLED, None)


def test_available_copies_are_kept_for_members_waiting_ahead():
    book = BookFactory()
    LoanFactory(copy__book=book)
    first, second = MemberFactory(), MemberFactory()
    services.hold_place(actor=None, member=first, book=book)
    services.hold_place(actor=None, member=second, book=book)
    returned_copy = CopyFactory(book=book)  # a new copy arrives on the shelf

    with pytest.raises(ConflictError):
        checkout(second, returned_copy)
    with pytest.raises(ConflictError):
        checkout(MemberFactory(), returned_copy)
    assert checkout(first, returned_copy).loans
    assert list(Hold.objects.filter(status="waiting").values_list("member", "position")) == [
        (second.pk, 1)
    ]


# --- Return and fines -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("overdue_days", "expected"),
    [(0, "0.00"), (2, "0.00"), (3, "1.50"), (10, "5.00"), (40, "5.00")],
)
def test_fine_amount_charges_every_day_past_the_grace_period_up_to_the_cap(overdue_days, expected):
    category = MemberCategoryFactory.build(daily_fine=Decimal("0.50"), fine_grace_days=2)
    assert category.fine_for(overdue_days) == Decimal(expected)


def test_a_late_return_is_fined_and_the_copy_goes_back_on_the_shelf():
    loan = LoanFactory()
    result = services.loan_return(actor=None, loan=loan, now=loan.due_at + timedelta(days=4))
    assert result.fine is not None
    assert (result.fine.amount, result.fine.overdue_days) == (Decimal("2.00"), 4)
    assert result.hold is None
    loan.copy.refresh_from_db()
    assert loan.copy.status == Status.AVAILABLE


def test_a_return_within_grace_is_not_fined():
    loan = LoanFactory()
    result = services.loan_return(actor=None, loan=loan, now=loan.due_at + timedelta(days=2))
    assert result.fine is None
    assert not Fine.objects.exists()


def test_returning_twice_is_a_conflict_and_is_logged():
    loan = LoanFactory()
    services.loan_return(actor=None, loan=loan)
    with pytest.raises(ConflictError) as caught:
        services.loan_return(actor=None, loan=loan)
    assert caught.value.code == "loan_returned"
    assert list(
        CirculationEvent.objects.filter(action="return")
        .order_by("id")
        .values_list("outcome", flat=True)
    ) == ["ok", "refused"]


def test_an_unknown_loan_or_hold_is_not_found(staff_user):
    with pytest.raises(NotFoundError) as caught:
        selectors.loan_get(123456, user=staff_user)
    assert caught.value.code == "loan_not_found"
    with pytest.raises(NotFoundError) as caught:
        selectors.hold_get(123456, user=staff_user)
    assert caught.value.code == "hold_not_found"


# --- Renewal ----------------------------------------------------------------------------------
def test_renewal_extends_from_today_and_counts():
    loan = LoanFactory()
    now = timezone.now() + timedelta(days=15)
    renewed = services.loan_renew(actor=None, loan=loan, now=now)
    assert renewed.due_at == now + timedelta(days=21)
    assert renewed.renewals_used == 1


def test_renewal_limit():
    loan = LoanFactory(renewals_used=2)
    with pytest.raises(ServiceError) as caught:
        services.loan_renew(actor=None, loan=loan)
    assert caught.value.code == "renewal_limit"
    assert refusals(member=loan.member) == [("", "renewal_limit")]


def test_renewal_is_refused_while_others_wait_for_the_book():
    loan = LoanFactory()
    services.hold_place(actor=None, member=MemberFactory(), book=loan.copy.book)
    with pytest.raises(ConflictError) as caught:
        services.loan_renew(actor=None, loan=loan)
    assert caught.value.code == "book_on_hold"


# --- Hold queue -------------------------------------------------------------------------------
def queue(book) -> list[tuple[int, int | None]]:
    holds = Hold.objects.filter(book=book, status__in=Hold.ACTIVE).order_by("position")
    return list(holds.values_list("member_id", "position"))


def test_holds_queue_in_order_and_close_the_gap_when_one_is_cancelled():
    book = BookFactory()
    members = [MemberFactory() for _ in range(4)]
    holds = [services.hold_place(actor=None, member=m, book=book) for m in members]
    assert [hold.position for hold in holds] == [1, 2, 3, 4]
    services.hold_cancel(actor=None, hold=holds[1])
    assert queue(book) == [(members[0].pk, 1), (members[2].pk, 2), (members[3].pk, 3)]
    services.hold_place(actor=None, member=members[1], book=book)
    assert queue(book)[-1] == (members[1].pk, 4)


def test_a_hold_on_a_book_with_a_copy_on_the_shelf_sets_that_copy_aside():
    copy = CopyFactory()
    member = MemberFactory()
    hold = services.hold_place(actor=None, member=member, book=copy.book)
    assert (hold.status, hold.copy, hold.position) == (Hold.Status.READY, copy, 1)
    copy.refresh_from_db()
    assert copy.status == Status.ON_HOLD_SHELF
    with pytest.raises(ConflictError):
        checkout(MemberFactory(), copy)
    assert checkout(member, copy).loans


def test_cancelling_a_ready_hold_hands_its_copy_to_the_next_in_line():
    book = BookFactory()
    loan = LoanFactory(copy__book=book)
    first, second = MemberFactory(), MemberFactory()
    hold = services.hold_place(actor=None, member=first, book=book)
    services.hold_place(actor=None, member=second, book=book)
    services.loan_return(actor=None, loan=loan)
    services.hold_cancel(actor=None, hold=hold)
    nxt = Hold.objects.get(member=second)
    assert (nxt.status, nxt.position, nxt.copy) == (Hold.Status.READY, 1, loan.copy)
    with pytest.raises(ConflictError) as caught:
        services.hold_cancel(actor=None, hold=hold)
    assert caught.value.code == "hold_closed"


def test_hold_refusals():
    member = MemberFactory()  # hold limit 2
    book = BookFactory()
    services.hold_place(actor=None, member=member, book=book)
    with pytest.raises(ConflictError) as caught:
        services.hold_place(actor=None, member=member, book=book)
    assert caught.value.code == "hold_exists"
    on_loan = LoanFactory(member=member).copy.book
    with pytest.raises(ServiceError) as refused:
        services.hold_place(actor=None, member=member, book=on_loan)
    assert refused.value.code == "hold_already_on_loan"
    services.hold_place(actor=None, member=member, book=BookFactory())
    with pytest.raises(ServiceError) as refused:
        services.hold_place(actor=None, member=member, book=BookFactory())
    assert refused.value.code == "hold_limit"
    assert [reason for _, reason in refusals(member=member)] == [
        "hold_exists",
        "hold_already_on_loan",
        "hold_limit",
    ]


# --- Database constraints and the log ---------------------------------------------------------
def test_the_database_refuses_a_second_active_loan_of_a_copy():
    loan = LoanFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        LoanFactory(copy=loan.copy)


def test_the_database_refuses_a_loan_due_before_it_was_made():
    now = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        LoanFactory(loaned_at=now, due_at=now - timedelta(days=1))


def test_the_database_refuses_a_zero_fine_and_a_duplicate_queue_position():
    loan = LoanFactory(returned_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        Fine.objects.create(loan=loan, member=loan.member, amount=0, overdue_days=1)
    book = BookFactory()
    Hold.objects.create(book=book, member=MemberFactory(), position=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Hold.objects.create(book=book, member=MemberFactory(), position=1)


def test_the_log_is_append_only():
    checkout(MemberFactory(), CopyFactory())
    event = CirculationEvent.objects.get()
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()


# --- Fines ------------------------------------------------------------------------------------
def _fine(amount: str = "3.00") -> Fine:
    loan = LoanFactory(returned_at=timezone.now())
    return Fine.objects.create(
        loan=loan, member=loan.member, amount=Decimal(amount), overdue_days=6
    )


def test_a_fine_is_paid_once_and_a_second_payment_is_refused_and_logged(staff_user):
    fine = _fine()
    services.fine_pay(actor=staff_user, fine=fine)
    with pytest.raises(ConflictError) as caught:
        services.fine_pay(actor=staff_user, fine=fine)
    assert caught.value.code == "fine_settled"
    assert refusals(action="fine_pay") == [("", "fine_settled")]


def test_a_waived_fine_no_longer_blocks_checkouts():
    fine = _fine("4.00")
    with pytest.raises(ServiceError):
        checkout(fine.member, CopyFactory())
    services.fine_waive(actor=None, fine=fine, reason="Returned during the strike")
    assert checkout(fine.member, CopyFactory()).loans


def test_members_may_not_settle_their_own_fines():
    fine = _fine()
    with pytest.raises(ServiceError) as caught:
        services.fine_pay(actor=fine.member.user, fine=fine)
    assert caught.value.code == "permission_denied"
    fine.refresh_from_db()
    assert fine.paid_at is None
