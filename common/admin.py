"""Staff views of the shared records (the audit log and the outbox, read-only), and the base of
every admin whose deletes must go through a service."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from django import forms
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
        if refusals := self.delete_refusals(objs):
            # The page shows missing permissions before protected rows; a refusal is the real
            # reason (nothing would be deleted with them), so it is shown instead.
            perms_needed = set()
        return deleted, counts, perms_needed, [*refusals, *protected]

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self.delete_through_service(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        with transaction.atomic():  # all selected rows, or none
            for obj in queryset:
                self.delete_through_service(request, obj)


def form_fields(form: forms.ModelForm) -> dict[str, Any]:
    """The edited columns of the row (read-only fields are not in the form)."""
    return {name: form.cleaned_data[name] for name in form.fields if name in form.cleaned_data}


_M = TypeVar("_M", bound=models.Model)


def stored(obj: _M) -> _M:
    """The row as stored: the form has already applied its values to `obj`, and the service
    must see what it changes from (the audit entry's before)."""
    return type(obj)._default_manager.get(pk=obj.pk)


class ServiceWriteAdmin(ServiceDeleteAdmin):
    """Add and change forms save through the model's services as well as deletes: the service
    gets the form's columns (and, on a change, the row as stored), validates, writes and audits.
    Refusals a form can foresee belong in its `clean`, so they show beside the field."""

    def create_through_service(self, request: HttpRequest, fields: dict[str, Any]) -> Any:
        raise NotImplementedError

    def update_through_service(self, request: HttpRequest, obj: Any, fields: dict[str, Any]) -> Any:
        raise NotImplementedError

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            self.update_through_service(request, stored(obj), form_fields(form))
        else:
            obj.pk = self.create_through_service(request, form_fields(form)).pk
            obj._state.adding = False


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
