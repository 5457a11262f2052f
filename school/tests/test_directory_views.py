"""The directory explorer page."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from school.tests.directory_factories import make_school

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
