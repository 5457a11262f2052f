"""Write rules, the audit log, the outbox and the org_changed announcements."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError

from common.events import org_changed
from common.exceptions import ConflictError, ServiceError
from common.models import AuditEntry, OutboxEvent
from delegation import services
from delegation.graph.base import MAX_CHAIN
from delegation.models import Delegation, RoleAssignment
from delegation.tests.scenario import DAY, T0, School, lend


@pytest.fixture
def announced() -> Iterator[list[dict]]:
    """Every org_changed sent during the test, as received."""
    received: list[dict] = []

    def receiver(sender: object, **kwargs: object) -> None:
        received.append(kwargs)

    org_changed.connect(receiver, dispatch_uid="test-announced")
    yield received
    org_changed.disconnect(dispatch_uid="test-announced")


def error_of(excinfo: pytest.ExceptionInfo) -> tuple[str | None, str]:
    return excinfo.value.field, excinfo.value.code


# --- rules ------------------------------------------------------------------------------------
def test_self_delegation_is_refused(school: School):
    with pytest.raises(ServiceError) as excinfo:
        lend(school.alice, school.alice, permission=school.circulate)
    assert error_of(excinfo) == ("delegatee", "self")


def test_escalation_is_refused(school: School):
    with pytest.raises(ServiceError) as excinfo:
        lend(school.bob, school.carol, permission=school.circulate)
    assert error_of(excinfo) == ("permission", "escalation")
    assert not Delegation.objects.exists()


def test_lending_a_role_needs_the_role_not_just_its_permissions(school: School):
    lend(school.alice, school.bob, permission=school.circulate, hops=1)
    lend(school.alice, school.bob, permission=school.catalogue, hops=1)

    with pytest.raises(ServiceError) as excinfo:
        lend(school.bob, school.carol, role=school.librarian)
    assert error_of(excinfo) == ("role", "escalation")


def test_passing_on_needs_a_redelegation_left(school: School):
    lend(school.alice, school.bob, permission=school.circulate, hops=0)

    with pytest.raises(ServiceError) as excinfo:
        lend(school.bob, school.carol, permission=school.circulate)
    assert error_of(excinfo) == ("permission", "escalation")


def test_delegator_must_hold_it_when_the_delegation_starts(school: School):
    lend(school.alice, school.bob, permission=school.circulate, hops=1, days=5)

    with pytest.raises(ServiceError):
        lend(school.bob, school.carol, permission=school.circulate, start=T0 + 6 * DAY)


def test_expiry_must_follow_start(school: School):
    with pytest.raises(ServiceError) as excinfo:
        services.delegation_create(
            actor=None,
            delegator=school.alice,
            delegatee=school.bob,
            permission=school.circulate,
            valid_from=T0,
            expires_at=T0,
        )
    assert error_of(excinfo) == ("expires_at", "window")


def test_exactly_one_grant(school: School):
    with pytest.raises(ServiceError) as excinfo:
        services.delegation_create(actor=None, delegator=school.alice, delegatee=school.bob)
    assert error_of(excinfo) == ("permission", "grant")


def test_redelegation_limit_is_bounded(school: School):
    with pytest.raises(ServiceError) as excinfo:
        lend(school.alice, school.bob, permission=school.circulate, hops=MAX_CHAIN)
    assert error_of(excinfo) == ("max_redelegations", "too_deep")


def test_role_inheritance_cycle_is_refused(school: School):
    with pytest.raises(ServiceError) as excinfo:
        services.role_update(actor=None, role=school.librarian, inherits=[school.head_librarian])
    assert error_of(excinfo) == ("inherits", "cycle")
    assert list(school.librarian.inherits.all()) == []


def test_duplicate_role_code_is_a_validation_error(school: School):
    with pytest.raises(ValidationError):
        services.role_create(actor=None, code="librarian", name="Again")


def test_revoking_twice_conflicts(school: School):
    link = lend(school.alice, school.bob, permission=school.circulate)
    services.delegation_revoke(actor=None, delegation=link, at=T0 + DAY)

    with pytest.raises(ConflictError):
        services.delegation_revoke(actor=None, delegation=link)


def test_assigned_role_cannot_be_deleted(school: School):
    with pytest.raises(ConflictError):
        services.role_delete(actor=None, role=school.head_librarian)


# --- audit log ------------------------------------------------------------------------------
def test_every_change_is_audited_with_before_and_after(school: School, staff_user: User):
    link = services.delegation_create(
        delegator=school.alice,
        delegatee=school.bob,
        permission=school.circulate,
        valid_from=T0,
        reason="holiday cover",
        actor=staff_user,
    )
    services.delegation_revoke(delegation=link, at=T0 + DAY, actor=staff_user)

    created, revoked = AuditEntry.objects.filter(entity="delegation").order_by("id")
    assert (created.action, created.actor, created.before) == ("create", staff_user, None)
    assert created.after is not None and created.after["reason"] == "holiday cover"
    assert revoked.action == "revoke"
    assert revoked.before is not None and revoked.before["revoked_at"] is None
    assert revoked.after is not None and revoked.after["revoked_at"].startswith("2026-01-02")


def test_role_audit_names_its_grants(school: School):
    services.role_update(
        actor=None, role=school.editor, permissions=[school.publish, school.catalogue]
    )

    entry = AuditEntry.objects.filter(entity="role", action="update").get()
    assert entry.before is not None and entry.before["permissions"] == ["blog.publish"]
    assert entry.after is not None
    assert entry.after["permissions"] == ["blog.publish", "library.catalogue"]


def test_audit_entries_are_append_only(school: School):
    entry = AuditEntry.objects.first()
    assert entry is not None
    entry.action = "delete"
    with pytest.raises(ValueError):
        entry.save()
    with pytest.raises(ValueError):
        entry.delete()


def test_refused_write_leaves_no_audit_nor_outbox(school: School):
    audits, events = AuditEntry.objects.count(), OutboxEvent.objects.count()
    with pytest.raises(ServiceError):
        services.role_update(
            actor=None, role=school.librarian, name="X", inherits=[school.head_librarian]
        )

    assert (AuditEntry.objects.count(), OutboxEvent.objects.count()) == (audits, events)
    school.librarian.refresh_from_db()
    assert school.librarian.name == "Librarian"


# --- outbox ---------------------------------------------------------------------------------
def test_writes_make_the_right_outbox_events(school: School):
    OutboxEvent.objects.all().delete()
    link = lend(school.alice, school.bob, permission=school.circulate)
    services.delegation_revoke(actor=None, delegation=link, at=T0 + DAY)
    services.role_update(actor=None, role=school.editor, permissions=[school.catalogue])

    events = [(event.kind, event.payload["id"]) for event in OutboxEvent.objects.all()]
    grant = school.editor.grants.get()
    assert events[:3] == [
        ("delegation.upsert", link.pk),
        ("delegation.upsert", link.pk),
        ("role.upsert", school.editor.pk),
    ]
    assert ("role_permission.upsert", grant.pk) in events
    assert [kind for kind, _ in events].count("role_permission.delete") == 1
    last_upsert = OutboxEvent.objects.filter(kind="delegation.upsert").last()
    assert last_upsert is not None
    revoked = last_upsert.payload
    assert revoked["revoked_at"] is not None and revoked["delegatee_id"] == school.bob.pk


# --- org_changed ----------------------------------------------------------------------------
def test_delegation_announces_its_delegatee_and_downstream_after_commit(
    school: School, announced: list[dict], django_capture_on_commit_callbacks
):
    lend(school.alice, school.bob, permission=school.circulate, hops=1)
    lend(school.bob, school.carol, permission=school.circulate)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.delegation_revoke(
            actor=None, delegation=Delegation.objects.get(delegatee=school.bob)
        )
    assert announced == []

    for callback in callbacks:
        callback()
    assert announced == [
        {
            "signal": org_changed,
            "person_ids": {school.bob.pk, school.carol.pk},
            "facts": {"roles", "permissions"},
        }
    ]


def test_assignment_announces_its_person(
    school: School, announced: list[dict], django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.assignment_create(actor=None, person=school.dan, role=school.editor)

    assert announced[-1]["person_ids"] == {school.dan.pk}
    assert RoleAssignment.objects.filter(person=school.dan).exists()


def test_role_change_announces_its_holders(
    school: School, announced: list[dict], django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.role_update(actor=None, role=school.librarian, permissions=[school.circulate])

    assert announced[-1]["person_ids"] == {school.alice.pk}


def test_a_delegation_that_cannot_be_passed_on_announces_only_its_delegatee(
    school: School, announced: list[dict], django_capture_on_commit_callbacks
):
    final = lend(school.alice, school.bob, permission=school.circulate, hops=0)
    lend(school.alice, school.bob, permission=school.catalogue, hops=1)
    lend(school.bob, school.carol, permission=school.catalogue)
    with django_capture_on_commit_callbacks(execute=True):
        services.delegation_revoke(actor=None, delegation=final)

    assert announced[-1]["person_ids"] == {school.bob.pk}
