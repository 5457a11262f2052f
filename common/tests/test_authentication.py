"""Token authentication (DRF's own): one query per request, and every revocation seen at once."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = [pytest.mark.django_db, pytest.mark.urls("config.bench_urls")]

URL = "/bench/drf-token/"


@pytest.fixture
def token(member_user: User) -> Token:
    return Token.objects.create(user=member_user)


@pytest.fixture
def client(token: Token) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def test_a_token_costs_one_query(client: APIClient, django_assert_num_queries) -> None:
    """The token joined to its user, by the token's primary key; no cache round trip."""
    with django_assert_num_queries(1):
        assert client.get(URL).status_code == 200


def test_a_deleted_token_is_refused_at_once(client: APIClient, token: Token) -> None:
    assert client.get(URL).status_code == 200
    token.delete()
    assert client.get(URL).status_code == 401


def test_a_deactivated_user_is_refused_at_once(client: APIClient, member_user: User) -> None:
    assert client.get(URL).status_code == 200
    member_user.is_active = False
    member_user.save(update_fields=["is_active"])
    assert client.get(URL).status_code == 401


def test_an_unknown_token_is_refused_with_the_token_challenge() -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    response = client.get(URL)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_a_login_writes_nothing_to_the_cache(member_user: User, django_assert_num_queries) -> None:
    """Saving a user (a `last_login` update on every sign-in) costs its own UPDATE and nothing
    else: no invalidation of cached token lookups, so no pending-invalidation row."""
    with django_assert_num_queries(1):
        member_user.save(update_fields=["last_login"])
