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


PANELS = ["common.cache.panel.CacheCountersPanel", "debug_toolbar.panels.cache.CachePanel"]


def _warm_page(request: HttpRequest) -> HttpResponse:
    """Reads three entries of one family through the read-through cache."""
    from common.cache.readthrough import Family, read_slots

    family = Family("panel.test")
    read_slots([(family, ident) for ident in (1, 2, 3)], lambda slots: dict.fromkeys(slots, "x"))
    return HttpResponse("ok")


def _run_toolbar(request: HttpRequest):  # the middleware's order: requests in, stats reversed
    from debug_toolbar.toolbar import DebugToolbar

    toolbar = DebugToolbar(request, _warm_page)
    for panel in toolbar.enabled_panels:
        panel.enable_instrumentation()
    try:
        response = toolbar.process_request(request)
    finally:
        for panel in reversed(toolbar.enabled_panels):
            panel.disable_instrumentation()
    for panel in reversed(toolbar.enabled_panels):
        panel.generate_stats(request, response)
    return toolbar


@override_settings(
    INSTALLED_APPS=[*settings.INSTALLED_APPS, "debug_toolbar"], DEBUG_TOOLBAR_PANELS=PANELS
)
def test_panel_reconciles_the_stock_cache_panels_counts() -> None:
    """Warm: the family says 3 hits; the read-through asked 3 entries and 4 tokens as bytes,
    which the stock panel does not see (it counted nothing of theirs)."""
    from debug_toolbar.panels.cache import CachePanel

    CachePanel.ready()
    _run_toolbar(RequestFactory().get("/"))  # cold: fills the cache
    toolbar = _run_toolbar(RequestFactory().get("/"))

    ours = toolbar.get_panel_by_id("CacheCountersPanel")
    stock = toolbar.get_panel_by_id("CachePanel").get_stats()
    keys = ours.get_stats()["keys"]
    assert ours.nav_subtitle == "3 hits, 0 misses (100%)"
    assert (stock["hits"], stock["misses"]) == (0, 0)
    assert keys["rows"]["value"] == {"asked": 3, "found": 3, "absent": 0}
    assert keys["rows"]["generation"] == {"asked": 4, "found": 0, "absent": 4}
    assert keys["stock"] == {"hits": 0, "misses": 0, "other_hits": 0, "other_misses": 0}
    assert "Why the stock Cache panel counts differently" in ours.content
    assert "<strong>0 hits, 0 misses</strong>" in ours.content


def test_local_settings_put_the_projects_panels_first() -> None:
    from common.tests.test_settings import load_settings

    code = (
        "import django; from django.conf import settings; django.setup(); "
        "print(settings.DEBUG_TOOLBAR_PANELS[:2], settings.DEBUG_TOOLBAR_PANELS[2:].count("
        "'debug_toolbar.panels.cache.CachePanel'))"
    )
    result = load_settings("config.settings.local", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == (
        "['delegation.panels.GraphPanel', 'common.cache.panel.CacheCountersPanel'] 1"
    )
