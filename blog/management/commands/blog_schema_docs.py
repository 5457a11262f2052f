"""`manage.py blog_schema_docs`: write docs/blog-schema-history.md from the steps and sqlmigrate.

Run it on PostgreSQL (the SQL the documentation shows); `--check` fails when the file is stale.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from blog.schema_history import history_with_sql, render_markdown

DEFAULT_PATH = Path(settings.BASE_DIR) / "docs" / "blog-schema-history.md"


class Command(BaseCommand):
    help = "Write the blog's schema history, with each migration's SQL, as Markdown."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", type=Path, default=DEFAULT_PATH)
        parser.add_argument(
            "--check", action="store_true", help="Fail if the file differs, write nothing."
        )

    def handle(self, *args: Any, output: Path, check: bool, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("Run this on PostgreSQL: the documentation shows its SQL.")
        text = render_markdown(history_with_sql())
        if check:
            if not output.is_file() or output.read_text() != text:
                raise CommandError(f"{output} is stale: run manage.py blog_schema_docs")
            self.stdout.write(f"{output} is up to date")
            return
        output.write_text(text)
        self.stdout.write(self.style.SUCCESS(f"wrote {output}"))
