"""The toolbar's cache panel renders one request's counts per family (local settings only)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory, override_settings

from common.cache.counters import counters

pytest.importorskip("debug_toolbar", reason="django-debug-toolbar is a development dependency")


@override_settings(INSTALLED_APPS=[*settings.INSTALLED_APPS, "debug_toolbar"])
def test_panel_shows_the_request_counts_and_the_totals() -> None:
    from debug_toolbar.toolbar import DebugToolbar

    from common.cache.panel import CacheCountersPanel

    def view(request: HttpRequest) -> HttpResponse:  # reads through the cache: 2 misses, 1 hit
        counters.add("directory.courses", "miss", 2)
        counters.add("directory.courses", "hit")
        return HttpResponse("ok")

    request = RequestFactory().get("/")
    toolbar = DebugToolbar(request, view)
    panel = CacheCountersPanel(toolbar, view)
    response = panel.process_request(request)
    panel.generate_stats(request, response)

    stats = panel.get_stats()
    assert stats["request"] == [("directory.courses", [1, 0, 2, 0, 0])]
    assert panel.nav_subtitle == "1 hits, 2 misses (33%)"
    assert "directory.courses" in panel.content
