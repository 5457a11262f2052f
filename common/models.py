"""Tables every app writes through its services: the audit log and the outbox.

Both were born in `delegation` and moved here (tables renamed in place, see
`delegation/migrations/0002_move_audit_outbox_to_common.py`) so that `people` and the other apps
can audit and publish changes without importing `delegation`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone


class AuditEntry(models.Model):
    """Append-only record of one change to an audited row: who, when, what, before and after."""

    class Action(models.TextChoices):
        CREATE = "create", "Create"
        UPDATE = "update", "Update"
        DELETE = "delete", "Delete"
        REVOKE = "revoke", "Revoke"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=10, choices=Action.choices)
    # The model's name (`person`, `delegation`...): unique across the project's audited models.
    entity = models.CharField(max_length=40)
    entity_id = models.BigIntegerField()
    # The object's `str()` when the entry was written (Django's LogEntry keeps `object_repr`
    # for the same reasons): the admin names rows without a query each, deleted ones too.
    object_repr = models.CharField(max_length=200, blank=True, default="", db_default="")
    before = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["entity", "entity_id"], name="auditentry_entity_idx")]

    def __str__(self) -> str:
        return f"{self.action} {self.object_repr or self.entity} (#{self.entity_id})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("audit entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError("audit entries are append-only")


class OutboxEvent(models.Model):
    """A change to a projected row, written in the same transaction as the row (see
    `common.outbox`). A projector (the graph's `graph_sync`) applies pending events in id order
    and stamps `processed_at`; replaying an event gives the same projection."""

    created_at = models.DateTimeField(auto_now_add=True)
    kind = models.CharField(max_length=40)
    payload = models.JSONField(encoder=DjangoJSONEncoder)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["id"], condition=Q(processed_at__isnull=True), name="outbox_pending_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"


class PendingInvalidation(models.Model):
    """Cache generation keys a committed write must replace (`common.cache.readthrough`).

    Written in the same transaction as the write, deleted once Redis has the new generations: a
    write whose invalidation could not reach Redis leaves its row, and the rows are applied before
    the cache serves again (when its breaker's probe finds Redis back), so no outage loses an
    invalidation."""

    created_at = models.DateTimeField(auto_now_add=True)
    family = models.CharField(max_length=100)
    keys = models.JSONField()
    # Seconds the new generation tokens must live (they outlive every value of the family).
    timeout = models.PositiveIntegerField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.family}: {len(self.keys)} keys"


class IdempotentRequest(models.Model):
    """The answer a write gave under a client's `Idempotency-Key` (`common.idempotency`).

    Written in the write's own transaction: a committed write always has its stored answer, a
    rolled-back one none, so a client that lost the answer in transit retries with the same key
    and is told the outcome instead of writing twice. One row per (user, key)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=255)
    # sha256 of the request's parsed body as canonical JSON: the same key with another body is
    # another request, refused (422), not replayed.
    body_hash = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    body = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "key"],
                name="idempotentrequest_unique_user_key",
                violation_error_message="This idempotency key was already used.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}] -> {self.status}"
