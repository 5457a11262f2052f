"""What a first visitor meets: the favicon and the /api/ index."""

from urllib.parse import urlsplit
from urllib.request import ProxyHandler, build_opener

import pytest
from django.urls import URLResolver, get_resolver, resolve, reverse

pytestmark = pytest.mark.django_db


def test_favicon_ico_leads_to_the_svg_icon(live_server) -> None:
    opener = build_opener(ProxyHandler({}))  # the live server is local: never through a proxy
    with opener.open(live_server.url + "/favicon.ico") as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == "image/svg+xml"
        assert response.read().startswith(b"<svg")


def test_every_page_links_the_icon(client) -> None:
    assert b'rel="icon"' in client.get(reverse("home")).content


def _resolvers(patterns: list) -> list[URLResolver]:
    return [entry for entry in patterns if isinstance(entry, URLResolver)]


def _app_prefixes() -> set[str]:
    """The apps included under /api/, read from the root URLconf."""
    api = next(r for r in _resolvers(get_resolver().url_patterns) if str(r.pattern) == "api/")
    return {str(resolver.pattern).strip("/") for resolver in _resolvers(api.url_patterns)}


def test_api_index_lists_every_app_and_the_docs_to_anyone(api_client) -> None:
    response = api_client.get("/api/")
    assert response.status_code == 200
    body = response.json()
    assert set(body["apps"]) == _app_prefixes()
    assert all(body["apps"].values()), "an app without a listed route"
    assert {"api-schema", "api-docs", "api-health"} <= set(body["links"])
    assert "api-index" not in body["links"]


def test_every_url_in_the_api_index_resolves_and_answers(api_client) -> None:
    body = api_client.get("/api/").json()
    urls = [*body["links"].values(), *(u for app in body["apps"].values() for u in app.values())]
    for url in urls:
        path = urlsplit(url).path
        resolve(path)
        assert api_client.get(path).status_code not in (404, 500), path
