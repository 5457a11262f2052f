"""Hostile input answers a 4xx in the API's error shape, never a 500, under local and production
settings alike (the cases a hostile client found)."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db
CHECKOUT = reverse("library-api:checkout")
SETTINGS = [pytest.param(False, id="production-like"), pytest.param(True, id="debug")]


def assert_error_shape(response, status: int) -> None:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["status"] == status


@pytest.fixture(params=SETTINGS)
def staff(request: pytest.FixtureRequest, staff_client: APIClient):
    with override_settings(DEBUG=request.param):
        yield staff_client


def test_a_json_body_nested_1000_deep_is_a_400(staff: APIClient) -> None:
    body = "[" * 1000 + "]" * 1000
    response = staff.post(CHECKOUT, body, content_type="application/json")
    assert_error_shape(response, 400)


@pytest.mark.parametrize(
    ("url", "field"),
    [(CHECKOUT, "mode"), ("/api/blog/posts/", "status")],
)
def test_a_lone_surrogate_in_a_choice_field_is_a_400(
    staff: APIClient, url: str, field: str
) -> None:
    body = f'{{"{field}": "\\ud800", "title": "t", "body": "b", "member": 1, "copies": []}}'
    response = staff.post(url, body, content_type="application/json")
    assert_error_shape(response, 400)


@pytest.mark.parametrize(
    "url",
    [
        "/api/library/loans/",
        "/api/library/events/",
        "/api/delegation/audit/",
        # keyset pages: a page number there is a 400
        "/api/library/books/",
        "/api/library/copies/",
        "/api/library/fines/",
        "/api/delegation/delegations/",
        "/api/school/people/",
    ],
)
def test_a_forged_cursor_is_a_400(staff: APIClient, url: str) -> None:
    response = staff.get(url, {"cursor": "cD1hYmM="})
    assert_error_shape(response, 400)
    assert "cursor" in response.json()["error"]["fields"]


def test_nul_in_a_path_is_a_404(staff: APIClient) -> None:
    assert_error_shape(staff.get("/api/delegation/roles/%00/"), 404)


@pytest.mark.parametrize("debug", [False, True])
def test_nul_in_a_page_query_is_a_400(client: Client, debug: bool) -> None:
    with override_settings(DEBUG=debug):
        assert client.get("/blog/", {"tag": "\x00"}).status_code == 400


def test_a_10_mb_body_is_a_413_in_the_error_shape(staff: APIClient) -> None:
    body = '{"title": "%s"}' % ("x" * 10_000_000)
    response = staff.post("/api/blog/posts/", body, content_type="application/json")
    assert_error_shape(response, 413)


def test_unknown_api_routes_are_json_404s(staff: APIClient) -> None:
    assert_error_shape(staff.get("/api/no/such/route/"), 404)
