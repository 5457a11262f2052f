"""`manage.py graph_sync`: drain the outbox into Neo4j (idempotent MERGEs, oldest first)."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from common.models import OutboxEvent
from delegation.management.commands._graph import neo4j_backend


class Command(BaseCommand):
    help = "Project pending outbox events into Neo4j; safe to run again or concurrently."

    def handle(self, *args: Any, **options: Any) -> None:
        pending = OutboxEvent.objects.filter(processed_at__isnull=True).count()
        if settings.GRAPH_BACKEND != "neo4j":
            self.stdout.write(
                f"{pending} pending outbox events; NEO4J_BOLT_URL is not set, so the SQL "
                "backend answers from the tables and nothing needs projecting."
            )
            return
        applied = neo4j_backend().sync()
        self.stdout.write(self.style.SUCCESS(f"graph_sync: {applied} events applied"))
