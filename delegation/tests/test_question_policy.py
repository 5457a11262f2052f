"""Who may ask the graph about whom (delegation/policies.py), on the API and the explorer alike,
and who sees the query texts and Server-Timing."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client, override_settings
from rest_framework.test import APIClient

from delegation.tests.factories import grant
from delegation.tests.scenario import School

API = "/api/delegation"
EXPLORER = "/delegation/"


@pytest.fixture
def bob_client(school: School, member_user: User, member_client: APIClient) -> APIClient:
    """The member is Bob."""
    school.bob.user = member_user
    school.bob.save(update_fields=["user"])
    return member_client


def test_questions_about_oneself_are_always_allowed(bob_client: APIClient, school: School):
    check: dict[str, Any] = {"person": school.bob.pk, "permission": "library.circulate"}

    assert bob_client.get(f"{API}/check/", check).status_code == 200
    assert bob_client.get(f"{API}/what-can/", {"person": school.bob.pk}).status_code == 200
    assert bob_client.get(f"{API}/org/units/").status_code == 200


@pytest.mark.parametrize(
    ("route", "params"),
    [
        ("check/", {"person": "alice", "permission": "library.circulate"}),
        ("what-can/", {"person": "alice"}),
        ("who-can/", {"permission": "library.circulate"}),
        ("paths/", {"source": "alice", "target": "bob"}),
        ("org/manager-chain/", {"person": "alice"}),
        ("org/reports/", {"person": "alice"}),
        ("org/common-manager/", {"a": "alice", "b": "bob"}),
    ],
)
def test_questions_about_others_need_delegation_view(
    bob_client: APIClient, school: School, route: str, params: dict
):
    ids = {key: getattr(school, value, value) for key, value in params.items()}
    query = {key: getattr(value, "pk", value) for key, value in ids.items()}

    refused = bob_client.get(f"{API}/{route}", query)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "permission_denied"

    grant(school.bob, "delegation.view")
    assert bob_client.get(f"{API}/{route}", query).status_code == 200


def test_the_explorer_needs_a_login(client: Client, school: School):
    params = {"question": "who_can", "permission": "library.circulate"}

    response = client.get(EXPLORER, params)

    assert response.status_code == 302
    assert school.alice.family_name not in response.content.decode()


def test_the_explorer_applies_the_same_policy(client: Client, member_user: User, school: School):
    school.bob.user = member_user
    school.bob.save(update_fields=["user"])
    client.force_login(member_user)

    refused = client.get(EXPLORER, {"question": "who_can", "permission": "library.circulate"})
    assert refused.status_code == 403
    assert refused.context["result"] is None
    own_question: dict[str, Any] = {"question": "what_can", "person": school.bob.pk}
    own = client.get(EXPLORER, own_question)
    assert own.status_code == 200 and own.context["result"] is not None


@override_settings(INTERNALS_PUBLIC=False)
def test_production_shows_query_texts_and_timing_to_staff_only(
    bob_client: APIClient, staff_client: APIClient, school: School
):
    check: dict[str, Any] = {"person": school.bob.pk, "permission": "library.circulate"}

    member = bob_client.get(f"{API}/check/", check)
    staff = staff_client.get(f"{API}/check/", check)

    assert member.json()["query"] == "" and "Server-Timing" not in member
    assert "WITH RECURSIVE" in staff.json()["query"] and "graph;dur=" in staff["Server-Timing"]
