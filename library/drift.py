"""Drift between copies, loans and holds, found by reading, each paired with the repair service
that fixes it (`library.services.integrity`, `manage.py library_verify [--fix]`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from library import selectors, services


@dataclass(frozen=True)
class Drift:
    kind: str
    message: str
    repair: Callable[..., object]  # called with `actor=`: a repair service


def circulation_drift() -> list[Drift]:
    """Every disagreement between copies, loans and holds, each with its repair."""
    drift = [
        Drift(
            "hold_copy_of_other_book",
            f"Ready hold {hold.pk} for book {hold.book_id} names copy {hold.copy} of book "
            f"{hold.copy.book_id}.",
            partial(services.hold_copy_repair, hold=hold),
        )
        for hold in selectors.holds_for_another_book()
        if hold.copy is not None
    ]
    drift += [
        Drift(
            "copy_status",
            f"Copy {found.copy.barcode} is {found.copy.status} with {found.active_loans} active "
            f"loans and {found.ready_holds} ready holds naming it.",
            partial(services.copy_status_repair, copy=found.copy),
        )
        for found in selectors.copies_out_of_step()
    ]
    drift += [
        Drift(
            "hold_queue",
            f"The hold queue of book {book_id} is not numbered 1..n.",
            partial(services.hold_queue_repair, book_id=book_id),
        )
        for book_id in selectors.hold_queues_with_gaps()
    ]
    return drift
