"""Step 3, contract: `Post.author` required and `Post.user` dropped; the profile is the byline."""

import django.db.models.deletion
from django.db import migrations, models
from django_migration_linter import IgnoreMigration


class Migration(migrations.Migration):

    dependencies = [
        ("blog", "0011_post_author_index_concurrently"),
    ]

    operations = [
        # The linter flags SET NOT NULL and DROP COLUMN as unsafe for code still running against
        # the old schema. Deliberate: 0010 set every author, and no release after 0009 reads
        # `Post.user`. SET NOT NULL scans the table once under its lock; accepted.
        IgnoreMigration(),
        migrations.AlterField(
            model_name="post",
            name="author",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="posts",
                to="blog.authorprofile",
            ),
        ),
        migrations.RemoveField(
            model_name="post",
            name="user",
        ),
    ]
