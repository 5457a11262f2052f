"""Indexes for who-can's candidates: the delegations lending a grant that are
still valid at T, keyed by the grant and by when the delegation stops counting (the earlier of
`expires_at` and `revoked_at`, `models.VALID_UNTIL`), so a rare grant's candidates cost only its
valid rows however much expired history the table holds.

Built CONCURRENTLY on PostgreSQL (delegations take writes while it builds), hence
`atomic = False`. PostgreSQL only: the expression ends at 'infinity', which SQLite does not
have, and SQLite's who-can does not use it (its plans are loops of index probes anyway).
"""

import django.db.models.functions.comparison
from django.db import migrations, models

from common.migration_ops import AddIndexConcurrentlyIfPostgres, PostgreSQLOnly


def valid_until() -> django.db.models.functions.comparison.Least:
    # A copy of models.VALID_UNTIL as it is today: a migration must not follow later edits.
    never = [
        django.db.models.functions.comparison.Coalesce(
            models.F(field),
            django.db.models.functions.comparison.Cast(
                models.Value("infinity"), models.DateTimeField()
            ),
        )
        for field in ("expires_at", "revoked_at")
    ]
    return django.db.models.functions.comparison.Least(*never)


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction.
    atomic = False

    dependencies = [
        ("delegation", "0004_integrity_messages_protect_history"),
    ]

    operations = [
        PostgreSQLOnly(
            AddIndexConcurrentlyIfPostgres(
                model_name="delegation",
                index=models.Index(
                    models.F("permission"),
                    valid_until(),
                    models.F("delegatee"),
                    condition=models.Q(("permission__isnull", False)),
                    name="delegation_perm_until_idx",
                ),
            )
        ),
        PostgreSQLOnly(
            AddIndexConcurrentlyIfPostgres(
                model_name="delegation",
                index=models.Index(
                    models.F("role"),
                    valid_until(),
                    models.F("delegatee"),
                    condition=models.Q(("role__isnull", False)),
                    name="delegation_role_until_idx",
                ),
            )
        ),
    ]
