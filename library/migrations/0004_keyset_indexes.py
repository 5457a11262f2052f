"""Indexes for keyset pages: fines newest first, and the unreturned loans newest
first. Built online: the large seed has 113k fines and 500k loans, and circulation goes on."""

from django.db import migrations, models

from common.migration_ops import AddIndexConcurrentlyIfPostgres


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction.
    atomic = False

    dependencies = [
        ("library", "0003_admin_search_indexes"),
    ]

    operations = [
        AddIndexConcurrentlyIfPostgres(
            model_name="fine",
            index=models.Index(fields=["-assessed_at", "-id"], name="fine_assessed_idx"),
        ),
        AddIndexConcurrentlyIfPostgres(
            model_name="loan",
            index=models.Index(
                condition=models.Q(("returned_at__isnull", True)),
                fields=["-id"],
                name="loan_active_id_idx",
            ),
        ),
    ]
