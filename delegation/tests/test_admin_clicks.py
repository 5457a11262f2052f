"""Admin clicks, as a superuser: add, change, delete and "Delete selected" on every delegation
admin that writes, each followed by its audit entries and outbox events. Delegations are never
deleted (revoked instead); refused deletes delete nothing."""

from __future__ import annotations

import pytest
from django.test import Client

from delegation import services
from delegation.models import Delegation, Permission, Role, RoleAssignment
from delegation.tests.scenario import T0, School, lend
from devtools.testing import Trail, admin_bulk_delete, admin_url
from people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_permission_add_change_delete_and_bulk_delete(admin_client: Client):
    trail = Trail()
    admin_client.post(admin_url(Permission, "add"), {"codename": "x.one", "description": ""})
    admin_client.post(admin_url(Permission, "add"), {"codename": "x.two", "description": ""})
    one, two = Permission.objects.order_by("codename")
    admin_client.post(admin_url(Permission, "change", one.pk), {"description": "First"})
    admin_client.post(admin_url(Permission, "delete", one.pk), {"post": "yes"})
    assert admin_bulk_delete(admin_client, Permission, two).status_code == 302

    assert not Permission.objects.exists()
    assert trail.audit() == [
        ("create", "permission", one.pk),
        ("create", "permission", two.pk),
        ("update", "permission", one.pk),
        ("delete", "permission", one.pk),
        ("delete", "permission", two.pk),
    ]
    assert trail.outbox()[-2:] == [("permission.delete", one.pk), ("permission.delete", two.pk)]


def test_a_granted_permission_cannot_be_deleted(admin_client: Client, school: School):
    trail = Trail()
    response = admin_bulk_delete(admin_client, Permission, school.publish)

    assert response.status_code == 200
    assert any("(1 role permission)" in str(item) for item in response.context["protected"])
    assert Permission.objects.filter(pk=school.publish.pk).exists()
    assert (trail.audit(), trail.outbox()) == ([], [])


def test_role_add_change_and_bulk_delete(admin_client: Client, school: School):
    trail = Trail()
    body = {"code": "clerk", "name": "Clerk", "description": "", "grants": [school.publish.pk]}
    assert admin_client.post(admin_url(Role, "add"), body).status_code == 302
    clerk = Role.objects.get(code="clerk")
    admin_client.post(admin_url(Role, "change", clerk.pk), {**body, "name": "Desk clerk"})
    grant = clerk.grants.get()

    assert admin_bulk_delete(admin_client, Role, clerk).status_code == 302

    assert not Role.objects.filter(pk=clerk.pk).exists()
    assert trail.audit() == [(a, "role", clerk.pk) for a in ("create", "update", "delete")]
    assert trail.outbox()[-2:] == [("role_permission.delete", grant.pk), ("role.delete", clerk.pk)]


def test_an_assigned_role_cannot_be_bulk_deleted(admin_client: Client, school: School):
    trail = Trail()
    response = admin_bulk_delete(admin_client, Role, school.head_librarian)

    assert response.status_code == 200 and response.context["protected"]
    assert Role.objects.filter(pk=school.head_librarian.pk).exists()
    assert (trail.audit(), trail.outbox()) == ([], [])


def test_assignment_add_change_delete_and_bulk_delete(admin_client: Client, school: School):
    person = PersonFactory()
    trail = Trail()
    add = {"person": person.pk, "role": school.editor.pk, "valid_from_0": "2026-01-01"}
    assert (
        admin_client.post(
            admin_url(RoleAssignment, "add"), {**add, "valid_from_1": "09:00"}
        ).status_code
        == 302
    )
    first = RoleAssignment.objects.get(person=person)
    change = {"valid_to_0": "2026-02-01", "valid_to_1": "09:00"}
    assert (
        admin_client.post(admin_url(RoleAssignment, "change", first.pk), change).status_code == 302
    )
    second = services.assignment_create(actor=None, person=person, role=school.librarian)
    admin_client.post(admin_url(RoleAssignment, "delete", first.pk), {"post": "yes"})
    assert admin_bulk_delete(admin_client, RoleAssignment, second).status_code == 302

    assert not RoleAssignment.objects.filter(person=person).exists()
    assert trail.audit() == [
        ("create", "roleassignment", first.pk),
        ("update", "roleassignment", first.pk),
        ("create", "roleassignment", second.pk),
        ("delete", "roleassignment", first.pk),
        ("delete", "roleassignment", second.pk),
    ]
    assert trail.outbox()[-2:] == [
        ("assignment.delete", first.pk),
        ("assignment.delete", second.pk),
    ]


def test_delegation_change_and_revoke_are_audited_and_there_is_no_delete(
    admin_client: Client, school: School
):
    link = lend(school.alice, school.bob, permission=school.circulate, start=T0)
    trail = Trail()
    change = {"expires_at_0": "2026-03-01", "expires_at_1": "09:00", "weight": 2}
    response = admin_client.post(
        admin_url(Delegation, "change", link.pk), {**change, "max_redelegations": 0, "reason": "x"}
    )
    assert response.status_code == 302
    admin_client.post(
        admin_url(Delegation, "changelist"), {"action": "revoke_now", "_selected_action": [link.pk]}
    )

    assert trail.audit() == [("update", "delegation", link.pk), ("revoke", "delegation", link.pk)]
    assert trail.outbox() == [("delegation.upsert", link.pk)] * 2
    assert (
        admin_client.post(admin_url(Delegation, "delete", link.pk), {"post": "yes"}).status_code
        == 403
    )
    changelist = admin_client.get(admin_url(Delegation, "changelist"))
    assert "delete_selected" not in dict(changelist.context["action_form"].fields["action"].choices)
    assert Delegation.objects.filter(pk=link.pk).exists()
