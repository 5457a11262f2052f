"""Developer machine: DEBUG on, django-debug-toolbar on every HTML page and the browsable API."""

from debug_toolbar.settings import PANELS_DEFAULTS
from django.http import HttpRequest

from .base import *  # noqa: F403
from .base import BASE_DIR, INSTALLED_APPS, MIDDLEWARE, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)

# devtools: the benchmark commands and the test helpers, never installed in production.
INSTALLED_APPS = [*INSTALLED_APPS, "debug_toolbar", "devtools"]
# Right after Server-Timing, so the toolbar sees the queries of every later middleware and view.
MIDDLEWARE = [MIDDLEWARE[0], "debug_toolbar.middleware.DebugToolbarMiddleware", *MIDDLEWARE[1:]]
INTERNAL_IPS = ["127.0.0.1", "::1"]


def show_toolbar(request: HttpRequest) -> bool:
    """Show the toolbar to every visitor of a DEBUG server (students run it in containers too)."""
    return DEBUG


# The project's panels first, where students look (the graph queries of each request: backend,
# time, SQL or Cypher; the read-through cache's counters per family, which also explain the stock
# Cache panel's numbers), then the default panels. The toolbar generates stats last panel first,
# so the Cache families panel sees the stock Cache panel's counts.
DEBUG_TOOLBAR_PANELS = [
    "delegation.panels.GraphPanel",
    "common.cache.panel.CacheCountersPanel",
    *PANELS_DEFAULTS,
]
DEBUG_TOOLBAR_CONFIG = {"SHOW_TOOLBAR_CALLBACK": "config.settings.local.show_toolbar"}

# Where the bench commands write their tables (devtools.bench.report).
BENCH_REPORTS_DIR = BASE_DIR / "docs" / "benchmarks"
