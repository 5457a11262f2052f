"""The directory's org-chart parts are bounded: `reports` holds direct reports only,
the first REPORTS_SHOWN by name with the count of all and a cursor link to the rest;
`manager_chain` the nearest CHAIN_DEPTH managers with a link to the whole chain. The rest of
the reports are `people/{id}/reports/`, private like the part."""

from __future__ import annotations

import json
from itertools import pairwise
from typing import Any

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from devtools.testing import assert_constant_queries_for_page_sizes
from people.models import Person
from school.directory import CHAIN_DEPTH, REPORTS_SHOWN
from school.tests.factories import OrgUnitFactory, PersonFactory, ReportingLineFactory
from school.tests.test_directory_access import client_of

pytestmark = pytest.mark.django_db


def person_url(pk: int) -> str:
    return reverse("school-api:person", args=[pk])


def reports_url(pk: int) -> str:
    return reverse("school-api:person-reports", args=[pk])


@pytest.fixture
def manager() -> Person:
    """A head with REPORTS_SHOWN + 3 direct reports, the first of whom has two of their own."""
    unit = OrgUnitFactory(code="maths")
    head = PersonFactory(org_unit=unit, family_name="Head")
    reports = [
        PersonFactory(org_unit=unit, family_name=f"R{number:02d}")
        for number in range(REPORTS_SHOWN + 3)
    ]
    for person in reports:
        ReportingLineFactory(person=person, manager=head)
    for _ in range(2):
        ReportingLineFactory(person=PersonFactory(org_unit=unit), manager=reports[0])
    return head


def test_reports_are_direct_bounded_and_counted(staff_client: APIClient, manager: Person) -> None:
    body = staff_client.get(person_url(manager.pk), {"expand": "reports"}).json()

    reports = body["reports"]
    assert reports["count"] == REPORTS_SHOWN + 3
    assert [r["name"].split()[-1] for r in reports["items"]] == [
        f"R{number:02d}" for number in range(REPORTS_SHOWN)
    ]
    rest = staff_client.get(reports["next"]).json()
    assert [r["name"].split()[-1] for r in rest["results"]] == [
        f"R{number:02d}" for number in range(REPORTS_SHOWN, REPORTS_SHOWN + 3)
    ]
    assert rest["next"] is None


def test_the_reports_route_goes_deeper_with_each_reports_own_count(
    staff_client: APIClient, manager: Person
) -> None:
    first = staff_client.get(reports_url(manager.pk), {"page_size": 2}).json()
    top = first["results"][0]
    assert (top["reports_count"], first["results"][1]["reports_count"]) == (2, 0)
    below = staff_client.get(reports_url(top["id"])).json()
    assert len(below["results"]) == 2 and below["next"] is None


def test_the_reports_route_costs_the_same_at_two_page_sizes(
    staff_client: APIClient, manager: Person
) -> None:
    assert_constant_queries_for_page_sizes(staff_client, reports_url(manager.pk))


def test_a_unit_s_people_cost_the_same_at_two_page_sizes(
    staff_client: APIClient, manager: Person
) -> None:
    url = reverse("people-api:unit-people", args=["maths"])
    assert_constant_queries_for_page_sizes(staff_client, url)


def test_reports_are_private_on_the_route_as_in_the_part(manager: Person) -> None:
    stranger = client_of(PersonFactory(), "stranger")
    response = stranger.get(reports_url(manager.pk))
    assert response.status_code == 403
    assert "reports" in response.json()["error"]["fields"]
    assert "reports" not in stranger.get(person_url(manager.pk), {"expand": "reports"}).json()
    own = client_of(manager, "head").get(reports_url(manager.pk))
    assert own.status_code == 200


def test_a_missing_person_s_reports_are_a_404(staff_client: APIClient) -> None:
    assert staff_client.get(reports_url(987654)).status_code == 404


def test_the_manager_chain_stops_at_its_depth_and_links_to_the_rest(
    staff_client: APIClient,
) -> None:
    chain = [PersonFactory() for _ in range(CHAIN_DEPTH + 2)]
    for person, above in pairwise(chain):
        ReportingLineFactory(person=person, manager=above)

    part = staff_client.get(person_url(chain[0].pk), {"expand": "manager_chain"}).json()
    manager_chain = part["manager_chain"]

    assert manager_chain["count"] == CHAIN_DEPTH + 1
    assert [m["id"] for m in manager_chain["items"]] == [p.pk for p in chain[1 : CHAIN_DEPTH + 1]]
    assert manager_chain["next"] == (
        f"{reverse('delegation-api:manager-chain')}?person={chain[0].pk}"
    )


def test_a_page_with_every_part_stays_small_however_many_report_to_one(
    staff_client: APIClient,
) -> None:
    """Unbounded, the principal's entry listed all 12,027 people below them."""
    head = PersonFactory(family_name="AAA")
    for _ in range(60):
        ReportingLineFactory(person=PersonFactory(), manager=head)
    every = "unit,manager_chain,permissions,reports,roles,courses,teaching"
    query: dict[str, Any] = {"expand": every, "page_size": 1, "ordering": "id"}
    body = staff_client.get(reverse("school-api:people"), query)
    [row] = body.json()["results"]
    assert row["id"] == head.pk and row["reports"]["count"] == 60
    assert len(row["reports"]["items"]) == REPORTS_SHOWN
    assert len(json.dumps(row)) < 2_000
