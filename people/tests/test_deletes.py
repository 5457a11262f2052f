"""Deleting from the org chart never takes audited history along: refused while referenced,
audited and projected otherwise; the foreign keys to a person protect its history too."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db.models import ProtectedError

from common.exceptions import ConflictError
from devtools.testing import Trail
from people import services
from people.models import OrgUnit, Person, ReportingLine
from people.tests.factories import T0, PersonFactory

pytestmark = pytest.mark.django_db


def test_a_person_with_a_reporting_line_cannot_be_deleted_even_by_the_orm():
    person = PersonFactory()
    services.reporting_line_create(actor=None, person=person, manager=PersonFactory())
    trail = Trail()

    with pytest.raises(ConflictError, match=r"\(1 reporting line\)"):
        services.person_delete(actor=None, person=person)
    with pytest.raises(ProtectedError):
        person.delete()
    assert trail.audit() == []


def test_a_person_nothing_refers_to_is_deleted_with_audit_and_outbox():
    person = PersonFactory()
    pk = person.pk
    trail = Trail()

    services.person_delete(actor=None, person=person)

    assert not Person.objects.filter(pk=pk).exists()
    assert trail.audit() == [("delete", "person", pk)]
    assert trail.outbox() == [("person.delete", pk)]


def test_a_unit_with_a_sub_unit_cannot_be_deleted():
    parent = services.org_unit_create(actor=None, code="p", name="P")
    services.org_unit_create(actor=None, code="c", name="C", parent=parent)

    with pytest.raises(ConflictError, match=r"\(1 org unit\)"):
        services.org_unit_delete(actor=None, unit=parent)
    assert OrgUnit.objects.filter(pk=parent.pk).exists()


def test_a_reporting_line_deleted_by_mistake_leaves_its_last_state_in_the_audit():
    line = services.reporting_line_create(
        actor=None, person=PersonFactory(), manager=PersonFactory()
    )
    pk = line.pk
    trail = Trail()

    services.reporting_line_delete(actor=None, line=line)

    assert not ReportingLine.objects.filter(pk=pk).exists()
    assert trail.audit() == [("delete", "reportingline", pk)]
    assert trail.outbox() == [("reporting_line.delete", pk)]


def test_a_broken_constraint_reads_as_a_sentence():
    person = PersonFactory()
    line = ReportingLine(person=person, manager=person, valid_from=T0)

    with pytest.raises(ValidationError, match="Nobody reports to themselves"):
        line.full_clean()
