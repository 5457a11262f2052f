"""Operational API endpoints and the /api/ index."""

from importlib import import_module

from django.core.cache import cache
from django.urls import NoReverseMatch, URLPattern, URLResolver, reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.cache.counters import counters
from common.cache.readthrough import family_ttl
from common.health import system_health

_store = inline_serializer(
    "StoreHealth",
    {
        "status": serializers.ChoiceField(choices=["up", "down"]),
        "latency_ms": serializers.FloatField(),
        "backend": serializers.CharField(),
        "error": serializers.CharField(required=False),
    },
)
_health = inline_serializer(
    "Health",
    {
        "status": serializers.ChoiceField(choices=["ok", "degraded", "down"]),
        "degraded": serializers.ListField(child=serializers.CharField(), required=False),
        "message": serializers.CharField(required=False),
        "stores": serializers.DictField(child=_store),
        "schema": inline_serializer(
            "SchemaState",
            {
                "status": serializers.ChoiceField(choices=["current", "pending"]),
                "pending": serializers.ListField(child=serializers.CharField()),
            },
            required=False,
        ),
    },
)


class HealthView(APIView):
    """State and latency of each store; 200 while the database answers, 503 when it does not."""

    permission_classes = [AllowAny]
    throttle_classes: list = []  # monitors poll this; throttling would need the cache it probes

    @extend_schema(responses={200: _health, 503: OpenApiResponse(_health, "Database down")})
    def get(self, request: Request) -> Response:
        status_code, body = system_health()
        return Response(body, status=status_code)


_family_counts = inline_serializer(
    "CacheFamilyCounts",
    {
        "hit": serializers.IntegerField(),
        "stale": serializers.IntegerField(),
        "miss": serializers.IntegerField(),
        "invalidation": serializers.IntegerField(),
        "error": serializers.IntegerField(),
        "hit_ratio": serializers.FloatField(allow_null=True),
        "ttl": serializers.IntegerField(),
    },
)
_cache_stats = inline_serializer(
    "CacheStats",
    {
        "backend": serializers.CharField(),
        "scope": serializers.ChoiceField(
            choices=["workers", "process"],
            help_text="`workers`: summed over every gunicorn worker since the server started; "
            "`process`: this process alone, since it started (no PROMETHEUS_MULTIPROC_DIR).",
        ),
        "families": serializers.DictField(child=_family_counts),
    },
)


class CacheStatsView(APIView):
    """Hit, stale, miss, invalidation and error counts per cache family, over every worker.

    The same counters `/metrics` serves as `campus_cache_events_total`.
    """

    permission_classes = [IsAdminUser]

    @extend_schema(responses=_cache_stats)
    def get(self, request: Request) -> Response:
        snapshot = counters.snapshot()
        for name, counts in snapshot["families"].items():
            counts["ttl"] = family_ttl(name)
        backend = getattr(cache, "backend_name", type(cache).__name__)
        return Response({"backend": backend, **snapshot})


_api_index = inline_serializer(
    "ApiIndex",
    {
        "links": serializers.DictField(
            child=serializers.URLField(), help_text="Schema, docs, health and operations."
        ),
        "apps": serializers.DictField(
            child=serializers.DictField(child=serializers.URLField()),
            help_text="Per app, every route that takes no path parameter, by route name.",
        ),
    },
)


def _parameterless_url(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:  # the route needs a path parameter (a detail or an action)
        return None


def _named_urls(request: Request, patterns: list, namespace: str = "") -> dict[str, str]:
    """Absolute URL of every named route among `patterns` that takes no path parameter."""
    prefix = f"{namespace}:" if namespace else ""
    named = (p.name for p in patterns if isinstance(p, URLPattern) and p.name)
    urls = {name: _parameterless_url(prefix + name) for name in named}
    return {name: request.build_absolute_uri(url) for name, url in urls.items() if url}


class ApiIndexView(APIView):
    """What the API offers: each app's routes and the schema, docs and health, read from the
    URLconf so that a new route shows up here without being listed twice."""

    permission_classes = [AllowAny]
    urlconf = ""  # the module whose urlpatterns this index lists, set in as_view()

    @extend_schema(responses=_api_index, operation_id="api_index")
    def get(self, request: Request) -> Response:
        patterns = import_module(self.urlconf).urlpatterns
        own_name = request.resolver_match.url_name if request.resolver_match else None
        links = {n: url for n, url in _named_urls(request, patterns).items() if n != own_name}
        apps = {
            str(entry.pattern).strip("/"): _named_urls(
                request, entry.url_patterns, entry.namespace or ""
            )
            for entry in patterns
            if isinstance(entry, URLResolver)
        }
        return Response({"links": links, "apps": apps})
