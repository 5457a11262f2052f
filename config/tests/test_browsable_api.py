"""The API as a person reads it in a browser: DRF's browsable pages and Swagger UI's schema."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

pytestmark = pytest.mark.django_db
HTML = {"Accept": "text/html"}
BOOKS = "/api/library/books/"


def test_the_browsable_api_offers_a_log_in_that_signs_in() -> None:
    User.objects.create_user("reader", password="pw-reader-1")
    client = Client()

    page = client.get(BOOKS, headers=HTML).content.decode()
    assert f"href='/api/auth/login/?next={BOOKS}'>Log in</a>" in page

    form = client.get(f"/api/auth/login/?next={BOOKS}")
    assert form.status_code == 200 and 'name="password"' in form.content.decode()
    signed_in = client.post(
        "/api/auth/login/", {"username": "reader", "password": "pw-reader-1", "next": BOOKS}
    )
    assert signed_in.status_code == 302 and signed_in["Location"] == BOOKS
    assert "reader" in client.get(BOOKS, headers=HTML).content.decode()


def test_the_browsable_api_shows_code_spans_as_code_not_backticks() -> None:
    page = Client().get(BOOKS, headers=HTML).content.decode()
    assert "<code>count_exact</code>" in page
    assert "`count_exact`" not in page and "`q`" not in page
