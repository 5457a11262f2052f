"""Step 2, contract: the free-text `tag_list` column is dropped; tags live in the Tag table."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("blog", "0007_tag_copy"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="post",
            name="tag_list",
        ),
    ]
