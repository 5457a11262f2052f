"""Staff views of the shared records: the audit log and the outbox, read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from common.models import AuditEntry, OutboxEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records nobody edits by hand: the audit log and the outbox are written by services."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor", "action", "entity", "entity_id"]
    list_select_related = ["actor"]
    list_filter = ["entity", "action"]
    date_hierarchy = "at"


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnlyAdmin):
    list_display = ["id", "created_at", "kind", "processed_at"]
    list_filter = ["kind"]
