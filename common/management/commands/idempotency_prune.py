"""`manage.py idempotency_prune`: delete stored idempotent answers older than the retention.

An expired row already counts as absent (`common.idempotency`); this keeps the table small. Run
it daily (cron, a scheduler); it deletes in batches so no long lock is held.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from common import idempotency


class Command(BaseCommand):
    help = "Delete idempotency keys older than IDEMPOTENCY_KEY_RETENTION seconds."

    def handle(self, *args: Any, **options: Any) -> None:
        deleted = idempotency.prune()
        retention = settings.IDEMPOTENCY_KEY_RETENTION
        self.stdout.write(f"{deleted} idempotency keys older than {retention} s deleted")
