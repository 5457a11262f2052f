"""Token lookups: no query while a worker remembers one, and revocations seen at once here."""

from __future__ import annotations

import threading

import pytest
from django.contrib.auth.models import User
from django.db import connection, transaction
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.test import APIClient

from common.authentication import CachedTokenAuthentication

pytestmark = [pytest.mark.django_db, pytest.mark.urls("devtools.bench.urls")]

URL = "/bench/drf-token/"


@pytest.fixture
def token(member_user: User) -> Token:
    return Token.objects.create(user=member_user)


@pytest.fixture
def client(token: Token) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def test_a_remembered_token_costs_no_query(client: APIClient, django_assert_num_queries) -> None:
    """DRF's TokenAuthentication reads the token and its user on every request."""
    with django_assert_num_queries(1):
        assert client.get(URL).status_code == 200
    with django_assert_num_queries(0):
        assert client.get(URL).status_code == 200


def test_a_deleted_token_is_refused_at_once(
    client: APIClient, token: Token, django_capture_on_commit_callbacks
) -> None:
    assert client.get(URL).status_code == 200  # remembered now
    with django_capture_on_commit_callbacks(execute=True):
        token.delete()
    assert client.get(URL).status_code == 401


def test_a_deactivated_user_is_refused_at_once(
    client: APIClient, member_user: User, django_capture_on_commit_callbacks
) -> None:
    assert client.get(URL).status_code == 200
    member_user.is_active = False
    with django_capture_on_commit_callbacks(execute=True):
        member_user.save(update_fields=["is_active"])
    assert client.get(URL).status_code == 401


def test_a_login_costs_its_update_alone(member_user: User, django_assert_num_queries) -> None:
    """Saving a user (`last_login` on every sign-in) forgets its tokens in this worker's memory:
    no query, no cache round trip, no pending-invalidation row."""
    with django_assert_num_queries(1):
        member_user.save(update_fields=["last_login"])


def test_each_request_gets_its_own_user_instance(token: Token) -> None:
    auth = CachedTokenAuthentication()
    first, _ = auth.authenticate_credentials(token.key)
    first.marked = True
    second, second_token = auth.authenticate_credentials(token.key)
    assert second is not first and not hasattr(second, "marked")
    assert second_token.user is second


def test_with_no_memory_every_request_asks_the_database(
    client: APIClient, settings, django_assert_num_queries
) -> None:
    settings.AUTH_TOKEN_LOCAL_TTL = 0
    for _ in range(2):
        with django_assert_num_queries(1):
            assert client.get(URL).status_code == 200


def test_an_unknown_token_is_refused_with_the_token_challenge(django_assert_num_queries) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    for _ in range(2):
        with django_assert_num_queries(1):  # asked each time: refusals are not remembered
            response = client.get(URL)
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Token"


@pytest.mark.django_db(transaction=True)
def test_a_lookup_racing_a_revocation_is_forgotten_when_it_commits(member_user: User) -> None:
    """Between a token's delete and its commit, a request of this worker still finds the
    token (the delete is not visible yet) and keeps a copy; the forget after commit drops it."""
    token = Token.objects.create(user=member_user)
    key, authentication = token.key, CachedTokenAuthentication()

    def lookup_in_another_request() -> None:
        try:
            authentication.authenticate_credentials(key)
        finally:
            connection.close()  # this thread's own connection

    with transaction.atomic():
        token.delete()
        reader = threading.Thread(target=lookup_in_another_request)
        reader.start()
        reader.join(timeout=30)

    with pytest.raises(AuthenticationFailed):
        authentication.authenticate_credentials(key)
