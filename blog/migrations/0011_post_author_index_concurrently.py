"""Step 3, index: posts by author, newest first, built online (also serves the foreign key)."""

from django.db import migrations, models

from common.migration_ops import AddIndexConcurrentlyIfPostgres


class Migration(migrations.Migration):

    # CREATE INDEX CONCURRENTLY cannot run inside a transaction.
    atomic = False

    dependencies = [
        ("blog", "0010_author_profile_backfill"),
    ]

    operations = [
        AddIndexConcurrentlyIfPostgres(
            model_name="post",
            index=models.Index(fields=["author", "-published_at"], name="blog_post_author_pub_idx"),
        ),
    ]
