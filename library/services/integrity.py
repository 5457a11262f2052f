"""Repairs of the invariants that span tables (`manage.py library_verify [--fix]`; `library.drift`
finds what needs them).

A copy is `on_loan` iff it has exactly one active loan, `on_hold_shelf` iff exactly one ready
hold names it (a copy of the hold's own book), and each book's active holds are numbered 1..n.
The services keep these in every transaction; `library.drift` reports what a write behind
their back left (see the README for why these are not constraint triggers).

Each repair is well defined and recomputes under the same locks the services take (book, then
copy), so running one for drift that a service has meanwhile fixed changes nothing:
- an active loan is a fact (the copy is with a member): the copy is `on_loan`, and a ready hold
  naming it goes back to waiting;
- of several ready holds naming one copy, the first in the queue keeps it;
- a circulating copy that nothing names goes to the next waiting hold, else to the shelf, as a
  return would;
- a ready hold naming a copy of another book goes back to waiting;
- a queue with gaps is renumbered in its order.
Every changed copy and hold gets an audit entry; a copy handed to a hold also gets its
`hold_ready` entry in the circulation log, as at the desk.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from common.actors import Actor
from common.audit import snapshot
from common.records import audited
from library import selectors
from library.models import Copy, Hold, Loan
from library.services.catalogue import CIRCULATING
from library.services.circulation import _shelve_or_hand_to_hold


def hold_copy_repair(*, actor: Actor, hold: Hold) -> None:
    """Send a ready hold naming a copy of another book back to waiting; the copy goes where its
    loans and holds say."""
    copy = hold.copy
    with transaction.atomic():
        selectors.book_for_update(hold.book_id)
        _back_to_waiting(actor, Hold.objects.select_for_update().get(pk=hold.pk))
    if copy is not None:
        copy_status_repair(actor=actor, copy=copy)


def _back_to_waiting(actor: Actor, hold: Hold) -> None:
    before = snapshot(hold)
    hold.status, hold.copy = Hold.Status.WAITING, None
    hold.save(update_fields=["status", "copy"])
    audited(actor, hold, before)


@transaction.atomic
def copy_status_repair(*, actor: Actor, copy: Copy) -> Copy:
    """Set the copy's status from its active loan and the ready holds naming it."""
    selectors.book_for_update(copy.book_id)
    copy = selectors.copy_for_update(copy.pk)
    before = snapshot(copy)
    on_loan = Loan.objects.filter(copy=copy, returned_at__isnull=True).exists()
    ready = selectors.ready_holds_for_update(copy.pk)
    keeps = [] if on_loan else ready[:1]
    for hold in ready[len(keeps) :]:
        _back_to_waiting(actor, hold)
    if on_loan or keeps:
        copy.status = Copy.Status.ON_LOAN if on_loan else Copy.Status.ON_HOLD_SHELF
        copy.save(update_fields=["status"])
    elif copy.status in CIRCULATING:
        _shelve_or_hand_to_hold(copy, actor, timezone.now())
    if copy.status != before["status"]:
        audited(actor, copy, before)
    return copy


@transaction.atomic
def hold_queue_repair(*, actor: Actor, book_id: int) -> None:
    """Renumber the book's active holds 1..n in their queue order.

    Ascending: each hold moves down onto a slot already freed, so the (book, position) unique
    constraint holds after every statement.
    """
    selectors.book_for_update(book_id)
    for position, hold in enumerate(selectors.active_holds_for_update(book_id), start=1):
        if hold.position != position:
            before = snapshot(hold)
            hold.position = position
            hold.save(update_fields=["position"])
            audited(actor, hold, before)
