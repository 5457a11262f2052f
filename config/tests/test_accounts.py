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
from school.tests.factories import EnrollmentFactory

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


def test_signing_in_to_ones_own_account_keeps_the_failures_against_others(
    client: Client, reader: User, settings
) -> None:
    """A success must not wipe what its address failed against other users: else an attacker
    guesses limit-1 passwords, signs in to their own account, and guesses again, for ever."""
    User.objects.create_user("attacker", "attacker@example.com", "attacker-pass")
    for attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, "reader", f"wrong-{attempt}", ip="10.0.5.5") == 200
    assert sign_in(Client(), "attacker", "attacker-pass", ip="10.0.5.5") == 302

    assert sign_in(client, "reader", "wrong-again", ip="10.0.5.5") == 429
    assert sign_in(client, "reader", PASSWORD, ip="10.0.5.6") == 429


def test_an_overlong_username_is_a_form_error_not_a_500(client: Client, reader: User) -> None:
    assert sign_in(client, "u" * 256, "wrong") == 200
    token = APIClient().post(reverse("api-token"), {"username": "u" * 256, "password": "x"})
    assert token.status_code == 400 and "username" in token.json()["error"]["fields"]


def test_deeply_nested_json_to_the_token_endpoint_is_a_400(api_client: APIClient) -> None:
    body = "[" * 5000 + "]" * 5000
    response = api_client.post(reverse("api-token"), body, content_type="application/json")
    assert response.status_code == 400 and "error" in response.json()


def test_a_locked_out_token_request_is_the_documented_403(reader: User, settings) -> None:
    url = reverse("api-token")
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        APIClient().post(url, {"username": "reader", "password": f"wrong-{attempt}"})

    locked = APIClient().post(url, {"username": "reader", "password": PASSWORD})
    assert locked.status_code == 403
    assert locked.json()["error"]["code"] == "locked_out" and "token" not in locked.json()


def test_the_token_endpoint_is_throttled_per_address(reader: User, settings) -> None:
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "token": "2/minute"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    url, body = reverse("api-token"), {"username": "reader", "password": PASSWORD}
    answers = [APIClient().post(url, body, REMOTE_ADDR="10.0.6.6").status_code for _ in range(3)]
    elsewhere = APIClient().post(url, body, REMOTE_ADDR="10.0.6.7").status_code
    assert (answers, elsewhere) == ([200, 200, 429], 200)


def token_of(username: str) -> str:
    answer = APIClient().post(reverse("api-token"), {"username": username, "password": PASSWORD})
    return str(answer.json()["token"])


def calls_with(token: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return int(client.get(reverse("school-api:people")).status_code)


def test_a_password_change_revokes_the_members_tokens(
    client: Client, reader: User, django_capture_on_commit_callbacks
) -> None:
    token = token_of("reader")
    assert calls_with(token) == 200
    client.force_login(reader)
    new = {"old_password": PASSWORD, "new_password1": "n3w-Pass!", "new_password2": "n3w-Pass!"}

    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("password_change"), new).status_code == 302
    assert calls_with(token) == 401


def test_a_member_revokes_their_own_token(reader: User, django_capture_on_commit_callbacks) -> None:
    token, reader_client = token_of("reader"), APIClient()
    User.objects.create_user("other", "other@example.com", PASSWORD)
    other_token = token_of("other")
    reader_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    with django_capture_on_commit_callbacks(execute=True):
        assert reader_client.delete(reverse("api-token")).status_code == 204
    assert (calls_with(token), calls_with(other_token)) == (401, 200)
    assert APIClient().delete(reverse("api-token")).status_code == 401
