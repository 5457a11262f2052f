"""Test helpers: query counts that must not grow with the page size, and a typed model factory.

Every list endpoint and admin changelist asserts, at two page sizes, that it costs the same
number of queries; a difference means an N+1 somewhere.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar
from unittest.mock import patch

from django.contrib import admin
from django.db import connection, transaction
from django.db.models import Model
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from factory.django import DjangoModelFactory

from common.exceptions import ServiceError
from common.models import AuditEntry, OutboxEvent

# CACHES pointing at a closed port: a real Redis outage for tests (connection refused at once).
# Use with `override_settings(CACHES=DOWN_CACHE)`.
DOWN_CACHE = {
    "default": {
        "BACKEND": "common.cache.backends.InstrumentedRedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {
            "CLIENT_CLASS": "django_redis.client.DefaultClient",
            "SOCKET_CONNECT_TIMEOUT": 0.25,
            "SOCKET_TIMEOUT": 0.25,
        },
    }
}


def count_queries(client: Client, url: str, **params: Any) -> tuple[int, Any]:
    """Queries run by one GET of `url` (the response must be 200)."""
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, params)
    assert response.status_code == 200, (response.status_code, getattr(response, "data", None))
    return len(context.captured_queries), response


def _describe(context: CaptureQueriesContext) -> str:
    return "\n".join(query["sql"][:300] for query in context.captured_queries)


def assert_constant_queries_for_page_sizes(
    client: Client, url: str, sizes: tuple[int, int] = (2, 10), **params: Any
) -> int:
    """GET `url` at two `page_size`s: same query count, each page really holding that many rows."""
    counts = []
    for size in sizes:
        with CaptureQueriesContext(connection) as context:
            response = client.get(url, {**params, "page_size": size})
        assert response.status_code == 200, (response.status_code, response.content[:500])
        rows = response.json()["results"]
        assert len(rows) == size, f"need at least {size} rows at {url} to compare, got {len(rows)}"
        counts.append((len(context.captured_queries), _describe(context)))
    (small, _), (large, large_sql) = counts
    assert small == large, f"{url}: {small} vs {large} queries at {sizes}\n{large_sql}"
    return small


def assert_constant_admin_changelist(
    client: Client,
    model: type[Model],
    sizes: tuple[int, int] = (2, 10),
    query: dict[str, str] | None = None,
) -> int:
    """The admin changelist of `model` (with `query`: a search or a filter) costs the same
    queries showing either number of rows."""
    model_admin = admin.site._registry[model]
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    counts = []
    for size in sizes:
        with (
            patch.object(model_admin, "list_per_page", size),
            CaptureQueriesContext(connection) as context,
        ):
            response = client.get(url, query or {})
        assert response.status_code == 200, response.status_code
        shown = len(response.context["cl"].result_list)
        assert shown == size, f"need at least {size} {model.__name__} rows, got {shown}"
        counts.append((len(context.captured_queries), _describe(context)))
    (small, _), (large, large_sql) = counts
    assert small == large, f"{model.__name__} changelist: {small} vs {large} queries\n{large_sql}"
    return small


_M = TypeVar("_M", bound=Model)


class ModelFactory(DjangoModelFactory[_M]):
    """A factory-boy model factory whose call, `PersonFactory(...)`, is typed as the model it
    saves (`class PersonFactory(ModelFactory[Person])`)."""

    class Meta:
        abstract = True

    if TYPE_CHECKING:
        # factory-boy's metaclass `__call__` returns the created model instance but is
        # unannotated, and mypy types a class call from `__new__`/`__init__` alone. mypy refuses a
        # `__new__` that returns something other than the class, hence the ignore; `create()` and
        # `build()` are already typed by factory-boy's generics.
        def __new__(cls, **kwargs: Any) -> _M:  # type: ignore[misc]
            ...


class Trail:
    """The audit entries and outbox events written since it was made, oldest first."""

    def __init__(self) -> None:
        self.audit_from = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first()
        self.outbox_from = OutboxEvent.objects.order_by("-id").values_list("id", flat=True).first()

    def audit(self) -> list[tuple[str, str, int]]:
        """(action, entity, entity id) of each new audit entry."""
        rows = AuditEntry.objects.filter(id__gt=self.audit_from or 0).order_by("id")
        return list(rows.values_list("action", "entity", "entity_id"))

    def outbox(self) -> list[tuple[str, int]]:
        """(kind, element id) of each new outbox event."""
        rows = OutboxEvent.objects.filter(id__gt=self.outbox_from or 0).order_by("id")
        return [(event.kind, event.payload["id"]) for event in rows]


def admin_url(model: type[Model], view: str, *args: Any) -> str:
    """The admin's URL of `view` (add, change, delete, changelist) for `model`."""
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def admin_bulk_delete(client: Client, model: type[Model], *objs: Model) -> Any:
    """Click "Delete selected" on `objs` and confirm, as a member of staff would."""
    return client.post(
        admin_url(model, "changelist"),
        {"action": "delete_selected", "_selected_action": [obj.pk for obj in objs], "post": "yes"},
    )


def record_outcome(call: Callable[[], object], outcomes: list[str]) -> None:
    """Run `call` in a racing thread and append its outcome: "ok" or the refusal's code."""
    try:
        call()
        outcomes.append("ok")
    except ServiceError as error:
        outcomes.append(error.code)
    except Exception as error:  # noqa: BLE001 - any other outcome must fail the test, visibly
        outcomes.append(f"unexpected {type(error).__name__}: {error}")
    finally:
        connection.close()  # this thread's own connection


LOCK_WAIT_BOUND = 30.0  # seconds; racers reach their lock waits in milliseconds


def _lock_waiters(cursor: Any) -> int:
    cursor.execute("SELECT pg_stat_clear_snapshot()")  # else one snapshot per transaction
    cursor.execute(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    return int(cursor.fetchone()[0])


def race_past_the_checks(model: type[Model], calls: Sequence[Callable[[], object]]) -> list[str]:
    """Run `calls` in threads, each on its own connection, with every insert into `model`'s
    table held (a SHARE lock, which reads pass) until each call waits on a lock: so every call
    has made its checks before any has written, and a missing row lock lets them all write. A
    race decided by that lock, every run, instead of by the scheduler's luck. Returns each
    call's outcome: "ok" or the refusal's code."""
    outcomes: list[str] = []
    threads = [threading.Thread(target=record_outcome, args=(call, outcomes)) for call in calls]
    table = connection.ops.quote_name(model._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {table} IN SHARE MODE")
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + LOCK_WAIT_BOUND
        while _lock_waiters(cursor) < len(calls):
            assert time.monotonic() < deadline, "the racers never all waited on a lock"
            time.sleep(0.01)
    for thread in threads:
        thread.join(timeout=LOCK_WAIT_BOUND)
    return outcomes
