"""The database router of a primary with a read replica (`DATABASE_REPLICA_URL`).

Writes, and every read inside `transaction.atomic` or `select_for_update` (Django sends both
through `db_for_write` or holds them on the primary's open transaction), go to the primary;
other reads where `common.db.replica.read_alias` says. Migrations run on the primary only (the
replica replays them). Some tables are always read on the primary, whoever asks:
"""

from __future__ import annotations

from typing import Any

from django.db import models

from common.db import replica

PRIMARY_ONLY = frozenset(
    {
        # The outbox's drain and its lag gauges: read where the writers commit.
        "common.OutboxEvent",
        "common.PendingInvalidation",
        # Who the caller is, just after signing in or taking a token: no token can ask for it
        # yet (the session is where a page's token is kept).
        "sessions.Session",
        "authtoken.Token",
        "axes.AccessAttempt",
        "axes.AccessFailureLog",
        "axes.AccessLog",
    }
)


class ReplicaRouter:
    def db_for_read(self, model: type[models.Model], **hints: Any) -> str:
        if model._meta.label in PRIMARY_ONLY:
            return replica.PRIMARY
        return replica.read_alias()

    def db_for_write(self, model: type[models.Model], **hints: Any) -> str:
        replica.note_write()
        return replica.PRIMARY

    def allow_relation(self, obj1: models.Model, obj2: models.Model, **hints: Any) -> bool:
        """Rows read from either copy are the same rows."""
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == replica.PRIMARY
