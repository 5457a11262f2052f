"""Catalogue writes record their actor in the audit log, in the write's transaction."""

from __future__ import annotations

import pytest

from common.exceptions import ConflictError
from common.models import AuditEntry
from library import services
from library.tests.factories import AuthorFactory, CategoryFactory, CopyFactory, LoanFactory

pytestmark = pytest.mark.django_db


def entries(entity: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(entity=entity).order_by("id"))


def test_creating_an_author_and_a_category_is_audited_with_the_actor(staff_user):
    author = services.author_create(actor=staff_user, name="N. Wirth", born=1934)
    category = services.category_create(actor=None, name="Computing", slug="computing")
    (entry,) = entries("author")
    assert (entry.action, entry.actor, entry.entity_id) == ("create", staff_user, author.pk)
    assert entry.after is not None
    assert (entry.before, entry.after["name"]) == (None, "N. Wirth")
    (entry,) = entries("category")
    assert (entry.actor, entry.entity_id) == (None, category.pk)


def test_a_book_audit_entry_carries_its_credits_before_and_after(staff_user):
    first, second = AuthorFactory(), AuthorFactory()
    book = services.book_create(
        actor=staff_user,
        authors=[first, second],
        title="Algorithms + Data Structures",
        isbn="9780130224187",
        category=CategoryFactory(),
    )
    services.book_update(actor=staff_user, book=book, authors=[second], year=1976)
    created, updated = entries("book")
    assert created.after is not None and updated.before is not None and updated.after is not None
    assert created.after["authors"] == [first.pk, second.pk]
    assert (updated.before["authors"], updated.after["authors"]) == (
        [first.pk, second.pk],
        [second.pk],
    )
    assert (updated.before["year"], updated.after["year"]) == (None, 1976)


def test_a_copy_update_takes_the_instance_and_audits_the_status_change(staff_user):
    copy = CopyFactory()
    services.copy_update(actor=staff_user, copy=copy, status="lost")
    (entry,) = entries("copy")
    assert entry.before is not None and entry.after is not None
    assert (entry.before["status"], entry.after["status"], entry.actor) == (
        "available",
        "lost",
        staff_user,
    )


def test_a_refused_copy_update_leaves_no_audit_entry(staff_user):
    lent = LoanFactory().copy
    with pytest.raises(ConflictError):
        services.copy_update(actor=staff_user, copy=lent, status="withdrawn")
    assert entries("copy") == []
