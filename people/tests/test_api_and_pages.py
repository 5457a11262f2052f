"""The people API and org-chart pages: answers, logins, constant queries at two page sizes."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from devtools.testing import assert_constant_queries_for_page_sizes
from people import services
from people.tests.factories import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(client: Client) -> Client:
    client.force_login(UserFactory())
    return client


@pytest.fixture
def chart() -> dict:
    top = services.org_unit_create(actor=None, code="top", name="Top")
    units = [
        services.org_unit_create(actor=None, code=f"u{n}", name=f"Unit {n}", parent=top)
        for n in range(12)
    ]
    boss = PersonFactory(org_unit=top, given_name="Bo", family_name="Ss")
    people = [PersonFactory(org_unit=units[0]) for _ in range(12)]
    for person in people:
        services.reporting_line_create(actor=None, person=person, manager=boss)
    return {"top": top, "units": units, "boss": boss, "people": people}


def test_units_list_parents_and_head_counts(member: Client, chart: dict) -> None:
    body = member.get(reverse("people-api:units"), {"page_size": 100}).json()
    by_code = {row["code"]: row for row in body["results"]}
    assert by_code["u0"] == {
        "id": chart["units"][0].pk,
        "code": "u0",
        "name": "Unit 0",
        "parent": "top",
        "head_count": 12,
    }
    assert by_code["top"]["parent"] is None and by_code["top"]["head_count"] == 1


def test_unit_members_and_unknown_unit(member: Client, chart: dict) -> None:
    url = reverse("people-api:unit-people", args=["u0"])
    names = {row["name"] for row in member.get(url, {"page_size": 100}).json()["results"]}
    assert names == {person.name for person in chart["people"]}
    missing = member.get(reverse("people-api:unit-people", args=["nowhere"]))
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_people_api_needs_a_login(client: Client, chart: dict) -> None:
    assert client.get(reverse("people-api:units")).status_code in (401, 403)


@pytest.mark.parametrize(
    ("name", "args"), [("people-api:units", []), ("people-api:unit-people", ["u0"])]
)
def test_lists_cost_constant_queries(member: Client, chart: dict, name: str, args: list) -> None:
    assert_constant_queries_for_page_sizes(member, reverse(name, args=args), sizes=(2, 10))


def test_unit_tree_page_nests_children_under_parents(member: Client, chart: dict) -> None:
    page = member.get(reverse("people:units")).content.decode()
    assert page.index("Top") < page.index("Unit 0") < page.index("Unit 11")


def test_unit_page_shows_each_member_with_their_manager(member: Client, chart: dict) -> None:
    page = member.get(reverse("people:unit", args=["u0"])).content.decode()
    assert page.count("Bo Ss") == 12
    assert member.get(reverse("people:unit", args=["nowhere"])).status_code == 404


def test_pages_need_a_login(client: Client, chart: dict) -> None:
    response = client.get(reverse("people:units"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_unit_tree_page_draws_the_chart(member: Client, chart: dict) -> None:
    html = member.get(reverse("people:units")).content.decode()
    picture = html.split("The chart as a picture", 1)[1]
    assert "<svg" in picture or "digraph org" in picture
    assert "Unit 11" in picture and "12 people" in picture
