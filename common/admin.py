"""Staff views of the shared records (the audit log and the outbox, read-only), and the base of
every admin whose deletes must go through a service."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.contrib import admin
from django.db import models, transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from common.changelists import ScaledAdmin, year_filter
from common.exceptions import ServiceError
from common.models import AuditEntry, OutboxEvent
from common.outbox import ELEMENTS
from common.validation import refuse_while_referenced


class ServiceDeleteAdmin(admin.ModelAdmin):
    """The delete view and "Delete selected" both delete through `delete_through_service`, one
    row at a time, so each deleted row leaves its audit entry and outbox event. A delete the
    service would refuse is refused up front: Django's "cannot delete" page lists the reason
    with the protected objects, and nothing is deleted."""

    def delete_through_service(self, request: HttpRequest, obj: Any) -> None:
        raise NotImplementedError

    def delete_refusals(self, objs: Iterable[models.Model]) -> list[str]:
        """Why the service would refuse to delete some of `objs` (the default: still referenced)."""
        refusals = []
        for obj in objs:
            try:
                refuse_while_referenced(obj)
            except ServiceError as error:
                refusals.append(error.message)
        return refusals

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> tuple[Any, ...]:
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        return deleted, counts, perms_needed, [*self.delete_refusals(objs), *protected]

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self.delete_through_service(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        with transaction.atomic():  # all selected rows, or none
            for obj in queryset:
                self.delete_through_service(request, obj)


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records nobody edits by hand: the audit log and the outbox are written by services."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class EntityFilter(admin.SimpleListFilter):
    """The audited kinds of row, from the app registry: Django's filter on a text column lists
    its values with `SELECT DISTINCT entity` over the whole (ever-growing) log."""

    title = "entity"
    parameter_name = "entity"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        names = {str(model._meta.model_name) for label in PROJECT_APPS for model in _models(label)}
        return [(name, name) for name in sorted(names)]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(entity=self.value()) if self.value() else queryset


class KindFilter(admin.SimpleListFilter):
    """The outbox's event kinds, from the projected models (`common.outbox.ELEMENTS`), not from
    `SELECT DISTINCT kind` over the table."""

    title = "kind"
    parameter_name = "kind"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        kinds = [f"{spec.name}.{verb}" for spec in ELEMENTS.values() for verb in VERBS]
        return [(kind, kind) for kind in sorted(kinds)]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(kind=self.value()) if self.value() else queryset


# The apps whose services write audit entries.
PROJECT_APPS = ("people", "delegation", "school", "library", "blog")
VERBS = ("upsert", "delete")


def _models(label: str) -> list[type[models.Model]]:
    return list(apps.get_app_config(label).get_models())


@admin.register(AuditEntry)
class AuditEntryAdmin(ScaledAdmin, ReadOnlyAdmin):
    """No `date_hierarchy` (the log grows without bound, and it lists the years present with
    `SELECT DISTINCT` over every entry): a year filter that reads MIN and MAX of `at`."""

    list_display = ["at", "actor", "action", "entity", "entity_id"]
    list_select_related = ["actor"]
    list_filter = [EntityFilter, "action", year_filter("at", "year")]


@admin.register(OutboxEvent)
class OutboxEventAdmin(ScaledAdmin, ReadOnlyAdmin):
    list_display = ["id", "created_at", "kind", "processed_at"]
    list_filter = [KindFilter]
