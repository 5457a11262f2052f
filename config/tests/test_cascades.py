"""No audited row goes with a cascade unaudited.

Every `on_delete=CASCADE` in the project's apps is listed here with the reason its rows are
audited all the same (they are part of the parent's audit snapshot, and the service that
deletes the parent writes it). A new CASCADE fails the inventory until it is PROTECT or has
its reason and a test."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import models

from blog.models import Comment
from blog.tests.factories import CommentFactory
from common.exceptions import ConflictError
from common.models import AuditEntry
from delegation import services as delegation_services
from devtools.testing import Trail
from library.services import catalogue
from library.tests.factories import AuthorFactory, BookFactory
from people import services as people_services
from people.models import Person
from school.models import PersonPreferences, TeachingAssignment
from school.tests.factories import (
    PersonFactory,
    PersonPreferencesFactory,
    SectionFactory,
    TeachingAssignmentFactory,
)

PROJECT_APPS = {"common", "people", "delegation", "school", "library", "blog"}

# (model, field): why the rows it takes are audited anyway.
AUDITED_CASCADES = {
    ("common.IdempotentRequest", "user"): (
        "not audited data: the replay cache of a user's answers (the writes they answered are "
        "audited or logged on their own); a deleted user retries nothing"
    ),
    ("library.BookAuthor", "book"): "a book's credits are in its audit snapshot (book_delete)",
    ("delegation.RolePermission", "role"): "a role's grants are in its snapshot (role_delete)",
    ("delegation.RoleInheritance", "role"): "a role's parents are in its snapshot (role_delete)",
    ("delegation.RoleInheritance", "parent"): "role_delete audits every heir that loses it",
}

# (model, field): why nulling the reference when its target goes is not a lost audited change.
HARMLESS_SET_NULLS = {
    ("common.AuditEntry", "actor"): "the log outlives the accounts that acted",
    ("library.CirculationEvent", "actor"): "the append-only log outlives the accounts that acted",
    ("library.CirculationEvent", "member"): "the log outlives a deleted member (audited delete)",
    ("library.CirculationEvent", "copy"): "the log keeps the barcode as typed (audited delete)",
    ("library.CirculationEvent", "book"): "the log outlives a deleted book (audited delete)",
    ("blog.Comment", "user"): "a comment outlives its writer's account; no audited fact changes",
    ("delegation.RoleAssignment", "created_by"): "the creator is also the create entry's actor",
    ("delegation.Delegation", "created_by"): "the creator is also the create entry's actor",
}


def project_references(on_delete: object) -> set[tuple[str, str]]:
    found = set()
    for model in apps.get_models():
        if model._meta.app_label not in PROJECT_APPS:
            continue
        for field in model._meta.get_fields():
            remote = getattr(field, "remote_field", None)
            if field.concrete and remote and getattr(remote, "on_delete", None) is on_delete:
                found.add((model._meta.label, field.name))
    return found


def test_every_cascade_is_listed_with_the_reason_it_stays_audited():
    assert project_references(models.CASCADE) == set(AUDITED_CASCADES)


def test_every_set_null_is_listed_with_the_reason_no_audited_fact_changes():
    # Person.user was SET_NULL: deleting a user account rewrote an audited person unaudited.
    assert project_references(models.SET_NULL) == set(HARMLESS_SET_NULLS)


@pytest.mark.parametrize(
    ("model", "field"),
    [
        (Comment, "post"),
        (PersonPreferences, "person"),
        (TeachingAssignment, "section"),
        (Person, "user"),
    ],
)
def test_audited_rows_that_used_to_cascade_are_protected(model, field):
    assert model._meta.get_field(field).remote_field.on_delete is models.PROTECT


@pytest.mark.django_db
def test_a_person_with_preferences_is_refused_and_keeps_them():
    person = PersonFactory()
    PersonPreferencesFactory(person=person, data={"theme": "dark"})
    trail = Trail()

    with pytest.raises(ConflictError, match=r"\(1 person preferences\)"):
        people_services.person_delete(actor=None, person=person)
    with pytest.raises(models.ProtectedError):
        person.delete()
    assert PersonPreferences.objects.filter(person=person).exists()
    assert trail.audit() == []


@pytest.mark.django_db
def test_a_section_someone_teaches_is_protected_by_the_orm():
    assignment = TeachingAssignmentFactory(section=SectionFactory())
    with pytest.raises(models.ProtectedError):
        assignment.section.delete()


@pytest.mark.django_db
def test_a_commented_post_is_protected_by_the_orm():
    comment = CommentFactory()
    with pytest.raises(models.ProtectedError):
        comment.post.delete()


@pytest.mark.django_db
def test_a_deleted_book_leaves_its_credits_in_the_audit_entry():
    book = BookFactory()
    author = AuthorFactory()
    catalogue.book_update(actor=None, book=book, authors=[author])
    pk = book.pk

    catalogue.book_delete(actor=None, book=book)

    entry = AuditEntry.objects.get(entity="book", entity_id=pk, action="delete")
    assert entry.before is not None and entry.before["authors"] == [author.pk]


@pytest.mark.django_db
def test_a_deleted_role_leaves_its_grants_in_the_audit_entry_and_outbox():
    from delegation.models import Permission

    permission = Permission.objects.create(codename="x.do", description="")
    parent = delegation_services.role_create(actor=None, code="base", name="Base")
    role = delegation_services.role_create(
        actor=None, code="r", name="R", permissions=[permission], inherits=[parent]
    )
    pk = role.pk
    trail = Trail()

    delegation_services.role_delete(actor=None, role=role)

    entry = AuditEntry.objects.get(entity="role", entity_id=pk, action="delete")
    assert entry.before is not None
    assert (entry.before["permissions"], entry.before["inherits"]) == (["x.do"], ["base"])
    kinds = [kind for kind, _ in trail.outbox()]
    assert kinds.count("role.delete") == 1 and len(kinds) == 3  # two grant edges and the role
