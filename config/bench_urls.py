"""The site's URLs plus the floor views `manage.py bench_http` compares the API with.

Served only when `DJANGO_BENCH_URLS=true` (`settings.BENCH_URLS`, which `bench_http` sets for the
gunicorn it starts): production URLs never carry these views. Each adds one layer to the one
before, so the table shows what each layer costs:

- `/bench/django/`: a plain Django view (the whole middleware stack, nothing else);
- `/bench/drf/`: a DRF view with no authentication, permission or throttle;
- `/bench/drf-token/`: the same with token authentication and `IsAuthenticated`;
- `/bench/drf-token-throttled/`: the same with the API's default throttles.
"""

from typing import Any, ClassVar

from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from common.authentication import CachedTokenAuthentication

BODY = {"ok": True}


def plain(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b'{"ok": true}', content_type="application/json")


class PlainDrf(APIView):
    authentication_classes: ClassVar[list[Any]] = []
    permission_classes: ClassVar[list[Any]] = [AllowAny]
    throttle_classes: ClassVar[list[Any]] = []

    def get(self, request: Request) -> Response:
        return Response(BODY)


class TokenDrf(PlainDrf):
    authentication_classes: ClassVar[list[Any]] = [CachedTokenAuthentication]
    permission_classes: ClassVar[list[Any]] = [IsAuthenticated]


class TokenThrottledDrf(TokenDrf):
    throttle_classes: ClassVar[list[Any]] = list(api_settings.DEFAULT_THROTTLE_CLASSES)


urlpatterns = [
    path("bench/django/", plain),
    path("bench/drf/", PlainDrf.as_view()),
    path("bench/drf-token/", TokenDrf.as_view()),
    path("bench/drf-token-throttled/", TokenThrottledDrf.as_view()),
    path("", include("config.urls")),
]

handler404 = "config.errors.not_found"
handler500 = "config.errors.server_error"
