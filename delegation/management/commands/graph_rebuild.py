"""`manage.py graph_rebuild`: wipe the Neo4j graph and project every SQL row again."""

from typing import Any

from django.core.management.base import BaseCommand

from delegation.management.commands._graph import neo4j_backend


class Command(BaseCommand):
    help = "Rebuild the Neo4j graph from the SQL system of record (after bulk loads or drift)."

    def handle(self, *args: Any, **options: Any) -> None:
        graph = neo4j_backend()
        graph.install_constraints()
        graph.rebuild()
        self.stdout.write(self.style.SUCCESS("graph_rebuild: done"))
