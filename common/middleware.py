"""Gates every request passes before any app sees it: hostile input is answered with a 4xx (in
the API's error shape under /api/) instead of reaching code that would fail with a 500."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from common import outbox
from common.exceptions import error_body, is_database_outage, json_not_found, unavailable

Handler = Callable[[HttpRequest], HttpResponse]


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _refuse(request: HttpRequest, status: int, code: str, message: str) -> HttpResponse:
    if is_api(request):
        return JsonResponse(error_body(status, code, message), status=status)
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


class RequestHygieneMiddleware:
    """NUL in the path: 404 (no route has one; PostgreSQL cannot even compare it). NUL in the
    query string: 400. A declared body above DATA_UPLOAD_MAX_MEMORY_SIZE: 413, before anything
    reads it."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path:
            return _refuse(request, 404, "not_found", "No route has a NUL character.")
        if any("\x00" in key + "".join(values) for key, values in request.GET.lists()):
            return _refuse(request, 400, "invalid", "A query parameter holds a NUL character.")
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and _declared_length(request) > limit:
            return _refuse(request, 413, "too_large", f"The body is over {limit} bytes.")
        return self.get_response(request)


class ApiNotFoundMiddleware:
    """Unknown /api/ routes answer the JSON 404 under DEBUG too (where Django would render its
    technical HTML page instead of calling `handler404`)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        html = response.get("Content-Type", "").startswith("text/html")
        if response.status_code == 404 and html and is_api(request):
            return json_not_found(request)
        return response


CONSISTENCY_HEADER = "Consistency-Token"


class ConsistencyTokenMiddleware:
    """A successful request whose writes committed outbox events answers with the newest one's
    position in `Consistency-Token` (after Zanzibar's zookies): a later question can ask for a
    graph at least that fresh (`consistency=at_least_as_fresh:<token>` on the check endpoint).
    Only committed events count (they are noted from `on_commit`), so a rolled-back write
    never hands out a token."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        outbox.forget_committed()
        response = self.get_response(request)
        position = outbox.committed_position()
        if position is not None and response.status_code < 400:
            response[CONSISTENCY_HEADER] = outbox.token(position)
        return response


class DatabaseOutageMiddleware:
    """A view that meets a database outage answers the 503 here, as the error handler would,
    but before Django logs it as an uncaught exception: one log line per request (Django's
    "Service Unavailable"), not three chained tracebacks, whose formatting stretched every
    page's 503 while the machine was busy."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        return unavailable(request) if is_database_outage(exception) else None
