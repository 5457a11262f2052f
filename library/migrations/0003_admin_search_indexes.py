"""Indexes for the admin's search and filters, at the large seed's scale.

- `author_name_trgm`: GIN trigram on UPPER(name), the expression Django's `icontains` compiles
  to, so the search of books by an author's name is indexed (PostgreSQL only; SQLite searches
  the 5,000 names row by row).
- `event_barcode_search`: the circulation log by barcode as typed, equality and prefix.
- `hold_ready_search`: the hold shelf (ready holds, newest first).

Built CONCURRENTLY on PostgreSQL (the log and the holds take writes all day), hence
`atomic = False`.
"""

import django.contrib.postgres.indexes
import django.db.models.functions.text
from django.db import migrations, models

from common.migration_ops import AddIndexConcurrentlyIfPostgres, PostgreSQLOnly


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("library", "0002_integrity_messages_fine_waiver"),
    ]

    operations = [
        PostgreSQLOnly(
            AddIndexConcurrentlyIfPostgres(
                model_name="author",
                index=django.contrib.postgres.indexes.GinIndex(
                    django.contrib.postgres.indexes.OpClass(
                        django.db.models.functions.text.Upper("name"), name="gin_trgm_ops"
                    ),
                    name="author_name_trgm",
                ),
            )
        ),
        AddIndexConcurrentlyIfPostgres(
            model_name="circulationevent",
            index=models.Index(
                fields=["barcode"], name="event_barcode_search", opclasses=["varchar_pattern_ops"]
            ),
        ),
        AddIndexConcurrentlyIfPostgres(
            model_name="hold",
            index=models.Index(
                condition=models.Q(("status", "ready")),
                fields=["-placed_at"],
                name="hold_ready_search",
            ),
        ),
    ]
