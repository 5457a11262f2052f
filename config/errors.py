"""Error pages: JSON in the API's error format under /api/, Django's HTML pages elsewhere.

An unhandled database outage (OperationalError, InterfaceError, the breaker open) is a 503, not a
500, on every page: JSON in the API's one error shape under /api/ (DRF views already answer it
from `common.exceptions`; this covers everything else) and a plain page elsewhere. The page is a
string, not a template: rendering must not need anything that might be down.
"""

import sys

from django.http import HttpRequest, HttpResponse
from django.views import defaults

from common.exceptions import (
    is_database_outage,
    json_not_found,
    json_server_error,
    json_unavailable,
)

UNAVAILABLE_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>503 Service Unavailable</title></head>
<body><h1>Service Unavailable</h1>
<p>The database does not answer. Please try again in a moment.</p></body></html>
"""


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return json_not_found(request)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    # Django calls handler500 inside its `except` block: the exception being handled is at hand.
    if is_database_outage(sys.exc_info()[1]):
        if _is_api(request):
            return json_unavailable(request)
        return HttpResponse(UNAVAILABLE_PAGE, status=503, headers={"Retry-After": "1"})
    if _is_api(request):
        return json_server_error(request)
    return defaults.server_error(request)
