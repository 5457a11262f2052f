"""Circulation writes: `loan_checkout`, `loan_return`, `loan_renew`, `hold_place`, `hold_cancel`,
`fine_pay`, `fine_waive`.

Each takes the acting user (`actor`, None for system writes) and the rows it acts on as
instances; callers resolve ids (`selectors.member_get`, `loan_get`, ...). Who may act for whom
is `library.policies`' decision, asked here. The circulation log is the library's audit trail:
every attempt, done or refused, leaves a `CirculationEvent` naming its actor.

Every function runs in one transaction and locks the rows it changes (`select_for_update`), so
concurrent requests queue instead of racing; locks are always taken in the order member, book
(its hold queue), copy, so services cannot deadlock one another. The partial unique constraint on
active loans is the last line of defence. A refused attempt raises a `ServiceError` and is
written to the circulation log *after* the transaction rolled back, so the refusal survives.

Refusal codes (the `code` of the API error, and `reason` in the log):

| code                    | status | when                                                     |
|-------------------------|--------|----------------------------------------------------------|
| member_not_found        | 400    | no such member (`selectors.member_get`)                  |
| permission_denied       | 403    | the actor may not act for this member (`policies`)       |
| member_inactive         | 400    | the membership is suspended                              |
| member_overdue          | 400    | the member has overdue loans                             |
| member_fines            | 400    | unpaid fines above the category's threshold              |
| loan_limit              | 400    | the member's category allows no more concurrent loans    |
| copy_not_found          | 400    | no copy has the barcode                                  |
| copy_not_lendable       | 400    | the copy is lost or withdrawn                            |
| copy_on_loan            | 409    | the copy is already lent (also a lost race on the row)   |
| copy_held_for_another   | 409    | the copy is kept for another member's hold               |
| loan_returned           | 409    | the loan was already returned                            |
| renewal_limit           | 400    | no renewals left                                         |
| book_on_hold            | 409    | others wait for the book, so it cannot be renewed        |
| hold_exists             | 409    | the member already holds the book                        |
| hold_already_on_loan    | 400    | the member has a copy of the book on loan                |
| hold_limit              | 400    | the category's hold limit is reached                     |
| hold_closed             | 409    | the hold was already fulfilled or cancelled              |
| fine_settled            | 409    | the fine was already paid or waived                      |
| required                | 400    | no copy named; a waiver without its reason               |
| book_not_found          | 400    | a hold names no existing book (`selectors.book_get`)     |
| loan_not_found, hold_not_found | 404 | the loan or hold in the URL is missing or not yours |

Refusals found before a service runs (unknown ids, rows not the caller's) are input errors of
the request and are not logged: there is no member, loan or hold to log them against
(`selectors.member_get`, `book_get`, `loan_get`, `hold_get` raise them).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, cast

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from common.actors import Actor, user_of
from common.exceptions import ConflictError, NotFoundError, ServiceError
from library import policies, selectors
from library.models import (
    Book,
    CirculationEvent,
    Copy,
    Fine,
    Hold,
    Loan,
    Member,
)

Action = CirculationEvent.Action


class CheckoutMode(StrEnum):
    ALL_OR_NOTHING = "all_or_nothing"  # any refusal rolls back every loan of the request
    PARTIAL = "partial"  # a savepoint per copy: lend what can be lent, report the rest


@dataclass(frozen=True)
class Refusal:
    barcode: str
    code: str
    message: str
    status: int


@dataclass
class CheckoutResult:
    loans: list[Loan] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)


@dataclass
class ReturnResult:
    loan: Loan
    fine: Fine | None
    hold: Hold | None  # the hold the copy now waits for on the hold shelf


# --- The circulation log ----------------------------------------------------------------------
def _log(
    action: str, actor: Actor, *, outcome: str = CirculationEvent.Outcome.OK, **subject: Any
) -> CirculationEvent:
    return CirculationEvent.objects.create(
        action=action, outcome=outcome, actor=user_of(actor), **subject
    )


def _log_refusal(action: str, actor: Actor, error: ServiceError, **subject: Any) -> None:
    _log(
        action,
        actor,
        outcome=CirculationEvent.Outcome.REFUSED,
        reason=error.code,
        message=error.message[:300],
        **subject,
    )


@contextmanager
def _refusal_logged(action: str, actor: Actor, **subject: Any) -> Iterator[None]:
    """Log a `ServiceError` raised in the block; put the block's transaction *inside* this."""
    try:
        yield
    except ServiceError as error:
        _log_refusal(action, actor, error, **subject)
        raise


# --- Shared rules -----------------------------------------------------------------------------
def _locked_member(member: Member) -> Member:
    locked = selectors.member_for_update(member.pk)
    if locked is None:  # deleted since the caller read it
        raise ServiceError(
            f"No member has id {member.pk}.", field="member", code="member_not_found"
        )
    return locked


def _renumber_after(book_id: int, position: int) -> None:
    """Close the gap left at `position` so the queue stays 1..n.

    Row by row in ascending order: each move lands on the slot the previous one freed, so the
    (book, position) unique constraint holds after every statement. Queues are short.
    """
    behind = Hold.objects.filter(book_id=book_id, position__gt=position).order_by("position")
    for hold in behind:
        hold.position = cast(int, hold.position) - 1  # cast: position__gt excludes NULL
        hold.save(update_fields=["position"])


def _close_hold(hold: Hold, status: str, now: datetime) -> None:
    position = hold.position
    hold.status, hold.position, hold.closed_at = status, None, now
    hold.save(update_fields=["status", "position", "closed_at"])
    if position is not None:
        _renumber_after(hold.book_id, position)


def _shelve_or_hand_to_hold(copy: Copy, actor: Actor, now: datetime) -> Hold | None:
    """A copy coming back goes to the first waiting hold of its book, else back on the shelf."""
    hold = (
        Hold.objects.filter(book_id=copy.book_id, status=Hold.Status.WAITING)
        .order_by("position")
        .first()
    )
    copy.status = Copy.Status.ON_HOLD_SHELF if hold else Copy.Status.AVAILABLE
    copy.save(update_fields=["status"])
    if hold:
        hold.status, hold.copy = Hold.Status.READY, copy
        hold.save(update_fields=["status", "copy"])
        _log(Action.HOLD_READY, actor, member_id=hold.member_id, copy=copy, book_id=copy.book_id)
    return hold


# --- Checkout ---------------------------------------------------------------------------------
def loan_checkout(
    *,
    actor: Actor,
    member: Member,
    barcodes: Sequence[str],
    mode: CheckoutMode = CheckoutMode.ALL_OR_NOTHING,
    now: datetime | None = None,
) -> CheckoutResult:
    """Lend the copies named by `barcodes` (as scanned) to `member`, in one transaction."""
    now = now or timezone.now()
    barcodes = list(dict.fromkeys(code.strip() for code in barcodes if code.strip()))
    if not barcodes:
        raise ServiceError("Name at least one copy.", field="copies", code="required")
    result = CheckoutResult()
    try:
        with transaction.atomic():
            _checkout_locked(actor, member, barcodes, CheckoutMode(mode), now, result)
    except ServiceError:
        # The loans rolled back; the refusals are written now, outside that transaction.
        _log_checkout_refusals(actor, member, result.refused)
        raise
    _log_checkout_refusals(actor, member, result.refused)
    return result


def _checkout_locked(
    actor: Actor,
    member: Member,
    barcodes: list[str],
    mode: CheckoutMode,
    now: datetime,
    result: CheckoutResult,
) -> None:
    try:
        policies.check_may_circulate(actor=actor)
        member = _locked_member(member)
        if block := selectors.member_block(member=member, now=now):
            raise block
    except ServiceError as error:
        result.refused.extend(_refusal(barcode, error) for barcode in barcodes)
        raise
    # Locked after the member, books before copies: the order every service keeps.
    copies = selectors.books_and_copies_for_update(barcodes)
    active = member.loans.filter(returned_at__isnull=True).count()
    # Partial mode: a savepoint per copy, so a refusal undoes that copy only.
    per_copy = transaction.atomic if mode is CheckoutMode.PARTIAL else nullcontext
    for barcode in barcodes:
        try:
            with per_copy():
                loan = _lend(actor, member, barcode, copies.get(barcode), active, now)
        except ServiceError as error:
            result.refused.append(_refusal(barcode, error))
            if mode is CheckoutMode.ALL_OR_NOTHING:
                raise
            continue
        result.loans.append(loan)
        active += 1


def _refusal(barcode: str, error: ServiceError) -> Refusal:
    return Refusal(barcode, error.code, error.message, error.status_code)


def _log_checkout_refusals(actor: Actor, member: Member, refused: list[Refusal]) -> None:
    if not refused:
        return
    copies = dict(
        Copy.objects.filter(barcode__in=[r.barcode for r in refused]).values_list("barcode", "pk")
    )
    CirculationEvent.objects.bulk_create(
        CirculationEvent(
            action=Action.CHECKOUT,
            outcome=CirculationEvent.Outcome.REFUSED,
            reason=refusal.code,
            message=refusal.message[:300],
            actor=user_of(actor),
            member=member,
            copy_id=copies.get(refusal.barcode),
            barcode=refusal.barcode[:32],
        )
        for refusal in refused
    )


def _lend(
    actor: Actor, member: Member, barcode: str, copy: Copy | None, active: int, now: datetime
) -> Loan:
    if copy is None:
        raise ServiceError(f"No copy has barcode {barcode}.", field="copies", code="copy_not_found")
    _check_copy_lendable(copy, member)
    if active >= member.category.max_loans:
        raise ServiceError(
            f"The member already has {active} loans, the most a {member.category.name} may have.",
            field="member",
            code="loan_limit",
        )
    try:
        with transaction.atomic():  # keep the outer transaction usable if the insert fails
            loan = Loan.objects.create(
                copy=copy,
                member=member,
                loaned_at=now,
                due_at=now + timedelta(days=member.category.loan_days),
            )
    except IntegrityError:
        raise _copy_on_loan(copy.barcode) from None
    copy.status = Copy.Status.ON_LOAN
    copy.save(update_fields=["status"])
    if hold := member.holds.filter(book_id=copy.book_id, status__in=Hold.ACTIVE).first():
        _close_hold(hold, Hold.Status.FULFILLED, now)
    _log(Action.CHECKOUT, actor, member=member, copy=copy, book_id=copy.book_id, barcode=barcode)
    return loan


def _copy_on_loan(barcode: str) -> ConflictError:
    return ConflictError(
        f"Copy {barcode} is already on loan.", field="copies", code="copy_on_loan", copy=barcode
    )


def _check_copy_lendable(copy: Copy, member: Member) -> None:
    if copy.status == Copy.Status.ON_LOAN:
        raise _copy_on_loan(copy.barcode)
    if copy.status in (Copy.Status.LOST, Copy.Status.WITHDRAWN):
        raise ServiceError(
            f"Copy {copy.barcode} is {copy.get_status_display().lower()}.",
            field="copies",
            code="copy_not_lendable",
        )
    if copy.status == Copy.Status.ON_HOLD_SHELF:
        kept_for_member = copy.holds.filter(status=Hold.Status.READY, member=member).exists()
        if not kept_for_member:
            raise _held_for_another(copy.barcode)
    elif _waiting_ahead(copy.book_id, member) >= _available_copies(copy.book_id):
        raise _held_for_another(copy.barcode)


def _held_for_another(barcode: str) -> ConflictError:
    return ConflictError(
        f"Copy {barcode} is kept for another member's hold.",
        field="copies",
        code="copy_held_for_another",
        copy=barcode,
    )


def _waiting_ahead(book_id: int, member: Member) -> int:
    """Holds of other members that wait for a copy ahead of `member` (all, if it holds none)."""
    waiting = Hold.objects.filter(book_id=book_id, status=Hold.Status.WAITING)
    own = waiting.filter(member=member).values_list("position", flat=True).first()
    ahead = waiting.exclude(member=member)
    return (ahead.filter(position__lt=own) if own else ahead).count()


def _available_copies(book_id: int) -> int:
    return Copy.objects.filter(book_id=book_id, status=Copy.Status.AVAILABLE).count()


# --- Return and renewal -----------------------------------------------------------------------
def _locked_active_loan(loan: Loan) -> Loan:
    locked = selectors.loan_for_update(loan.pk)
    if locked is None:  # deleted since the caller read it
        raise NotFoundError(f"No loan has id {loan.pk}.", code="loan_not_found")
    if locked.returned_at is not None:
        raise ConflictError(
            f"Loan {loan.pk} was already returned.", code="loan_returned", loan=loan.pk
        )
    return locked


def _loan_subject(loan: Loan) -> dict[str, Any]:
    return {"member_id": loan.member_id, "copy_id": loan.copy_id, "book_id": loan.copy.book_id}


def loan_return(*, actor: Actor, loan: Loan, now: datetime | None = None) -> ReturnResult:
    """Close the loan, charge a fine if it came back late, and pass the copy to the next hold."""
    now = now or timezone.now()
    with _refusal_logged(Action.RETURN, actor, **_loan_subject(loan)), transaction.atomic():
        policies.check_may_circulate(actor=actor)
        loan = _locked_active_loan(loan)
        selectors.book_for_update(loan.copy.book_id)
        loan.returned_at = max(now, loan.loaned_at)
        loan.save(update_fields=["returned_at"])
        fine = _assess_fine(loan, now)
        hold = _shelve_or_hand_to_hold(loan.copy, actor, now)
        _log(Action.RETURN, actor, member=loan.member, copy=loan.copy, book_id=loan.copy.book_id)
    return ReturnResult(loan, fine, hold)


def _assess_fine(loan: Loan, now: datetime) -> Fine | None:
    overdue_days = (timezone.localdate(now) - timezone.localdate(loan.due_at)).days
    amount = loan.member.category.fine_for(overdue_days)
    if amount <= 0:
        return None
    return Fine.objects.create(
        loan=loan, member=loan.member, amount=amount, overdue_days=overdue_days, assessed_at=now
    )


def loan_renew(*, actor: Actor, loan: Loan, now: datetime | None = None) -> Loan:
    """Extend an active loan by the member's loan period, unless others wait for the book."""
    now = now or timezone.now()
    with _refusal_logged(Action.RENEW, actor, **_loan_subject(loan)), transaction.atomic():
        loan = _locked_active_loan(loan)
        policies.check_may_act_for(actor=actor, member=loan.member)
        category = loan.member.category
        if loan.renewals_used >= category.max_renewals:
            raise ServiceError(
                f"No renewals left ({category.max_renewals} allowed).", code="renewal_limit"
            )
        others_waiting = Hold.objects.filter(
            book_id=loan.copy.book_id, status__in=Hold.ACTIVE
        ).exclude(member_id=loan.member_id)
        if others_waiting.exists():
            raise ConflictError(
                "Other members are waiting for this book.", code="book_on_hold", loan=loan.pk
            )
        loan.due_at = max(loan.due_at, now + timedelta(days=category.loan_days))
        loan.renewals_used += 1
        loan.save(update_fields=["due_at", "renewals_used"])
        _log(Action.RENEW, actor, member=loan.member, copy=loan.copy, book_id=loan.copy.book_id)
    return loan


# --- Holds ------------------------------------------------------------------------------------
def hold_place(*, actor: Actor, member: Member, book: Book, now: datetime | None = None) -> Hold:
    """Queue `member` for any copy of `book`, at the end of the queue."""
    now = now or timezone.now()
    book_id = book.pk
    subject = {"member_id": member.pk, "book_id": book_id}
    with _refusal_logged(Action.HOLD_PLACE, actor, **subject), transaction.atomic():
        policies.check_may_act_for(actor=actor, member=member)
        member = _locked_member(member)
        selectors.book_for_update(book_id)
        _check_can_hold(member, book_id)
        last = Hold.objects.filter(book_id=book_id).aggregate(last=Max("position"))["last"]
        hold = Hold.objects.create(
            book_id=book_id, member=member, position=(last or 0) + 1, placed_at=now
        )
        _log(Action.HOLD_PLACE, actor, member=member, book_id=book_id)
        _set_aside_shelf_copy(book_id, actor, now)
    hold.refresh_from_db()
    return hold


def _set_aside_shelf_copy(book_id: int, actor: Actor, now: datetime) -> None:
    """A copy on the shelf goes straight to the first waiting hold (as a desk would trap it)."""
    if copy := selectors.shelf_copy_for_update(book_id):
        _shelve_or_hand_to_hold(copy, actor, now)


def _check_can_hold(member: Member, book_id: int) -> None:
    if not member.active:
        raise ServiceError("The membership is suspended.", field="member", code="member_inactive")
    active_holds = member.holds.filter(status__in=Hold.ACTIVE)
    if active_holds.filter(book_id=book_id).exists():
        raise ConflictError("The member already holds this book.", field="book", code="hold_exists")
    on_loan = member.loans.filter(returned_at__isnull=True, copy__book_id=book_id)
    if on_loan.exists():
        raise ServiceError(
            "The member has this book on loan.", field="book", code="hold_already_on_loan"
        )
    if active_holds.count() >= member.category.hold_limit:
        raise ServiceError(
            f"The member already has {member.category.hold_limit} holds, the limit.",
            field="member",
            code="hold_limit",
        )


def hold_cancel(*, actor: Actor, hold: Hold, now: datetime | None = None) -> Hold:
    """Leave the queue; those behind move up, and a copy kept for this hold goes to the next."""
    now = now or timezone.now()
    subject: dict[str, Any] = {"member_id": hold.member_id, "book_id": hold.book_id}
    with _refusal_logged(Action.HOLD_CANCEL, actor, **subject), transaction.atomic():
        policies.check_may_act_for(actor=actor, member=hold.member)
        selectors.book_for_update(hold.book_id)
        hold = selectors.hold_with_copy(hold.pk)
        if hold.status not in Hold.ACTIVE:
            raise ConflictError(f"Hold {hold.pk} is {hold.status}.", code="hold_closed")
        copy = hold.copy if hold.status == Hold.Status.READY else None
        _close_hold(hold, Hold.Status.CANCELLED, now)
        if copy is not None:
            _shelve_or_hand_to_hold(copy, actor, now)
        _log(Action.HOLD_CANCEL, actor, **subject)
    return hold


# --- Fines ------------------------------------------------------------------------------------
def fine_pay(*, actor: Actor, fine: Fine, now: datetime | None = None) -> Fine:
    """Record the fine as paid at the desk."""
    return _settle(actor, fine, "paid_at", Action.FINE_PAY, "paid", now or timezone.now())


def fine_waive(*, actor: Actor, fine: Fine, reason: str, now: datetime | None = None) -> Fine:
    """Forgive the fine; the reason goes to the circulation log."""
    reason = reason.strip()
    if not reason:
        error = ServiceError("Say why the fine is waived.", field="reason", code="required")
        _log_refusal(Action.FINE_WAIVE, actor, error, **_fine_subject(fine))
        raise error
    settled = f"waived: {reason}"
    return _settle(actor, fine, "waived_at", Action.FINE_WAIVE, settled, now or timezone.now())


def _fine_subject(fine: Fine) -> dict[str, Any]:
    return {"member_id": fine.member_id, "copy_id": fine.loan.copy_id}


def _settle(actor: Actor, fine: Fine, column: str, action: str, how: str, now: datetime) -> Fine:
    with _refusal_logged(action, actor, **_fine_subject(fine)), transaction.atomic():
        policies.check_may_circulate(actor=actor)
        fine = selectors.fine_for_update(fine.pk)
        if fine.paid_at is not None or fine.waived_at is not None:
            settled = "paid" if fine.paid_at is not None else "waived"
            raise ConflictError(
                f"Fine {fine.pk} of {fine.amount} was already {settled}.", code="fine_settled"
            )
        setattr(fine, column, now)
        fine.save(update_fields=[column])
        message = f"Fine {fine.pk} of {fine.amount} {how}"[:300]
        _log(action, actor, member_id=fine.member_id, copy_id=fine.loan.copy_id, message=message)
    return fine
