"""The delegation API: staff CRUD, graph questions, errors in one format, constant query counts."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from common.models import AuditEntry
from delegation import services
from delegation.models import Delegation
from delegation.tests.scenario import DAY, T0, School, lend
from devtools.testing import assert_constant_queries_for_page_sizes
from people.tests.factories import PersonFactory

API = "/api/delegation"


def error(response) -> dict:
    return response.json()["error"]


# --- access -----------------------------------------------------------------------------------
@pytest.mark.parametrize("url", ["/roles/", "/assignments/", "/delegations/", "/audit/"])
def test_crud_and_audit_are_staff_only(member_client: APIClient, api_client: APIClient, url: str):
    assert member_client.get(API + url).status_code == 403
    assert api_client.get(API + url).status_code in (401, 403)


def test_questions_need_a_login(api_client: APIClient, school: School):
    query: dict[str, Any] = {"person": school.alice.pk, "permission": "x.y"}
    response = api_client.get(f"{API}/check/", query)
    assert response.status_code in (401, 403)


# --- roles ------------------------------------------------------------------------------------
def test_role_create_and_update(staff_client: APIClient, school: School):
    response = staff_client.post(
        f"{API}/roles/",
        {
            "code": "clerk",
            "name": "Clerk",
            "permissions": ["library.circulate"],
            "inherits": ["editor"],
        },
    )
    assert response.status_code == 201, response.content
    assert response.json()["permissions"] == ["library.circulate"]

    response = staff_client.put(
        f"{API}/roles/clerk/",
        {"name": "Desk clerk", "description": "", "permissions": [], "inherits": []},
        format="json",
    )
    assert response.status_code == 200
    assert response.json() | {"id": 0} == {
        "id": 0,
        "code": "clerk",
        "name": "Desk clerk",
        "description": "",
        "permissions": [],
        "inherits": [],
    }
    assert AuditEntry.objects.filter(entity="role", action="update").exists()


@pytest.mark.parametrize("field", ["permissions", "inherits"])
def test_a_null_character_in_a_reference_is_a_400_naming_the_field(
    staff_client: APIClient, school: School, field: str
):
    body = {"code": "clerk", "name": "Clerk", "permissions": [], "inherits": []}
    response = staff_client.post(f"{API}/roles/", {**body, field: ["editor\x00"]})
    assert response.status_code == 400
    assert field in error(response)["fields"]


def test_role_cycle_is_a_400_naming_the_field(staff_client: APIClient, school: School):
    response = staff_client.put(
        f"{API}/roles/librarian/",
        {
            "name": "Librarian",
            "description": "",
            "permissions": [],
            "inherits": ["head-librarian"],
        },
        format="json",
    )
    assert response.status_code == 400
    assert error(response)["fields"] == {"inherits": [error(response)["message"]]}
    assert error(response)["code"] == "cycle"


def test_role_in_use_cannot_be_deleted(staff_client: APIClient, school: School):
    assert staff_client.delete(f"{API}/roles/head-librarian/").status_code == 409
    assert staff_client.delete(f"{API}/roles/editor/").status_code == 204


def test_role_list_queries_do_not_grow(staff_client: APIClient, school: School):
    for number in range(10):
        services.role_create(
            actor=None, code=f"extra-{number}", name="Extra", permissions=[school.publish]
        )
    assert_constant_queries_for_page_sizes(staff_client, f"{API}/roles/")


# --- assignments ------------------------------------------------------------------------------
def test_assignment_create_end_and_list(staff_client: APIClient, school: School):
    response = staff_client.post(
        f"{API}/assignments/",
        {"person": school.bob.pk, "role": "editor", "valid_from": T0.isoformat()},
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    response = staff_client.put(
        f"{API}/assignments/{pk}/", {"valid_to": (T0 + DAY).isoformat(), "scope_unit": None}
    )
    assert response.status_code == 200
    assert response.json()["valid_to"].startswith("2026-01-02")


def test_assignment_bad_window_is_a_400(staff_client: APIClient, school: School):
    response = staff_client.post(
        f"{API}/assignments/",
        {
            "person": school.bob.pk,
            "role": "editor",
            "valid_from": T0.isoformat(),
            "valid_to": T0.isoformat(),
        },
    )
    assert response.status_code == 400
    assert "valid_to" in error(response)["fields"]


def test_assignments_page_newest_first_by_cursor(staff_client: APIClient, school: School):
    """Role assignments grow with the staff, so they page by key, never by number."""
    made = [
        services.assignment_create(actor=None, person=PersonFactory(), role=school.editor)
        for _ in range(3)
    ]
    body = staff_client.get(f"{API}/assignments/", {"page_size": 2}).json()
    assert [row["id"] for row in body["results"]] == [made[2].pk, made[1].pk]
    assert body["next"] and "count" not in body
    assert staff_client.get(f"{API}/assignments/", {"page": 2}).status_code == 400


def test_assignment_list_queries_do_not_grow(staff_client: APIClient, school: School):
    for _ in range(10):
        services.assignment_create(actor=None, person=PersonFactory(), role=school.editor)
    assert_constant_queries_for_page_sizes(staff_client, f"{API}/assignments/")


# --- delegations ------------------------------------------------------------------------------
def test_delegation_create_update_and_revoke(staff_client: APIClient, school: School, staff_user):
    response = staff_client.post(
        f"{API}/delegations/",
        {
            "delegator": school.alice.pk,
            "delegatee": school.bob.pk,
            "permission": "library.circulate",
            "valid_from": T0.isoformat(),
            "expires_at": (T0 + 3 * DAY).isoformat(),
            "max_redelegations": 1,
            "reason": "holiday",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["delegatee"]["id"], body["created_by"]) == (school.bob.pk, staff_user.username)

    response = staff_client.put(
        f"{API}/delegations/{body['id']}/",
        {
            "expires_at": (T0 + 5 * DAY).isoformat(),
            "weight": 3,
            "max_redelegations": 0,
            "reason": "holiday",
        },
    )
    assert response.status_code == 200
    assert response.json()["weight"] == 3

    response = staff_client.post(f"{API}/delegations/{body['id']}/revoke/", {})
    assert response.status_code == 200
    assert response.json()["revoked_at"] is not None
    assert staff_client.post(f"{API}/delegations/{body['id']}/revoke/", {}).status_code == 409


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"delegatee": "alice"}, "delegatee"),
        ({"delegator": "bob", "delegatee": "carol"}, "permission"),
        ({"expires_at": T0.isoformat()}, "expires_at"),
        ({"permission": "no.such"}, "permission"),
        ({"delegatee": 999999}, "delegatee"),
    ],
)
def test_delegation_rules_are_400s(
    staff_client: APIClient, school: School, payload: dict, field: str
):
    people = {"alice": school.alice.pk, "bob": school.bob.pk, "carol": school.carol.pk}
    body = {
        "delegator": school.alice.pk,
        "delegatee": school.bob.pk,
        "permission": "library.circulate",
        "valid_from": T0.isoformat(),
    }
    body |= {key: people.get(value, value) for key, value in payload.items()}
    response = staff_client.post(f"{API}/delegations/", body)

    assert response.status_code == 400, response.content
    assert field in error(response)["fields"]
    assert not Delegation.objects.exists()


def test_delegation_list_queries_do_not_grow(staff_client: APIClient, school: School):
    for _ in range(10):
        lend(school.alice, PersonFactory(), permission=school.circulate)
    assert_constant_queries_for_page_sizes(staff_client, f"{API}/delegations/")


# --- audit ------------------------------------------------------------------------------------
def test_audit_is_cursor_paginated_and_constant(staff_client: APIClient, school: School):
    for _ in range(10):
        lend(school.alice, PersonFactory(), permission=school.circulate)
    assert_constant_queries_for_page_sizes(staff_client, f"{API}/audit/")
    first = staff_client.get(f"{API}/audit/", {"page_size": 3}).json()
    assert "cursor=" in first["next"]
    assert first["results"][0]["entity"] == "delegation"


# --- graph questions ----------------------------------------------------------------------------
def test_check_answers_with_proof_and_query(staff_client: APIClient, school: School):
    link = lend(school.alice, school.bob, permission=school.circulate)
    at = (T0 + DAY).isoformat()
    query: dict[str, Any] = {"person": school.bob.pk, "permission": "library.circulate", "at": at}
    response = staff_client.get(f"{API}/check/", query)
    assert response.status_code == 200
    body = response.json()
    assert body["allowed"] and body["backend"] == "sql"
    assert body["proof"][-1]["id"] == link.pk
    assert "WITH RECURSIVE" in body["query"]
    assert "graph;dur=" in response["Server-Timing"]


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"person": 999999, "permission": "a.b"}, 404, "person"),
        ({"person": "x", "permission": "a.b"}, 400, "person"),
        ({"permission": "a.b"}, 400, "person"),
        ({"person": 1, "permission": "a.b", "at": "yesterday"}, 400, "at"),
    ],
)
def test_check_bad_input(member_client: APIClient, school: School, params, status, field):
    response = member_client.get(f"{API}/check/", params)
    assert response.status_code == status
    assert field in error(response)["fields"]


def test_who_can_pages_by_cursor(staff_client: APIClient, school: School):
    lend(school.alice, school.bob, permission=school.circulate)
    lend(school.alice, school.carol, permission=school.circulate)
    at = (T0 + DAY).isoformat()
    query: dict[str, Any] = {"permission": "library.circulate", "at": at, "page_size": 2}
    first = staff_client.get(f"{API}/who-can/", query).json()
    assert [row["id"] for row in first["results"]] == [school.alice.pk, school.bob.pk]
    assert first["complete"] is False
    rest = staff_client.get(
        f"{API}/who-can/",
        {"permission": "library.circulate", "at": at, "cursor": first["next_cursor"]},
    ).json()
    assert [row["id"] for row in rest["results"]] == [school.carol.pk]
    assert rest["complete"] is True


def test_what_can_and_paths(staff_client: APIClient, school: School):
    lend(school.alice, school.bob, permission=school.circulate)
    at = (T0 + DAY).isoformat()
    query: dict[str, Any] = {"person": school.bob.pk, "at": at}
    what = staff_client.get(f"{API}/what-can/", query).json()
    assert what["results"] == [
        {"permission": "library.circulate", "via": "delegation", "hops": 1, "scope_unit": None}
    ]

    query = {"source": school.alice.pk, "target": school.bob.pk, "at": at}
    paths = staff_client.get(f"{API}/paths/", query).json()
    assert [chain["hops"] for chain in paths["shortest"]] == [1]
    missing = staff_client.get(f"{API}/paths/", {"source": school.alice.pk, "target": 999999})
    assert missing.status_code == 404 and "target" in error(missing)["fields"]


def test_org_chart_questions(staff_client: APIClient, db: None):
    from people import services as people_services

    boss, a, b = PersonFactory(), PersonFactory(), PersonFactory()
    people_services.reporting_line_create(actor=None, person=a, manager=boss, valid_from=T0)
    people_services.reporting_line_create(actor=None, person=b, manager=boss, valid_from=T0)
    at = (T0 + DAY).isoformat()

    query: dict[str, Any] = {"person": a.pk, "at": at}
    chain = staff_client.get(f"{API}/org/manager-chain/", query).json()
    assert [row["id"] for row in chain["results"]] == [boss.pk]
    query = {"person": boss.pk, "at": at}
    reports = staff_client.get(f"{API}/org/reports/", query).json()
    assert {row["id"] for row in reports["results"]} == {a.pk, b.pk}
    query = {"a": a.pk, "b": b.pk, "at": at}
    common = staff_client.get(f"{API}/org/common-manager/", query)
    assert common.json()["results"][0]["id"] == boss.pk
    assert staff_client.get(f"{API}/org/units/").status_code == 200
    assert staff_client.get(f"{API}/org/units/", {"unit": 999999}).status_code == 404


def test_who_can_queries_do_not_grow_with_the_page(staff_client: APIClient, school: School):
    for _ in range(10):
        lend(school.alice, PersonFactory(), permission=school.circulate)
    url = f"{API}/who-can/"
    assert_constant_queries_for_page_sizes(
        staff_client, url, permission="library.circulate", at=(T0 + DAY).isoformat()
    )


def test_permission_list_queries_do_not_grow(staff_client: APIClient, school: School):
    for number in range(10):
        services.permission_create(actor=None, codename=f"extra.p{number}")
    assert_constant_queries_for_page_sizes(staff_client, f"{API}/permissions/")
