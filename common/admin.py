"""Staff views of the shared records (the audit log and the outbox, read-only), and the base of
every admin whose deletes must go through a service."""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from typing import Any, TypeVar

from django import forms
from django.apps import apps
from django.contrib import admin
from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join
from django.utils.module_loading import module_has_submodule

from common.changelists import IndexedSearchAdmin, year_filter
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
        return [(name, name) for name in sorted(_audited_models())]

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


VERBS = ("upsert", "delete")


@cache
def _audited_models() -> dict[str, type[models.Model]]:
    """Audited model by the name an entry stores (`person`, `delegation`...): the models of the
    apps with a `services` module, whose services write the audit entries (ARCHITECTURE.md's
    shape of an app). The app registry is fixed once Django has started, hence the cache."""
    audited = [c for c in apps.get_app_configs() if module_has_submodule(c.module, "services")]
    return {str(m._meta.model_name): m for config in audited for m in config.get_models()}


def _change_url(entry: AuditEntry) -> str:
    """The admin page of an entry's object (no query: a deleted object's page says so)."""
    model = _audited_models().get(entry.entity)
    if model is None or entry.action == AuditEntry.Action.DELETE:
        return ""
    try:
        return reverse(
            f"admin:{model._meta.app_label}_{entry.entity}_change", args=[entry.entity_id]
        )
    except NoReverseMatch:  # a model without an admin page (a role's grant)
        return ""


def _shown(value: Any) -> str:
    if value is None:
        return "—"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


@admin.register(AuditEntry)
class AuditEntryAdmin(IndexedSearchAdmin, ReadOnlyAdmin):
    """No `date_hierarchy` (the log grows without bound, and it lists the years present with
    `SELECT DISTINCT` over every entry): a year filter that reads MIN and MAX of `at`.

    Each entry names its object as it was called when written (`object_repr`, as Django's own
    LogEntry does: no query per row, and a deleted object keeps its name) and links to it; its
    page shows before and after field by field, the changed fields first."""

    list_display = ["at", "actor", "action", "entity", "object"]
    list_select_related = ["actor"]
    list_filter = [EntityFilter, "action", year_filter("at", "year")]
    fields = readonly_fields = ("at", "actor", "action", "entity", "object", "changes")
    search_fields = ["entity", "entity_id", "actor__username"]
    search_help_text = (
        "An id (42), a kind and an id (person 42), a kind (loan) or the username of who "
        "made the change (the entity index and the actor's key)."
    )

    def search_conditions(self, term: str) -> list[Q]:
        words = term.split()
        kinds = [w.lower() for w in words if w.lower() in _audited_models()]
        numbers = [int(w) for w in words if w.isdigit() and int(w) < 2**63]
        conditions = [Q(entity__in=kinds)] if kinds else []
        if numbers:
            conditions = [Q(entity_id__in=numbers, **({"entity__in": kinds} if kinds else {}))]
        if not kinds and not numbers:
            conditions = [Q(actor__username=term)]
        return conditions

    @admin.display(description="object")
    def object(self, entry: AuditEntry) -> str:
        label = f"{entry.object_repr or entry.entity} (#{entry.entity_id})"
        url = _change_url(entry)
        return format_html('<a href="{}">{}</a>', url, label) if url else label

    @admin.display(description="before → after")
    def changes(self, entry: AuditEntry) -> str:
        """Every field of the snapshots, changed ones first and marked."""
        before, after = entry.before or {}, entry.after or {}
        names = list(dict.fromkeys([*before, *after]))
        changed = [n for n in names if before.get(n) != after.get(n)]
        same = [n for n in names if n not in changed]
        rows = format_html_join(
            "",
            '<tr class="{}"><th scope="row">{}</th><td>{}</td><td>{}</td></tr>',
            (
                (
                    "changed" if name in changed else "",
                    name,
                    _shown(before.get(name)),
                    _shown(after.get(name)),
                )
                for name in changed + same
            ),
        )
        return format_html(
            '<table class="audit-diff"><thead><tr><th>field</th><th>before</th><th>after</th>'
            "</tr></thead><tbody>{}</tbody></table><p>{} changed: {}</p>",
            rows,
            len(changed),
            ", ".join(changed) or "none",
        )


@admin.register(OutboxEvent)
class OutboxEventAdmin(IndexedSearchAdmin, ReadOnlyAdmin):
    list_display = ["id", "created_at", "kind", "processed_at"]
    list_filter = [KindFilter]
    search_fields = ["id", "kind"]
    search_help_text = "An event's position (its id), or the beginning of its kind (person.)."

    def search_conditions(self, term: str) -> list[Q]:
        if term.isdigit():
            return [Q(pk=int(term))] if int(term) < 2**63 else []
        return [Q(kind__startswith=term.lower())]
