"""Every table of the lab and explorer pages has as many cells in each row as in its header.

A row wider than its header showed values under no heading (the delegation check's proof gave a
delegation edge four unlabelled cells); the pages are rendered with real data and parsed.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from delegation.tests.scenario import DAY, T0, School, build_school, lend
from devtools.html_tables import misshapen, tables
from library.tests.factories import BookAuthorFactory
from people import services as people_services
from people.tests.factories import OrgUnitFactory
from school.tests.factories import make_school

pytestmark = pytest.mark.django_db
AT = (T0 + DAY).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def staff(client: Client, staff_user: User) -> Client:
    client.force_login(staff_user)
    return client


@pytest.fixture
def chart() -> School:
    school = build_school()
    OrgUnitFactory()
    lend(school.alice, school.bob, permission=school.circulate, hops=1)
    people_services.reporting_line_create(
        actor=None, person=school.bob, manager=school.alice, valid_from=T0
    )
    return school


def _explorer_pages(school: School) -> list[dict[str, object]]:
    bob, alice = school.bob.pk, school.alice.pk
    return [
        {"question": "check", "person": bob, "permission": "library.circulate"},
        {"question": "who_can", "permission": "library.circulate"},
        {"question": "what_can", "person": bob},
        {"question": "paths", "person": alice, "other": bob},
        {"question": "org", "person": bob},
        {"question": "units"},
        {"question": "common", "person": bob, "other": alice},
    ]


def _assert_tables_square(client: Client, url: str, params: dict | None = None) -> None:
    response = client.get(url, params or {})
    assert response.status_code == 200, url
    html = response.content.decode()
    assert tables(html), f"{url} {params}: no table to check"
    assert misshapen(html) == [], f"{url} {params}"


def test_the_explorer_tables_match_their_headers(staff: Client, chart: School) -> None:
    for params in _explorer_pages(chart):
        _assert_tables_square(staff, reverse("delegation:index"), {**params, "at": AT})


def test_the_lab_and_directory_tables_match_their_headers(staff: Client) -> None:
    BookAuthorFactory.create_batch(3)
    make_school(people=3)
    _assert_tables_square(staff, reverse("library:lab"), {"limit": 3})
    _assert_tables_square(staff, reverse("blog:schema-lab"))
    expand = ["unit", "manager_chain", "reports", "roles", "permissions", "courses", "teaching"]
    _assert_tables_square(staff, reverse("school:index"), {"expand": expand})
    _assert_tables_square(staff, reverse("people:units"))


def test_a_row_wider_than_its_header_is_reported() -> None:
    html = "<table><tr><th>a</th><th>b</th></tr><tr><td>1</td><td>2</td><td>3</td></tr></table>"
    assert misshapen(html) == ["table 0: row 1 has 3 cells, header 2"]
    spanned = '<table><tr><th>a</th><th>b</th></tr><tr><td colspan="2">-</td></tr></table>'
    assert misshapen(spanned) == []
