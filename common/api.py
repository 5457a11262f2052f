"""Operational API endpoints."""

from django.core.cache import cache
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
