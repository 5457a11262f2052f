"""`manage.py graph_sync [--follow]`: drain the outbox into Neo4j, once or as a worker.

Once: applies what is pending and exits. `--follow`: the projection worker
(`delegation.graph.worker`), woken by PostgreSQL LISTEN/NOTIFY on outbox inserts, polling every
`--poll` seconds as a fallback, pruning events processed more than `--retention-days` ago, and
stopping cleanly (between batches) on SIGTERM or SIGINT.
"""

import signal
from datetime import timedelta
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from common.models import OutboxEvent
from delegation.graph.worker import Follower
from delegation.management.commands._graph import neo4j_backend


class Command(BaseCommand):
    help = "Project pending outbox events into Neo4j; --follow keeps doing it as a worker."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--follow", action="store_true", help="run as the projection worker")
        parser.add_argument(
            "--poll", type=float, default=5.0, help="seconds between drains without a NOTIFY"
        )
        parser.add_argument(
            "--retention-days",
            type=float,
            default=7.0,
            help="processed events older than this are pruned (with --follow)",
        )

    def handle(
        self, *args: Any, follow: bool, poll: float, retention_days: float, **options: Any
    ) -> None:
        pending = OutboxEvent.objects.filter(processed_at__isnull=True).count()
        if settings.GRAPH_BACKEND != "neo4j":
            self.stdout.write(
                f"{pending} pending outbox events; NEO4J_BOLT_URL is not set, so the SQL "
                "backend answers from the tables and nothing needs projecting."
            )
            return
        graph = neo4j_backend()
        if not follow:
            self.stdout.write(self.style.SUCCESS(f"graph_sync: {graph.sync()} events applied"))
            return
        worker = Follower(graph.sync, poll=poll, retention=timedelta(days=retention_days))

        def stop(signum: int, frame: FrameType | None) -> None:
            worker.stop.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write(f"graph_sync: following the outbox ({pending} pending)")
        worker.run()
        self.stdout.write(self.style.SUCCESS(f"graph_sync: stopped, {worker.applied} applied"))
