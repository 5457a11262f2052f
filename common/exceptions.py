"""One error format for every 4xx of the API, and the domain errors services raise.

Every error body is::

    {"error": {"status": 400, "code": "invalid", "message": "...", "fields": {"name": ["..."]}}}

`fields` is present when specific input fields are at fault. Services raise `ServiceError` (or a
subclass) or Django's `ValidationError`; views do not translate them, this handler does.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class ServiceError(Exception):
    """A business rule refused the request; `field` names the input at fault, if one is."""

    status_code: int = status.HTTP_400_BAD_REQUEST
    default_code = "invalid"

    def __init__(
        self, message: str, *, field: str | None = None, code: str | None = None, **extra: Any
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code or self.default_code
        self.extra = extra


class ConflictError(ServiceError):
    """The request is valid but clashes with the current state (e.g. a copy already lent)."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class ForbiddenError(ServiceError):
    """The caller may not do this (the access policy said no)."""

    status_code = status.HTTP_403_FORBIDDEN
    default_code = "permission_denied"


class NotFoundError(ServiceError):
    status_code = status.HTTP_404_NOT_FOUND
    default_code = "not_found"


class StoreUnavailable(ServiceError):
    """A store the request cannot do without is down."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "unavailable"


def error_body(
    status_code: int,
    code: str,
    message: str,
    fields: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    error: dict[str, Any] = {"status": status_code, "code": code, "message": message}
    if fields:
        error["fields"] = fields
    error.update(extra)
    return {"error": error}


DATABASE_DOWN = "The database does not answer."


def is_database_outage(error: BaseException | None) -> bool:
    """The system of record does not answer (refused, pool timeout, breaker open, dropped)."""
    return isinstance(error, (OperationalError, InterfaceError))


def _service_error_response(exc: ServiceError) -> Response:
    fields = {exc.field: [exc.message]} if exc.field else None
    body = error_body(exc.status_code, exc.code, exc.message, fields, **exc.extra)
    return Response(body, status=exc.status_code)


def _django_validation_response(exc: DjangoValidationError) -> Response:
    fields = exc.message_dict if hasattr(exc, "error_dict") else None
    message = "Invalid input." if fields else " ".join(exc.messages)
    body = error_body(status.HTTP_400_BAD_REQUEST, "invalid", message, fields)
    return Response(body, status=status.HTTP_400_BAD_REQUEST)


def _flatten_codes(codes: Any) -> str:
    while isinstance(codes, (list, dict)) and codes:
        codes = next(iter(codes.values())) if isinstance(codes, dict) else codes[0]
    return codes if isinstance(codes, str) else "error"


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF exception handler producing the single error format above."""
    if isinstance(exc, ServiceError):
        return _service_error_response(exc)
    if isinstance(exc, DjangoValidationError):
        return _django_validation_response(exc)
    if is_database_outage(exc):
        return _service_error_response(StoreUnavailable(DATABASE_DOWN))
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    # DRF answers only its own exceptions (Http404 and PermissionDenied became those above).
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    detail = exc.detail
    if isinstance(detail, dict) and "detail" not in detail:
        body = error_body(response.status_code, "invalid", "Invalid input.", detail)
    elif isinstance(detail, list):
        body = error_body(response.status_code, "invalid", " ".join(map(str, detail)))
    else:
        message = str(detail.get("detail", "") if isinstance(detail, dict) else detail)
        body = error_body(response.status_code, _flatten_codes(exc.get_codes()), message)
    response.data = body
    return response


def json_not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    body = error_body(404, "not_found", f"No API route matches {request.path}.")
    return JsonResponse(body, status=404)


def json_server_error(request: HttpRequest) -> JsonResponse:
    body = error_body(500, "server_error", "The server failed; the error was logged.")
    return JsonResponse(body, status=500)


def json_unavailable(request: HttpRequest) -> JsonResponse:
    body = error_body(503, StoreUnavailable.default_code, DATABASE_DOWN)
    return JsonResponse(body, status=503, headers={"Retry-After": "1"})


# A string, not a template: rendering must not need anything that might be down.
UNAVAILABLE_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>503 Service Unavailable</title></head>
<body><h1>Service Unavailable</h1>
<p>The database does not answer. Please try again in a moment.</p></body></html>
"""


def unavailable(request: HttpRequest) -> HttpResponse:
    """The database outage answer: JSON in the error shape under /api/, a plain page elsewhere."""
    if request.path.startswith("/api/"):
        return json_unavailable(request)
    return HttpResponse(UNAVAILABLE_PAGE, status=503, headers={"Retry-After": "1"})
