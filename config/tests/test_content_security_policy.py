"""Every page carries a Content-Security-Policy that allows no inline script or style, and the
pages hold none the policy would block (the browser tests run the toolbar and the explorer's
SVG under it)."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.test import Client

from delegation.tests.scenario import build_school, lend
from people.tests.factories import OrgUnitFactory

pytestmark = pytest.mark.django_db


class InlineCode(HTMLParser):
    """Collects what a strict policy blocks: inline scripts and styles, style attributes and
    event-handler attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        if tag == "script" and "src" not in names:
            self.found.append("inline <script>")
        if tag == "style":
            self.found.append("<style>")
        self.found += [f"{tag}[{name}]" for name in names if name == "style" or name[:2] == "on"]


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


def test_the_policy_allows_scripts_and_styles_from_this_site_only(client: Client) -> None:
    policy = client.get("/")["Content-Security-Policy"]

    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == directives["style-src"] == "'self'"
    assert (directives["object-src"], directives["frame-ancestors"]) == ("'none'", "'none'")
    assert "unsafe" not in policy


def test_the_pages_hold_nothing_the_policy_blocks(client: Client, staff_user) -> None:
    OrgUnitFactory.create_batch(2)
    school = build_school()
    lend(school.alice, school.bob, permission=school.circulate, hops=1)
    client.force_login(staff_user)
    pages = [
        "/",
        "/people/",
        "/school/",
        "/library/",
        "/blog/",
        "/api/docs/",
        f"/delegation/?question=org&person={school.bob.pk}",
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        assert "Content-Security-Policy" in response, page
        assert inline_code(response.content.decode()) == [], page
    assert "<svg" in client.get(pages[-1]).content.decode()
