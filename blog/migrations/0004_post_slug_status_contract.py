"""Step 1, contract: `slug` required, `published` dropped, a published post must have a date.

Runs once every release in service writes `slug` and `status` (0003 filled the old rows). On
PostgreSQL the NOT NULL and the check are proven by a validated NOT VALID constraint, so no
table scan happens under an exclusive lock; each statement commits on its own and reruns safely.
"""

from django.db import migrations, models

from common.migration_ops import AddCheckConstraintOnline, SetNotNullOnline


class Migration(migrations.Migration):

    # Each statement in its own transaction: locks are released between them.
    atomic = False

    dependencies = [
        ("blog", "0003_post_slug_status_backfill"),
    ]

    operations = [
        SetNotNullOnline(
            model_name="post",
            name="slug",
            field=models.SlugField(db_index=False, max_length=220),
        ),
        AddCheckConstraintOnline(
            model_name="post",
            constraint=models.CheckConstraint(
                condition=models.Q(status="draft") | models.Q(published_at__isnull=False),
                name="blog_post_published_has_date",
            ),
        ),
        migrations.RemoveField(
            model_name="post",
            name="published",
        ),
    ]
