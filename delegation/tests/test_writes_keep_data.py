"""Delegation writes never drop data: PUT needs every term, revocations lie between the start
and now (or bring an earlier one forward), the database refuses a revocation before start, and
deletes take no audited row along unaudited."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from rest_framework.test import APIClient

from common.exceptions import ConflictError
from common.models import AuditEntry
from delegation import services
from delegation.models import Delegation
from delegation.tests.scenario import DAY, T0, School, lend
from devtools.testing import Trail

API = "/api/delegation/delegations"
TERMS = {"expires_at": (T0 + 700 * DAY).isoformat(), "weight": 4, "max_redelegations": 1}


@pytest.fixture
def link(school: School) -> Delegation:
    return lend(school.alice, school.bob, permission=school.circulate, days=700, hops=1, weight=4)


def error(response) -> dict:
    return response.json()["error"]


@pytest.mark.parametrize("missing", ["expires_at", "weight", "max_redelegations", "reason"])
def test_a_put_missing_a_term_is_a_400_naming_it_and_changes_nothing(
    staff_client: APIClient, link: Delegation, missing: str
):
    body = {key: value for key, value in {**TERMS, "reason": "x"}.items() if key != missing}
    response = staff_client.put(f"{API}/{link.pk}/", body, format="json")

    assert response.status_code == 400
    assert list(error(response)["fields"]) == [missing]
    link.refresh_from_db()
    assert (link.expires_at, link.weight, link.max_redelegations) == (T0 + 700 * DAY, 4, 1)


def test_a_put_with_only_a_reason_no_longer_makes_a_delegation_permanent(
    staff_client: APIClient, link: Delegation
):
    response = staff_client.put(f"{API}/{link.pk}/", {"reason": "cover"}, format="json")

    assert response.status_code == 400
    assert set(error(response)["fields"]) == {"expires_at", "weight", "max_redelegations"}
    link.refresh_from_db()
    assert link.expires_at == T0 + 700 * DAY


def test_a_full_put_replaces_the_terms(staff_client: APIClient, link: Delegation):
    body = {**TERMS, "weight": 2, "reason": "cover"}
    response = staff_client.put(f"{API}/{link.pk}/", body, format="json")

    assert response.status_code == 200, response.content
    assert (response.json()["weight"], response.json()["reason"]) == (2, "cover")
    assert response.json()["expires_at"].startswith(str((T0 + 700 * DAY).date()))


def test_there_is_no_patch(staff_client: APIClient, link: Delegation):
    response = staff_client.patch(f"{API}/{link.pk}/", {"reason": "x"}, format="json")
    assert response.status_code == 405


def test_a_revocation_in_the_future_is_refused(staff_client: APIClient, link: Delegation):
    response = staff_client.post(f"{API}/{link.pk}/revoke/", {"at": "2100-01-01T00:00:00Z"})

    assert response.status_code == 400
    assert (list(error(response)["fields"]), error(response)["code"]) == (["at"], "future")
    link.refresh_from_db()
    assert link.revoked_at is None


def test_a_revocation_before_the_start_is_refused(staff_client: APIClient, link: Delegation):
    at = (T0 - DAY).isoformat()
    response = staff_client.post(f"{API}/{link.pk}/revoke/", {"at": at}, format="json")

    assert response.status_code == 400
    assert (list(error(response)["fields"]), error(response)["code"]) == (["at"], "before_start")
    link.refresh_from_db()
    assert link.revoked_at is None


def test_a_revocation_between_start_and_now_is_kept(staff_client: APIClient, link: Delegation):
    at = (T0 + DAY).isoformat()
    response = staff_client.post(f"{API}/{link.pk}/revoke/", {"at": at}, format="json")

    assert response.status_code == 200
    assert response.json()["revoked_at"].startswith("2026-01-02")


def test_revoke_now_brings_a_scheduled_revocation_forward(
    staff_client: APIClient, link: Delegation
):
    scheduled = timezone.now() + 365 * DAY  # as the API accepted before revocations were dated
    Delegation.objects.filter(pk=link.pk).update(revoked_at=scheduled)

    response = staff_client.post(f"{API}/{link.pk}/revoke/", {})

    assert response.status_code == 200, response.content
    link.refresh_from_db()
    assert link.revoked_at is not None and link.revoked_at <= timezone.now()
    entry = AuditEntry.objects.filter(entity="delegation", action="revoke").get()
    assert entry.before is not None and entry.before["revoked_at"] is not None
    assert staff_client.post(f"{API}/{link.pk}/revoke/", {}).status_code == 409


def test_revoking_one_that_has_not_started_revokes_it_from_its_start(school: School):
    future = lend(school.alice, school.bob, permission=school.circulate, start=timezone.now() + DAY)
    services.delegation_revoke(actor=None, delegation=future)

    future.refresh_from_db()
    assert future.revoked_at == future.valid_from


def test_the_database_refuses_a_revocation_before_the_start(link: Delegation):
    with pytest.raises(IntegrityError), transaction.atomic():
        Delegation.objects.filter(pk=link.pk).update(revoked_at=T0 - DAY)


def test_a_permission_is_deleted_only_once_nothing_grants_it(school: School):
    with pytest.raises(ConflictError, match=r"\(1 role permission\)"):
        services.permission_delete(actor=None, permission=school.publish)
    services.role_update(actor=None, role=school.editor, permissions=[])
    trail = Trail()

    services.permission_delete(actor=None, permission=school.publish)

    assert trail.audit() == [("delete", "permission", school.publish.pk)]
    assert trail.outbox() == [("permission.delete", school.publish.pk)]


def test_deleting_a_role_audits_the_roles_that_inherited_it(school: School):
    clerk = services.role_create(actor=None, code="clerk", name="Clerk", inherits=[school.editor])
    services.role_delete(actor=None, role=school.editor)

    entry = AuditEntry.objects.filter(entity="role", entity_id=clerk.pk, action="update").get()
    assert entry.before is not None and entry.after is not None
    assert (entry.before["inherits"], entry.after["inherits"]) == (["editor"], [])


def test_a_person_with_a_role_assignment_is_protected_by_the_orm(school: School):
    with pytest.raises(ProtectedError):
        school.alice.delete()


# --- every PUT replaces the whole resource --------------------------------------------------
ROLE = {"name": "Editor", "description": "Edits the blog", "permissions": [], "inherits": []}


@pytest.mark.parametrize("missing", ["name", "description", "permissions", "inherits"])
def test_a_role_put_missing_a_field_is_a_400_naming_it_and_changes_nothing(
    staff_client: APIClient, school: School, missing: str
):
    services.role_update(actor=None, role=school.editor, description="Edits the blog")
    body = {key: value for key, value in ROLE.items() if key != missing}

    response = staff_client.put("/api/delegation/roles/editor/", body, format="json")

    assert response.status_code == 400
    assert list(error(response)["fields"]) == [missing]
    school.editor.refresh_from_db()
    assert school.editor.description == "Edits the blog"
    assert school.editor.permissions.exists()


def test_a_role_put_without_a_description_no_longer_empties_it(
    staff_client: APIClient, school: School
):
    services.role_update(actor=None, role=school.editor, description="Edits the blog")
    body = {"name": "Editor", "permissions": ["blog.publish"], "inherits": []}

    response = staff_client.put("/api/delegation/roles/editor/", body, format="json")

    assert response.status_code == 400
    school.editor.refresh_from_db()
    assert school.editor.description == "Edits the blog"


def test_every_put_in_the_schema_requires_every_field_it_accepts():
    """A new PUT whose body has an optional field fails here: PUT replaces, PATCH amends."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    optional = {}
    for path, operations in schema["paths"].items():
        if "put" not in operations:
            continue
        content = operations["put"]["requestBody"]["content"]["application/json"]["schema"]
        body = components[content["$ref"].rsplit("/", 1)[1]]
        writable = {name for name, spec in body["properties"].items() if not spec.get("readOnly")}
        if missing := writable - set(body.get("required", [])):
            optional[path] = sorted(missing)
    assert optional == {}
