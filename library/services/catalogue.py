"""Catalogue writes (staff): authors, categories, books with their ordered authors, copies.

Each takes the acting user (`actor`, None for system writes), validates with `full_clean`
(uniqueness of ISBN and barcode, the ISBN format, category cycles) and writes in one
transaction together with its entry in the audit log (`common.audit`). Catalogue edits go to
the audit log, not the circulation log: they change reference data, and the question asked of
them is "who changed what from what", which the audit entry's before/after answers; the
circulation log records attempts to lend, return and hold for a member, with an outcome.
Copy status belongs to circulation while a copy is lent or set aside; by hand a copy can only
move between available, lost and withdrawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from django.db import models, transaction

from common.actors import Actor
from common.audit import audit_record, snapshot
from common.exceptions import ConflictError, ServiceError
from common.models import AuditEntry
from library import selectors
from library.models import Author, Book, BookAuthor, Category, Copy

CIRCULATING = (Copy.Status.ON_LOAN, Copy.Status.ON_HOLD_SHELF)
HAND_SET = (Copy.Status.AVAILABLE, Copy.Status.LOST, Copy.Status.WITHDRAWN)

M = TypeVar("M", bound=models.Model)


def _saved(instance: M) -> M:
    instance.full_clean()
    instance.save()
    return instance


def _audited(actor: Actor, instance: M, before: dict[str, Any] | None) -> M:
    """Append the audit entry of the write to `instance` (`before` None: a new row)."""
    action = AuditEntry.Action.CREATE if before is None else AuditEntry.Action.UPDATE
    audit_record(actor=actor, action=action, instance=instance, before=before)
    return instance


def book_credits(book: Book) -> dict[str, Any]:
    """The book's authors in credit order: part of its audited state (see `apps.py`)."""
    credits = book.book_authors.order_by("position").values_list("author_id", flat=True)
    return {"authors": list(credits)}


@transaction.atomic
def author_create(*, actor: Actor, name: str, born: int | None = None) -> Author:
    return _audited(actor, _saved(Author(name=name, born=born)), None)


@transaction.atomic
def category_create(
    *, actor: Actor, name: str, slug: str, parent: Category | None = None
) -> Category:
    return _audited(actor, _saved(Category(name=name, slug=slug, parent=parent)), None)


def _set_authors(book: Book, authors: Sequence[Author]) -> None:
    """Replace the credits with `authors`, in that order (position 1 first)."""
    if len({author.pk for author in authors}) != len(authors):
        raise ServiceError("An author is listed twice.", field="authors", code="invalid")
    book.book_authors.all().delete()
    BookAuthor.objects.bulk_create(
        BookAuthor(book=book, author=author, position=position)
        for position, author in enumerate(authors, start=1)
    )


@transaction.atomic
def book_create(*, actor: Actor, authors: Sequence[Author] = (), **fields: Any) -> Book:
    book = _saved(Book(**fields))
    _set_authors(book, authors)
    return _audited(actor, book, None)


@transaction.atomic
def book_update(
    *, actor: Actor, book: Book, authors: Sequence[Author] | None = None, **fields: Any
) -> Book:
    before = snapshot(book)
    for name, value in fields.items():
        setattr(book, name, value)
    _saved(book)
    if authors is not None:
        _set_authors(book, authors)
    return _audited(actor, book, before)


@transaction.atomic
def copy_create(*, actor: Actor, book: Book, barcode: str, shelf_location: str = "") -> Copy:
    copy = _saved(Copy(book=book, barcode=barcode, shelf_location=shelf_location))
    return _audited(actor, copy, None)


@transaction.atomic
def copy_update(*, actor: Actor, copy: Copy, **fields: Any) -> Copy:
    copy = selectors.copy_for_update(copy.pk)
    status = fields.get("status")
    if status is not None and status != copy.status:
        if copy.status in CIRCULATING:
            raise ConflictError(
                f"Copy {copy.barcode} is {copy.get_status_display().lower()}; "
                "circulation changes its status.",
                field="status",
                code="copy_in_circulation",
            )
        if status not in HAND_SET:
            raise ServiceError(
                "Only available, lost and withdrawn are set by hand.",
                field="status",
                code="invalid",
            )
    before = snapshot(copy)
    for name, value in fields.items():
        setattr(copy, name, value)
    return _audited(actor, _saved(copy), before)
