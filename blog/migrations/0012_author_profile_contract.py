"""Step 3, contract: `Post.author` required and `Post.user` dropped; the profile is the byline.

On PostgreSQL the NOT NULL is proven by a validated NOT VALID check first (no scan under an
exclusive lock, and the foreign key is left alone rather than dropped and re-validated).
"""

import django.db.models.deletion
from django.db import migrations, models

from common.migration_ops import SetNotNullOnline


class Migration(migrations.Migration):

    # Each statement in its own transaction: locks are released between them.
    atomic = False

    dependencies = [
        ("blog", "0011_post_author_index_concurrently"),
    ]

    operations = [
        SetNotNullOnline(
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
