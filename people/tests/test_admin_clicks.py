"""Admin clicks, as a superuser: add, change, delete and "Delete selected" on every org-chart
admin, each followed by its audit entries and outbox events; refused deletes delete nothing."""

from __future__ import annotations

import pytest
from django.test import Client

from devtools.testing import Trail, admin_bulk_delete, admin_url
from people import services
from people.models import OrgUnit, Person, ReportingLine
from people.tests.factories import OrgUnitFactory, PersonFactory

pytestmark = pytest.mark.django_db


def test_unit_add_change_delete(admin_client: Client):
    trail = Trail()
    response = admin_client.post(admin_url(OrgUnit, "add"), {"name": "Science", "code": "science"})
    assert response.status_code == 302
    unit = OrgUnit.objects.get(code="science")
    admin_client.post(
        admin_url(OrgUnit, "change", unit.pk), {"name": "Sciences", "code": "science"}
    )
    admin_client.post(admin_url(OrgUnit, "delete", unit.pk), {"post": "yes"})

    assert not OrgUnit.objects.filter(pk=unit.pk).exists()
    assert trail.audit() == [(a, "orgunit", unit.pk) for a in ("create", "update", "delete")]
    assert trail.outbox() == [
        ("unit.upsert", unit.pk),
        ("unit.upsert", unit.pk),
        ("unit.delete", unit.pk),
    ]


def test_person_add_change_and_bulk_delete(admin_client: Client):
    trail = Trail()
    body = {"given_name": "Ada", "family_name": "L", "email": "ada@x.test", "kind": "staff"}
    assert admin_client.post(admin_url(Person, "add"), {**body, "active": "on"}).status_code == 302
    ada = Person.objects.get(email="ada@x.test")
    admin_client.post(
        admin_url(Person, "change", ada.pk), {**body, "title": "Dean", "active": "on"}
    )
    other = PersonFactory()

    assert admin_bulk_delete(admin_client, Person, ada, other).status_code == 302

    assert not Person.objects.filter(pk__in=[ada.pk, other.pk]).exists()
    audit, outbox = trail.audit(), trail.outbox()
    assert audit[:2] == [("create", "person", ada.pk), ("update", "person", ada.pk)]
    assert sorted(audit[2:]) == sorted([("delete", "person", pk) for pk in (ada.pk, other.pk)])
    assert outbox[:2] == [("person.upsert", ada.pk), ("person.upsert", ada.pk)]
    assert sorted(outbox[2:]) == sorted([("person.delete", pk) for pk in (ada.pk, other.pk)])


def test_reporting_line_add_end_and_delete(admin_client: Client):
    person, manager = PersonFactory(), PersonFactory()
    trail = Trail()
    response = admin_client.post(
        admin_url(ReportingLine, "add"),
        {
            "person": person.pk,
            "manager": manager.pk,
            "valid_from_0": "2026-01-01",
            "valid_from_1": "09:00:00",
        },
    )
    assert response.status_code == 302
    line = ReportingLine.objects.get(person=person)
    admin_client.post(
        admin_url(ReportingLine, "change", line.pk),
        {"valid_to_0": "2026-02-01", "valid_to_1": "09:00"},
    )
    line.refresh_from_db()
    assert line.valid_to is not None
    assert admin_bulk_delete(admin_client, ReportingLine, line).status_code == 302

    assert trail.audit() == [(a, "reportingline", line.pk) for a in ("create", "update", "delete")]
    assert [kind for kind, _ in trail.outbox()] == [
        "reporting_line.upsert",
        "reporting_line.upsert",
        "reporting_line.delete",
    ]


def test_a_person_with_history_cannot_be_deleted_and_the_page_says_why(admin_client: Client):
    person = PersonFactory()
    services.reporting_line_create(actor=None, person=person, manager=PersonFactory())
    trail = Trail()

    page = admin_client.post(admin_url(Person, "delete", person.pk), {"post": "yes"})
    bulk = admin_bulk_delete(admin_client, Person, person)

    assert Person.objects.filter(pk=person.pk).exists()
    for response in (page, bulk):
        assert response.status_code == 200
        assert any("(1 reporting line)" in str(item) for item in response.context["protected"])
    assert (trail.audit(), trail.outbox()) == ([], [])


def test_a_unit_with_people_cannot_be_bulk_deleted(admin_client: Client):
    unit, empty = OrgUnitFactory(), OrgUnitFactory()
    PersonFactory(org_unit=unit)
    trail = Trail()

    response = admin_bulk_delete(admin_client, OrgUnit, unit, empty)

    assert response.status_code == 200
    assert OrgUnit.objects.filter(pk__in=[unit.pk, empty.pk]).count() == 2
    assert (trail.audit(), trail.outbox()) == ([], [])
