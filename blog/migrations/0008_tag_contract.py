"""Step 2, contract: the free-text `tag_list` column is dropped; tags live in the Tag table."""

from django.db import migrations
from django_migration_linter import IgnoreMigration


class Migration(migrations.Migration):

    dependencies = [
        ("blog", "0007_tag_copy"),
    ]

    operations = [
        # The linter flags DROP COLUMN because code still running could read it. Deliberate:
        # 0007 copied every tag, and no release after 0006 reads `tag_list`.
        IgnoreMigration(),
        migrations.RemoveField(
            model_name="post",
            name="tag_list",
        ),
    ]
