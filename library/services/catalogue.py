"""Catalogue writes (staff): authors, categories, books with their ordered authors, copies.

Each takes the acting user (`actor`, None for system writes), validates with `full_clean`
(uniqueness of ISBN and barcode, the ISBN format, category cycles) and writes in one
transaction together with its entry in the audit log (`common.audit`); book and category writes
also invalidate the search cache after commit (`library.caching`). Catalogue edits go to
the audit log, not the circulation log: they change reference data, and the question asked of
them is "who changed what from what", which the audit entry's before/after answers; the
circulation log records attempts to lend, return and hold for a member, with an outcome.
Copy status belongs to circulation while a copy is lent or set aside; by hand a copy can only
move between available, lost and withdrawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction

from common.actors import Actor
from common.audit import snapshot
from common.exceptions import ConflictError, ServiceError
from common.records import audited, created, deleted, saved, updated
from library import caching, selectors
from library.models import Author, Book, BookAuthor, Category, Copy

CIRCULATING = (Copy.Status.ON_LOAN, Copy.Status.ON_HOLD_SHELF)
HAND_SET = (Copy.Status.AVAILABLE, Copy.Status.LOST, Copy.Status.WITHDRAWN)


@transaction.atomic
def author_create(*, actor: Actor, name: str, born: int | None = None) -> Author:
    return created(actor, Author(name=name, born=born))


@transaction.atomic
def author_update(*, actor: Actor, author: Author, **fields: Any) -> Author:
    return updated(actor, author, fields)


@transaction.atomic
def author_delete(*, actor: Actor, author: Author) -> None:
    deleted(actor, author)


@transaction.atomic
def category_create(
    *, actor: Actor, name: str, slug: str, parent: Category | None = None
) -> Category:
    caching.catalogue_written()
    return created(actor, Category(name=name, slug=slug, parent=parent))


@transaction.atomic
def category_update(*, actor: Actor, category: Category, **fields: Any) -> Category:
    caching.catalogue_written()
    return updated(actor, category, fields)


@transaction.atomic
def category_delete(*, actor: Actor, category: Category) -> None:
    deleted(actor, category)
    caching.catalogue_written()


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
    book = saved(Book(**fields))
    _set_authors(book, authors)
    caching.catalogue_written()
    return audited(actor, book, None)


@transaction.atomic
def book_update(
    *, actor: Actor, book: Book, authors: Sequence[Author] | None = None, **fields: Any
) -> Book:
    before = snapshot(book)
    for name, value in fields.items():
        setattr(book, name, value)
    saved(book)
    if authors is not None:
        _set_authors(book, authors)
    caching.catalogue_written()
    return audited(actor, book, before)


@transaction.atomic
def book_delete(*, actor: Actor, book: Book) -> None:
    """Delete a book with no copies and no holds; its credits go with it (in the audit entry)."""
    deleted(actor, book)
    caching.catalogue_written()


@transaction.atomic
def copy_create(*, actor: Actor, book: Book, barcode: str, shelf_location: str = "") -> Copy:
    return created(actor, Copy(book=book, barcode=barcode, shelf_location=shelf_location))


@transaction.atomic
def copy_update(*, actor: Actor, copy: Copy, **fields: Any) -> Copy:
    copy = selectors.copy_for_update(copy.pk)
    status = fields.get("status")
    if status is not None and status != copy.status:
        _check_not_circulating(copy, "status", "circulation changes its status")
        if status not in HAND_SET:
            raise ServiceError(
                "Only available, lost and withdrawn are set by hand.",
                field="status",
                code="invalid",
            )
    book = fields.get("book")
    if book is not None and book.pk != copy.book_id:
        # A lent or set-aside copy belongs to its book's loans and hold queue.
        _check_not_circulating(copy, "book", "it stays with its book until it is back")
    return updated(actor, copy, fields)


def _check_not_circulating(copy: Copy, field: str, why: str) -> None:
    if copy.status in CIRCULATING:
        raise ConflictError(
            f"Copy {copy.barcode} is {copy.get_status_display().lower()}; {why}.",
            field=field,
            code="copy_in_circulation",
        )


@transaction.atomic
def copy_delete(*, actor: Actor, copy: Copy) -> None:
    """Delete a copy that was never lent or held (otherwise withdraw it: history keeps it)."""
    copy = selectors.copy_for_update(copy.pk)
    _check_not_circulating(copy, "status", "return it or cancel its hold first")
    deleted(actor, copy)
