"""The directory explorer page."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from devtools.testing import count_queries
from school.tests.factories import make_school

pytestmark = pytest.mark.django_db
URL = reverse("school:index")


def test_the_explorer_needs_a_login() -> None:
    assert Client().get(URL).status_code == 302


def test_the_explorer_shows_each_part_and_its_store(staff_user: User) -> None:
    school = make_school(people=3)
    client = Client()
    client.force_login(staff_user)

    response = client.get(URL, {"expand": ["unit", "courses", "manager_chain"], "cache": "on"})

    content = response.content.decode()
    assert response.status_code == 200
    assert "<code>courses</code> from <strong>db</strong>" in content
    assert school["head"].name in content  # the students' manager chain
    assert school["sections"][0].course.code in content


def test_unknown_expansions_are_reported_not_raised(staff_user: User) -> None:
    client = Client()
    client.force_login(staff_user)
    response = client.get(URL, {"expand": "shoe_size"})
    assert response.status_code == 200
    assert "Unknown expand: shoe_size" in response.content.decode()


def test_the_page_searches_and_filters_people(staff_user: User) -> None:
    school = make_school(people=3)
    client = Client()
    client.force_login(staff_user)
    student = school["students"][0]

    named = client.get(URL, {"q": f"{student.given_name} {student.family_name}"})
    assert [row["id"] for row in named.context["answer"].rows] == [student.pk]
    teachers = client.get(URL, {"kind": "teacher"}).context["answer"].rows
    assert teachers and {row["kind"] for row in teachers} == {"teacher"}
    both = client.get(URL, {"q": student.family_name, "kind": "teacher"})
    assert student.pk not in [row["id"] for row in both.context["answer"].rows]
    assert 'value="teacher" selected' in both.content.decode()


def test_a_bad_kind_is_reported_not_raised(staff_user: User) -> None:
    client = Client()
    client.force_login(staff_user)
    response = client.get(URL, {"kind": "wizard"})
    assert response.status_code == 200
    assert "kind: Select a valid choice" in response.content.decode()


def test_search_costs_the_same_queries_for_few_and_many_matches(staff_user: User) -> None:
    school = make_school(people=12)
    client = Client()
    client.force_login(staff_user)
    one = school["students"][0]
    params = {"expand": ["unit", "courses"], "cache": "off"}
    many, _ = count_queries(client, URL, kind="student", **params)
    few, _ = count_queries(client, URL, q=f"{one.given_name} {one.family_name}", **params)
    assert few == many


def test_page_links_keep_the_search(staff_user: User) -> None:
    make_school(people=25)
    client = Client()
    client.force_login(staff_user)
    html = client.get(URL, {"kind": "student"}).content.decode()
    link = html.split(">next</a>")[0].rsplit("<a", 1)[1]
    assert "kind=student" in link and "page=2" in link


def test_the_suggestions_source_answers_a_signed_in_page(staff_user: User) -> None:
    """The search box's suggestions come from the directory API, with the page's session."""
    school = make_school(people=2)
    client = Client()
    client.force_login(staff_user)
    html = client.get(URL).content.decode()
    source = html.split('data-people-source="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    student = school["students"][0]
    answer = client.get(source + f"&q={student.given_name} {student.family_name}").json()
    assert [row["name"] for row in answer["results"]] == [student.name]


def test_a_member_is_told_why_other_peoples_emails_are_missing(member_user: User) -> None:
    school = make_school(people=3)
    other = school["students"][0]
    client = Client()
    client.force_login(member_user)

    response = client.get(URL)

    content = response.content.decode()
    assert response.context["answer"].meta["hidden"] == ["email"]
    assert other.email not in content
    note = content.split('id="hidden-note">', 1)[1].split("</p>", 1)[0]
    assert "Not shown to you: email" in note and "meta.hidden" in note
    assert '<td class="withheld">not shown</td>' in content
    roles = client.get(URL, {"expand": "roles"})  # a private part: not shown, not "unavailable"
    assert roles.context["answer"].meta["hidden"] == ["email", "roles"]
    assert "Not shown to you: email, roles" in roles.content.decode()
    assert "unavailable" not in roles.content.decode()


def test_staff_see_every_email_and_no_note(staff_user: User) -> None:
    school = make_school(people=3)
    client = Client()
    client.force_login(staff_user)
    content = client.get(URL).content.decode()
    assert school["students"][0].email in content
    assert 'id="hidden-note"' not in content
