"""The site's URLs plus the floor views `manage.py bench_http` compares the API with.

Served only by the gunicorn `bench_http` starts (`devtools.bench.settings`): production URLs never
carry these views. Each adds one layer to the one before, so the table shows what each layer
costs:

- `/bench/django/`: a plain Django view (the whole middleware stack, nothing else);
- `/bench/drf/`: a DRF view with no authentication, permission or throttle;
- `/bench/drf-token/`: the same with token authentication and `IsAuthenticated`;
- `/bench/drf-token-throttled/`: the same with the API's default throttles.
"""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.authentication import CachedTokenAuthentication
from common.throttling import AnonWindowThrottle, UserWindowThrottle

BODY = {"ok": True}


def plain(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b'{"ok": true}', content_type="application/json")


class PlainDrf(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []

    def get(self, request: Request) -> Response:
        return Response(BODY)


class TokenDrf(PlainDrf):
    authentication_classes = [CachedTokenAuthentication]
    permission_classes = [IsAuthenticated]


class TokenThrottledDrf(TokenDrf):
    throttle_classes = [AnonWindowThrottle, UserWindowThrottle]  # REST_FRAMEWORK's defaults


urlpatterns = [
    path("bench/django/", plain),
    path("bench/drf/", PlainDrf.as_view()),
    path("bench/drf-token/", TokenDrf.as_view()),
    path("bench/drf-token-throttled/", TokenThrottledDrf.as_view()),
    path("", include("config.urls")),
]

handler404 = "config.errors.not_found"
handler500 = "config.errors.server_error"
