"""Step 1, expand: nullable `slug`, a `status` with a default, and `published_at`, beside `published`.

Adding nullable columns, or one with a constant database default (kept, so that code
which does not know `status` can still insert), is a catalogue change on PostgreSQL 11+:
no table rewrite, no long lock. `slug` gets no index yet; 0005 builds its unique index online.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("blog", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="post",
            name="slug",
            field=models.SlugField(db_index=False, max_length=220, null=True),
        ),
        migrations.AddField(
            model_name="post",
            name="status",
            field=models.CharField(
                choices=[("draft", "Draft"), ("published", "Published")],
                db_default="draft",
                default="draft",
                max_length=10,
            ),
        ),
        migrations.AddField(
            model_name="post",
            name="published_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
