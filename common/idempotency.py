"""`Idempotency-Key` for API writes (Stripe's header; IETF draft-ietf-httpapi-idempotency-key).

A client that sends `Idempotency-Key: <key>` with a write and loses the answer (a 503 after the
server committed, a reset connection) retries with the same key and gets the original answer,
with `Idempotent-Replayed: true`, instead of writing twice. A view opts in by handing its work to
`respond_once(request, execute)`:

- the work and the stored answer (`common.IdempotentRequest`) share one transaction, so a
  committed write always has its stored answer and a rolled-back one none;
- the same key with the same method, path and body: the stored answer (status and JSON body);
- the same key with another method, path or body: 422 `idempotency_key_reused`;
- the same key while its first request is still in flight: 409 `idempotency_key_in_flight`
  (a transaction-scoped advisory lock on PostgreSQL says so at once; the unique (user, key)
  constraint is the backstop everywhere: the second writer rolls back, never two writes);
- a refusal the work raised (a `ServiceError` 4xx: 409 `copy_on_loan`, 400 limits) is stored
  and replayed like a success: the request was executed and that was its outcome. Input the
  serializer rejected (DRF's own 400) and outages (5xx) are not stored: nothing was executed,
  the client may correct or retry under the same key;
- without the header nothing changes. Keys belong to a user (an anonymous caller cannot use one)
  and expire after `IDEMPOTENCY_KEY_RETENTION` seconds (`manage.py idempotency_prune`).

Why not a package: none is in the lock, and those on PyPI (django-idempotency-key,
djangorestframework-idempotency-key, drf-idempotency) are middleware or decorators that store
the response after the view returned, outside the view's transaction (a commit whose stored
answer is lost is exactly the case this is for), or do not support Django 5.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from common.exceptions import ConflictError, ServiceError, api_exception_handler
from common.models import IdempotentRequest

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255

# For `extend_schema(parameters=[...], responses={..., **RESPONSES})` of an opted-in view.
PARAMETER = OpenApiParameter(
    HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description=(
        "A key of your choosing (a UUID) for this one logical write, at most 255 characters. "
        "Retried with the same key and body, the request is not executed again: the first "
        f"answer comes back with `{REPLAYED}: true`. Kept for `IDEMPOTENCY_KEY_RETENTION` "
        "(a day by default)."
    ),
)
RESPONSES = {
    422: OpenApiResponse(description="The Idempotency-Key was used for another request."),
}


class KeyReused(ServiceError):
    status_code = 422
    default_code = "idempotency_key_reused"


def respond_once(request: Request, execute: Callable[[], Response]) -> Response:
    """`execute()`'s answer, executed at most once per `Idempotency-Key` of the caller."""
    key = request.headers.get(HEADER)
    if key is None:
        return execute()
    user_id, key = _caller(request), _valid_key(key)
    fingerprint = _fingerprint(request)
    try:
        with transaction.atomic():
            _claim(user_id, key)
            stored = _stored(user_id, key)
            if stored is not None:
                return _replayed(stored, request, fingerprint)
            response = _executed(execute)
            _store(request, user_id, key, fingerprint, response)
            return response
    except IntegrityError as error:
        if not _is_key_clash(error):
            raise
        raise _in_flight() from error


def _caller(request: Request) -> int:
    """Keys are scoped to a user: the caller's id."""
    if not request.user.is_authenticated or request.user.pk is None:
        raise ServiceError("Sign in to use an Idempotency-Key.", field=HEADER)
    return int(request.user.pk)


def _valid_key(key: str) -> str:
    if not 0 < len(key) <= MAX_KEY_LENGTH:
        raise ServiceError(
            f"An Idempotency-Key has 1 to {MAX_KEY_LENGTH} characters.", field=HEADER
        )
    return key


def _fingerprint(request: Request) -> str:
    """The request's body as canonical JSON, hashed: key order and spacing do not matter."""
    body = json.dumps(request.data, cls=JSONEncoder, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


def _claim(user_id: int, key: str) -> None:
    """Hold (user, key) for this transaction, or answer 409 if another request holds it.

    Without this, PostgreSQL would make a second INSERT of the key wait for the first
    transaction to end; the advisory lock says "in flight" at once. Other databases rely on the
    unique constraint alone (SQLite serialises writers anyway)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_try_advisory_xact_lock(hashtextextended(%s, 0))", [f"idem:{user_id}:{key}"]
        )
        (held,) = cursor.fetchone()
    if not held:
        raise _in_flight()


def _in_flight() -> ConflictError:
    return ConflictError(
        "A request with this Idempotency-Key is in progress; retry after it ends.",
        field=HEADER,
        code="idempotency_key_in_flight",
    )


def _stored(user_id: int, key: str) -> IdempotentRequest | None:
    """The live row of (user, key); an expired one is deleted and the key starts afresh."""
    row = IdempotentRequest.objects.filter(user_id=user_id, key=key).first()
    if row is not None and row.created_at < expiry_cutoff():
        row.delete()
        return None
    return row


def expiry_cutoff() -> Any:
    return timezone.now() - timedelta(seconds=settings.IDEMPOTENCY_KEY_RETENTION)


def _replayed(stored: IdempotentRequest, request: Request, fingerprint: str) -> Response:
    same = (stored.method, stored.path, stored.body_hash) == (
        request.method,
        request.path,
        fingerprint,
    )
    if not same:
        raise KeyReused(
            "This Idempotency-Key was used for another request (method, path or body).",
            field=HEADER,
        )
    return Response(stored.body, status=stored.status, headers={REPLAYED: "true"})


def _executed(execute: Callable[[], Response]) -> Response:
    """`execute()`'s answer; a refusal it raised becomes its answer in the API's error shape
    (so it is stored), an outage stays an exception (rolled back, not stored)."""
    try:
        return execute()
    except (ServiceError, DjangoValidationError) as error:
        response = api_exception_handler(error, {})
        if response is None or response.status_code >= 500:
            raise
        return response


def _store(request: Request, user_id: int, key: str, fingerprint: str, response: Response) -> None:
    # The body as the renderer will write it, so the replay is the same JSON.
    response.data = json.loads(json.dumps(response.data, cls=JSONEncoder))
    IdempotentRequest.objects.create(
        user_id=user_id,
        key=key,
        method=request.method or "",
        path=request.path[:255],
        body_hash=fingerprint,
        status=response.status_code,
        body=response.data,
    )


def _is_key_clash(error: IntegrityError) -> bool:
    # PostgreSQL names the constraint; SQLite the columns.
    text = str(error)
    return "idempotentrequest_unique_user_key" in text or "common_idempotentrequest.key" in text


def prune(*, batch: int = 1000) -> int:
    """Delete the expired rows, `batch` at a time; how many went."""
    cutoff, deleted = expiry_cutoff(), 0
    while True:
        ids = list(
            IdempotentRequest.objects.filter(created_at__lt=cutoff)
            .order_by("created_at")
            .values_list("pk", flat=True)[:batch]
        )
        if not ids:
            return deleted
        deleted += IdempotentRequest.objects.filter(pk__in=ids).delete()[0]
