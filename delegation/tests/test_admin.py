"""Admin: changelists cost constant queries; saves go through the services (audit, outbox)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from common.models import AuditEntry, OutboxEvent
from delegation import services
from delegation.models import (
    Delegation,
    Permission,
    Role,
    RoleAssignment,
)
from delegation.tests.scenario import T0, School, lend
from devtools.testing import assert_constant_admin_changelist
from people import services as people_services
from people.models import OrgUnit, Person, ReportingLine
from people.tests.factories import PersonFactory


@pytest.fixture
def many(school: School) -> School:
    """Ten or more rows in every table the admin lists."""
    people = [PersonFactory() for _ in range(10)]
    for number, person in enumerate(people):
        services.role_create(
            actor=None, code=f"r{number}", name=f"R{number}", permissions=[school.publish]
        )
        services.permission_create(actor=None, codename=f"extra.p{number}")
        services.assignment_create(actor=None, person=person, role=school.editor)
        lend(school.alice, person, permission=school.circulate)
        people_services.org_unit_create(actor=None, code=f"u{number}", name=f"U{number}")
        people_services.reporting_line_create(actor=None, person=person, manager=school.alice)
    return school


@pytest.mark.parametrize(
    "model",
    [
        Permission,
        Role,
        RoleAssignment,
        Delegation,
        AuditEntry,
        OutboxEvent,
        Person,
        OrgUnit,
        ReportingLine,
    ],
)
def test_changelists_cost_constant_queries(admin_client: Client, many: School, model):
    assert_constant_admin_changelist(admin_client, model)


def test_admin_delegation_add_shows_escalation_in_the_form(admin_client: Client, school: School):
    url = reverse("admin:delegation_delegation_add")
    response = admin_client.post(
        url,
        {
            "delegator": school.bob.pk,
            "delegatee": school.carol.pk,
            "permission": school.circulate.pk,
            "valid_from_0": "2026-01-01",
            "valid_from_1": "09:00:00",
            "weight": 1,
            "max_redelegations": 0,
        },
    )
    assert response.status_code == 200
    assert "does not hold" in str(response.context["adminform"].form.errors)
    assert not Delegation.objects.exists()


def test_admin_delegation_add_goes_through_the_service(admin_client: Client, school: School):
    response = admin_client.post(
        reverse("admin:delegation_delegation_add"),
        {
            "delegator": school.alice.pk,
            "delegatee": school.carol.pk,
            "permission": school.circulate.pk,
            "valid_from_0": "2026-01-01",
            "valid_from_1": "09:00:00",
            "weight": 1,
            "max_redelegations": 0,
        },
    )
    assert response.status_code == 302, (
        response.context and response.context["adminform"].form.errors
    )
    delegation = Delegation.objects.get()
    assert AuditEntry.objects.filter(entity="delegation", entity_id=delegation.pk).exists()
    assert OutboxEvent.objects.filter(kind="delegation.upsert").exists()


def test_admin_permission_change_keeps_the_codename_and_is_audited(
    admin_client: Client, school: School
):
    url = reverse("admin:delegation_permission_change", args=[school.circulate.pk])
    body = {"codename": "library.renamed", "description": "Lend and take back books."}
    assert admin_client.post(url, body).status_code == 302

    school.circulate.refresh_from_db()
    assert school.circulate.codename == "library.circulate"  # read-only: code names it
    assert school.circulate.description == "Lend and take back books."
    entry = AuditEntry.objects.get(entity="permission", action=AuditEntry.Action.UPDATE)
    assert entry.after is not None and entry.after["description"] == "Lend and take back books."
    assert OutboxEvent.objects.filter(kind="permission.upsert").exists()


def test_admin_revoke_action(admin_client: Client, school: School):
    link = lend(school.alice, school.bob, permission=school.circulate, start=T0)
    admin_client.post(
        reverse("admin:delegation_delegation_changelist"),
        {"action": "revoke_now", "_selected_action": [link.pk]},
    )
    link.refresh_from_db()
    assert link.revoked_at is not None
    assert AuditEntry.objects.filter(action="revoke", entity_id=link.pk).exists()


def test_admin_role_cycle_is_a_form_error(admin_client: Client, school: School):
    response = admin_client.post(
        reverse("admin:delegation_role_change", args=[school.librarian.pk]),
        {"name": "Librarian", "description": "", "parents": [school.head_librarian.pk]},
    )
    assert response.status_code == 200
    assert "inherit itself" in str(response.context["adminform"].form.errors)


def test_admin_reporting_cycle_is_a_form_error(admin_client: Client, db: None):
    boss, worker = PersonFactory(), PersonFactory()
    people_services.reporting_line_create(actor=None, person=worker, manager=boss, valid_from=T0)
    response = admin_client.post(
        reverse("admin:people_reportingline_add"),
        {
            "person": boss.pk,
            "manager": worker.pk,
            "valid_from_0": "2026-02-01",
            "valid_from_1": "09:00:00",
        },
    )
    assert response.status_code == 200
    assert "cycle" in str(response.context["adminform"].form.errors)
    assert ReportingLine.objects.count() == 1


@pytest.mark.parametrize(
    "model", [Permission, Role, RoleAssignment, Delegation, Person, OrgUnit, ReportingLine]
)
def test_add_and_change_pages_render(admin_client: Client, many: School, model):
    name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    assert admin_client.get(reverse(f"{name}_add")).status_code == 200
    instance = model.objects.order_by("pk").first()
    assert admin_client.get(reverse(f"{name}_change", args=[instance.pk])).status_code == 200


def test_org_admin_writes_go_through_school_services(admin_client: Client, db: None):
    response = admin_client.post(
        reverse("admin:people_orgunit_add"), {"name": "Lab", "code": "lab"}
    )
    assert response.status_code == 302
    unit = OrgUnit.objects.get(code="lab")
    response = admin_client.post(
        reverse("admin:people_person_add"),
        {
            "given_name": "Ada",
            "family_name": "L",
            "email": "ada@campus.test",
            "kind": "staff",
            "org_unit": unit.pk,
            "active": "on",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    kinds = list(OutboxEvent.objects.values_list("kind", flat=True))
    assert kinds == ["unit.upsert", "person.upsert"]
