"""Trigram indexes for the admin's search of people by any part of a name or email.

GIN trigram on UPPER(col): the expression Django's `icontains` compiles to on PostgreSQL
(`UPPER("col"::text) LIKE UPPER('%word%')`), so the plain lookup is indexed. PostgreSQL only,
built CONCURRENTLY (`atomic = False`); SQLite searches row by row. `pg_trgm` is created here too
if missing (library's 0001 creates it as well, and either may run first); the reverse leaves it,
since other indexes use it.
"""

import django.contrib.postgres.indexes
import django.db.models.functions.text
from django.db import migrations

from common.migration_ops import AddIndexConcurrentlyIfPostgres, PostgreSQLOnly


def _trigram(field: str, name: str) -> PostgreSQLOnly:
    return PostgreSQLOnly(
        AddIndexConcurrentlyIfPostgres(
            model_name="person",
            index=django.contrib.postgres.indexes.GinIndex(
                django.contrib.postgres.indexes.OpClass(
                    django.db.models.functions.text.Upper(field), name="gin_trgm_ops"
                ),
                name=name,
            ),
        )
    )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("people", "0002_integrity_messages_protect_history"),
    ]

    operations = [
        PostgreSQLOnly(
            migrations.RunSQL(
                "CREATE EXTENSION IF NOT EXISTS pg_trgm", reverse_sql=migrations.RunSQL.noop
            )
        ),
        _trigram("given_name", "person_given_name_trgm"),
        _trigram("family_name", "person_family_name_trgm"),
        _trigram("email", "person_email_trgm"),
    ]
