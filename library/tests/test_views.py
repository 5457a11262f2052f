"""HTML pages of the library."""

from __future__ import annotations

import pytest
from django.urls import reverse

from library.tests.factories import BookAuthorFactory

pytestmark = pytest.mark.django_db


def test_lab_page_shows_every_strategy_and_the_rows(client):
    link = BookAuthorFactory(book__title="Patterns of persistence")
    response = client.get(reverse("library:lab"), {"limit": 5})
    assert response.status_code == 200
    html = response.content.decode()
    for strategy in ("lazy", "select_related", "prefetch_related", "prefetch_to_attr", "only"):
        assert f"<code>{strategy}</code>" in html
    assert "Patterns of persistence" in html and link.author.name in html
    assert response.context["same_rows"] is True


def test_lab_page_rejects_a_bad_limit_with_the_default(client):
    response = client.get(reverse("library:lab"), {"limit": "lots"})
    assert response.status_code == 400
    assert response.context["limit"] == 20


def test_index_links_the_lab(client):
    response = client.get(reverse("library:index"))
    assert reverse("library:lab") in response.content.decode()


def test_the_lab_is_bounded_and_throttled(client, settings) -> None:
    assert client.get(reverse("library:lab"), {"limit": 51}).status_code == 400
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "lab": "2/day",
        },
    }
    statuses = [client.get(reverse("library:lab"), {"limit": 1}).status_code for _ in range(3)]

    assert statuses[:2] == [200, 200] and statuses[2] == 429
