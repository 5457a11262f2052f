"""Error pages: JSON in the API's error format under /api/, Django's HTML pages elsewhere.

An unhandled database outage (OperationalError, InterfaceError, the breaker open) is a 503, not a
500, on every page: JSON in the API's one error shape under /api/ (DRF views already answer it
from `common.exceptions`; a view's outage is answered by `common.middleware.
DatabaseOutageMiddleware`; this covers what fails outside views) and a plain page elsewhere.
"""

import sys

from django.http import HttpRequest, HttpResponse
from django.views import defaults

from common.exceptions import (
    is_database_outage,
    json_not_found,
    json_server_error,
    unavailable,
)


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return json_not_found(request)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    # Django calls handler500 inside its `except` block: the exception being handled is at hand.
    if is_database_outage(sys.exc_info()[1]):
        return unavailable(request)
    if _is_api(request):
        return json_server_error(request)
    return defaults.server_error(request)
