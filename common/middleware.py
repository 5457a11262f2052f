"""Gates every request passes before any app sees it: hostile input is answered with a 4xx (in
the API's error shape under /api/) instead of reaching code that would fail with a 500."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from common import consistency, outbox
from common.db import replica
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


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ADMIN_PREFIX = "/admin/"  # the admin and its circulation desk (config/urls.py)


class ConsistencyTokenMiddleware:
    """Read-your-writes across the graph and the read replica (`common.consistency`).

    A successful request that wrote answers with its consistency token in `Consistency-Token`
    (pages also keep it in the session): the newest outbox position it committed (noted from
    `on_commit`, so a rolled-back write hands out none) and, with a replica, the primary's WAL
    position after its commits. A later read sends it back (the header, or the session on
    pages): its reads go to the replica only once it has replayed that far
    (`common.db.replica`), and the graph's check takes it as `at_least_as_fresh:<token>`. A
    malformed token is a 400. A read the replica failed under (it hung or broke mid-request: a
    503) is answered again from the primary; only safe requests read from a replica."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            asked = _asked_token(request)
        except ValueError as error:
            return _refuse(request, 400, "invalid", f"{consistency.HEADER}: {error}")
        outbox.forget_committed()
        lsn = asked.lsn if asked else None
        with replica.request_route(lsn=lsn, pinned=_pinned(request)) as route:
            response = self.get_response(request)
            wrote = route.wrote and response.status_code < 400
            lsn = replica.commit_lsn() if wrote and replica.enabled() else None
        if replica.failed_under(route, response.status_code):  # a safe request: ask again
            with replica.request_route(lsn=None, pinned="replica_down"):
                response = self.get_response(request)
        position = outbox.committed_position()
        if (position is None and lsn is None) or response.status_code >= 400:
            return response
        token = consistency.Token(position or 0, lsn)
        response[consistency.HEADER] = str(token)
        if lsn is not None and not is_api(request) and getattr(request, "session", None):
            request.session[consistency.SESSION_KEY] = str(token)
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


def _asked_token(request: HttpRequest) -> consistency.Token | None:
    """The token the request carries: its header, else (pages) the one its session keeps."""
    text = request.headers.get(consistency.HEADER)
    if text is None and not is_api(request) and settings.SESSION_COOKIE_NAME in request.COOKIES:
        text = getattr(request, "session", {}).get(consistency.SESSION_KEY)
    return None if text is None else consistency.parse(text)


def _pinned(request: HttpRequest) -> str:
    """Why the request's reads must be on the primary ("" when they need not)."""
    if request.method not in SAFE_METHODS:
        return "write_request"
    if request.path.startswith(ADMIN_PREFIX):
        return "admin"
    return ""
