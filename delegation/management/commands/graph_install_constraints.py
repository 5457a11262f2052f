"""`manage.py graph_install_constraints`: uniqueness constraints of every node and edge key."""

from typing import Any

from django.core.management.base import BaseCommand

from delegation.management.commands._graph import neo4j_backend


class Command(BaseCommand):
    help = "Install the Neo4j uniqueness constraints and indexes the graph schema declares."

    def handle(self, *args: Any, **options: Any) -> None:
        installed = neo4j_backend().install_constraints()
        self.stdout.write(self.style.SUCCESS(f"constraints installed for {', '.join(installed)}"))
