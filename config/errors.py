"""Error pages: JSON in the API's error format under /api/, Django's HTML pages elsewhere."""

from django.http import HttpRequest, HttpResponse
from django.views import defaults

from common.exceptions import json_not_found, json_server_error


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return json_not_found(request)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return json_server_error(request)
    return defaults.server_error(request)
