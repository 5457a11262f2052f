"""Members sign in (Django's auth views, brute-force protected by django-axes), see their own
account, and get an API token; anonymous API calls are 401 with WWW-Authenticate."""

from __future__ import annotations

from typing import Any

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from library.tests.factories import HoldFactory, LoanFactory, MemberFactory
from people.tests.factories import PersonFactory
from school.tests.directory_factories import EnrollmentFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"


@pytest.fixture
def reader() -> User:
    return User.objects.create_user("reader", "reader@example.com", PASSWORD)


def sign_in(
    client: Client, username: str, password: str, ip: str = "10.0.0.1", forwarded: str = ""
) -> int:
    headers: dict[str, Any] = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    response = client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip, **headers
    )
    return response.status_code


def test_a_member_signs_in_and_sees_their_own_account(client: Client, reader: User) -> None:
    loan = LoanFactory(member=MemberFactory(user=reader))
    HoldFactory(member=loan.member)
    someone_else = LoanFactory()
    enrollment = EnrollmentFactory(student=PersonFactory(user=reader))

    assert b"Sign in" in client.get(reverse("login")).content
    assert sign_in(client, "reader", PASSWORD) == 302
    page = client.get(reverse("account")).content.decode()

    assert loan.copy.barcode in page and someone_else.copy.barcode not in page
    assert enrollment.section.course.code in page
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("account")).status_code == 302


def test_a_member_changes_their_password(client: Client, reader: User) -> None:
    client.force_login(reader)
    new = {
        "old_password": PASSWORD,
        "new_password1": "n3w-Passw0rd!",
        "new_password2": "n3w-Passw0rd!",
    }

    assert client.post(reverse("password_change"), new).status_code == 302
    reader.refresh_from_db()
    assert reader.check_password("n3w-Passw0rd!")


def test_wrong_passwords_lock_the_user_out_even_with_the_right_one(
    client: Client, reader: User, settings
) -> None:
    for attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, "reader", f"wrong-{attempt}", ip=f"10.0.1.{attempt}") == 200
    assert sign_in(client, "reader", "wrong-last", ip="10.0.1.99") == 429  # the limit-th

    assert sign_in(client, "reader", PASSWORD, ip="10.0.2.1") == 429


def test_wrong_passwords_lock_the_address_out_for_every_user(
    client: Client, reader: User, settings
) -> None:
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, f"guess{attempt}", "wrong", ip="10.0.3.3")

    assert sign_in(client, "reader", PASSWORD, ip="10.0.3.3") == 429
    assert sign_in(client, "reader", PASSWORD, ip="10.0.3.4") == 302


def test_the_token_endpoint_trades_a_password_for_the_token(
    api_client: APIClient, reader: User
) -> None:
    url = reverse("api-token")
    token = api_client.post(url, {"username": "reader", "password": PASSWORD}).json()["token"]

    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api_client.get(reverse("school-api:people")).status_code == 200
    wrong = APIClient().post(url, {"username": "reader", "password": "nope"})
    assert wrong.status_code == 400 and "error" in wrong.json()
    assert "/api/auth/token/" in APIClient().get(reverse("api-schema")).content.decode()


def test_anonymous_api_calls_are_401_with_www_authenticate(api_client: APIClient) -> None:
    response = api_client.get(reverse("school-api:people"))

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["error"]["code"] == "not_authenticated"


def test_a_forged_forwarded_for_does_not_escape_an_address_lockout(
    client: Client, reader: User, settings
) -> None:
    """No trusted proxy (NUM_PROXIES=0): the address is REMOTE_ADDR, whatever the header says."""
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, f"guess{attempt}", "wrong", ip="10.0.4.4", forwarded=f"192.0.2.{attempt}")

    assert sign_in(client, "reader", PASSWORD, ip="10.0.4.4", forwarded="192.0.2.200") == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"10.0.4.4"}


def test_behind_one_proxy_the_address_it_forwarded_is_the_one_locked(
    client: Client, reader: User, settings
) -> None:
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    proxy, attacker = "10.9.9.9", "198.51.100.7"
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        # The client writes the first entry (forged, new each time); the proxy appends the real one.
        forwarded = f"192.0.2.{attempt}, {attacker}"
        sign_in(client, f"guess{attempt}", "wrong", ip=proxy, forwarded=forwarded)

    assert sign_in(client, "reader", PASSWORD, ip=proxy, forwarded=f"1.2.3.4, {attacker}") == 429
    assert sign_in(client, "reader", PASSWORD, ip=proxy, forwarded="198.51.100.8") == 302
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {attacker}
