"""Catalogue writes (staff): authors, categories, books with their ordered authors, copies.

Each validates with `full_clean` (uniqueness of ISBN and barcode, the ISBN format, category
cycles) and writes in one transaction. Copy status belongs to circulation while a copy is lent
or set aside; by hand a copy can only move between available, lost and withdrawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction

from common.exceptions import ConflictError, ServiceError
from library import selectors
from library.models import Author, Book, BookAuthor, Category, Copy

CIRCULATING = (Copy.Status.ON_LOAN, Copy.Status.ON_HOLD_SHELF)
HAND_SET = (Copy.Status.AVAILABLE, Copy.Status.LOST, Copy.Status.WITHDRAWN)


def _saved(instance: Any) -> Any:
    instance.full_clean()
    instance.save()
    return instance


def author_create(*, name: str, born: int | None = None) -> Author:
    return _saved(Author(name=name, born=born))


def category_create(*, name: str, slug: str, parent: Category | None = None) -> Category:
    return _saved(Category(name=name, slug=slug, parent=parent))


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
def book_create(*, authors: Sequence[Author] = (), **fields: Any) -> Book:
    book = _saved(Book(**fields))
    _set_authors(book, authors)
    return book


@transaction.atomic
def book_update(*, book: Book, authors: Sequence[Author] | None = None, **fields: Any) -> Book:
    for name, value in fields.items():
        setattr(book, name, value)
    _saved(book)
    if authors is not None:
        _set_authors(book, authors)
    return book


def copy_create(*, book: Book, barcode: str, shelf_location: str = "") -> Copy:
    return _saved(Copy(book=book, barcode=barcode, shelf_location=shelf_location))


@transaction.atomic
def copy_update(*, copy_id: int, **fields: Any) -> Copy:
    copy = selectors.copy_for_update(copy_id)
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
    for name, value in fields.items():
        setattr(copy, name, value)
    return _saved(copy)
