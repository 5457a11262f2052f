"""The API's shared conventions: schema, errors, pagination, tokens, Server-Timing."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from drf_spectacular.validation import validate_schema
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from common.exceptions import ConflictError, api_exception_handler
from common.pagination import PageNumberPagination

pytestmark = pytest.mark.django_db


def test_schema_is_valid_openapi_3(api_client) -> None:
    response = api_client.get(reverse("api-schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)
    assert "/api/health/" in schema["paths"]


def test_docs_page_is_served(api_client) -> None:
    response = api_client.get(reverse("api-docs"))
    assert response.status_code == 200
    assert b"swagger" in response.content.lower()


def test_unknown_api_route_is_json_404(api_client) -> None:
    response = api_client.get("/api/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert "/api/no-such-thing/" in response.json()["error"]["message"]


@pytest.mark.parametrize(("raw", "message"), [("abc", "whole number"), ("0", "at least 1")])
def test_bad_page_size_is_a_400_naming_the_field(raw: str, message: str) -> None:
    request = Request(APIRequestFactory().get("/", {"page_size": raw}))
    with pytest.raises(ValidationError) as raised:
        PageNumberPagination().get_page_size(request)
    detail = raised.value.detail
    assert isinstance(detail, dict)
    assert message in str(detail["page_size"])


@pytest.mark.parametrize(("raw", "expected"), [("7", 7), ("100000", 100), (None, 20)])
def test_page_size_is_capped(raw: str | None, expected: int) -> None:
    params = {"page_size": raw} if raw else {}
    request = Request(APIRequestFactory().get("/", params))
    assert PageNumberPagination().get_page_size(request) == expected


def test_service_errors_use_the_common_format() -> None:
    response = api_exception_handler(ConflictError("Copy B1 is lent", field="copies"), {})
    assert response is not None
    assert response.status_code == 409
    assert response.data == {
        "error": {
            "status": 409,
            "code": "conflict",
            "message": "Copy B1 is lent",
            "fields": {"copies": ["Copy B1 is lent"]},
        }
    }


def test_validation_errors_name_the_field() -> None:
    response = api_exception_handler(ValidationError({"year": ["Too early."]}), {})
    assert response is not None
    assert response.status_code == 400
    assert response.data["error"]["fields"] == {"year": ["Too early."]}


def test_wrong_method_is_a_formatted_405(api_client) -> None:
    response = api_client.post(reverse("api-health"), {})
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_drf_create_token_command() -> None:
    user = User.objects.create_user("reader")
    call_command("drf_create_token", "reader")
    assert Token.objects.filter(user=user).exists()


def test_server_timing_counts_the_queries_run(api_client) -> None:
    with CaptureQueriesContext(__import__("django.db").db.connection) as queries:
        response = api_client.get(reverse("api-health"))
    header = response["Server-Timing"]
    queries_run = re.search(r'db;dur=[\d.]+;desc="(\d+) queries"', header)
    assert queries_run
    count = int(queries_run.group(1))
    assert count == len(queries.captured_queries) > 0
    assert re.search(r'cache;dur=[\d.]+;desc="\d+ calls"', header)
    assert re.search(r'graph;dur=[\d.]+;desc="1 calls"', header)
    assert re.search(r"total;dur=[\d.]+", header)


def test_html_pages_render(client, admin_user) -> None:
    client.force_login(admin_user)
    for name in ("home", "school:index", "library:index", "blog:index", "delegation:index"):
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        assert b"Campus" in response.content


def test_the_directory_page_is_for_signed_in_users(client) -> None:
    response = client.get(reverse("school:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
