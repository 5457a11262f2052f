"""The org-chart admin changelists cost the same number of queries at any page size."""

import pytest
from django.contrib.auth.models import User

from devtools.testing import assert_constant_admin_changelist
from people.models import OrgUnit, Person, ReportingLine

pytestmark = pytest.mark.django_db


@pytest.fixture
def org() -> None:
    root = OrgUnit.objects.create(code="root", name="Root")
    units = [OrgUnit.objects.create(code=f"u{i}", name=f"Unit {i}", parent=root) for i in range(12)]
    head = Person.objects.create(
        given_name="H", family_name="Head", email="h@x.test", org_unit=root
    )
    for i, unit in enumerate(units):
        person = Person.objects.create(
            given_name=f"P{i}", family_name="Member", email=f"p{i}@x.test", org_unit=unit
        )
        ReportingLine.objects.create(person=person, manager=head)


@pytest.mark.parametrize("model", [OrgUnit, Person, ReportingLine])
def test_changelist_query_count_is_constant(client, admin_user: User, org: None, model) -> None:
    client.force_login(admin_user)
    assert_constant_admin_changelist(client, model, sizes=(3, 10))


def test_reporting_lines_are_searched_by_either_name_and_filtered(
    client, admin_user: User, org: None
) -> None:
    client.force_login(admin_user)
    url = "/admin/people/reportingline/"
    by_person = client.get(url, {"q": "P3 Member"}).context["cl"].result_list
    assert [line.person.given_name for line in by_person] == ["P3"]
    assert len(client.get(url, {"q": "head"}).context["cl"].result_list) == 12  # as the manager
    ended = Person.objects.get(given_name="P1").reporting_lines.get()
    ReportingLine.objects.filter(pk=ended.pk).update(valid_to=ended.valid_from.replace(year=2100))
    assert [line.pk for line in client.get(url, {"state": "ended"}).context["cl"].result_list] == [
        ended.pk
    ]
    unit = OrgUnit.objects.get(code="u2")
    in_unit = client.get(url, {"person__org_unit__id__exact": unit.pk}).context["cl"].result_list
    assert [line.person.org_unit_id for line in in_unit] == [unit.pk]
