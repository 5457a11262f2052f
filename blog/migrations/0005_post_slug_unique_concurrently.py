"""Step 1, indexes: slugs unique, and the published list served by an index, built online.

On PostgreSQL both indexes are built CONCURRENTLY (writes carry on); the unique index then
becomes the UNIQUE constraint with a brief lock. SQLite builds ordinary indexes.
"""

from django.db import migrations, models

from common.migration_ops import AddIndexConcurrentlyIfPostgres, AddUniqueConstraintConcurrently


class Migration(migrations.Migration):

    # CREATE INDEX CONCURRENTLY cannot run inside a transaction.
    atomic = False

    dependencies = [
        ("blog", "0004_post_slug_status_contract"),
    ]

    operations = [
        AddUniqueConstraintConcurrently(
            model_name="post",
            constraint=models.UniqueConstraint(fields=["slug"], name="blog_post_slug_uniq"),
        ),
        AddIndexConcurrentlyIfPostgres(
            model_name="post",
            index=models.Index(fields=["status", "-published_at"], name="blog_post_status_pub_idx"),
        ),
    ]
