"""Step 1, backfill: slugs from titles, `status` and `published_at` from `published` and dates.

Batches of rows whose slug is still empty, each batch in its own short transaction, so a rerun
(or a run after a crash) carries on where it stopped. Reverse: `published` from `status`, and the
slug emptied again so that forwards recomputes it.
"""

from django.db import migrations, transaction
from django.db.models import Case, Value, When

from common.migration_ops import model_field_values, pk_batches, unique_slugs

SLUG_LENGTH = 220


def fill_slug_and_status(apps, schema_editor):
    Post = apps.get_model("blog", "Post")
    for pks in pk_batches(Post.objects.filter(slug__isnull=True)):
        with transaction.atomic():
            posts = list(Post.objects.filter(pk__in=pks).order_by("pk"))
            slugs = unique_slugs(
                ((post.pk, post.title) for post in posts),
                lambda candidates: model_field_values(Post, "slug", candidates),
                SLUG_LENGTH,
                "post",
            )
            for post in posts:
                post.slug = slugs[post.pk]
                post.status = "published" if post.published else "draft"
                post.published_at = post.created_at if post.published else None
            Post.objects.bulk_update(posts, ["slug", "status", "published_at"])


def restore_published_flag(apps, schema_editor):
    Post = apps.get_model("blog", "Post")
    for pks in pk_batches(Post.objects.all()):
        Post.objects.filter(pk__in=pks).update(
            published=Case(When(status="published", then=Value(True)), default=Value(False)),
            slug=None,
        )


class Migration(migrations.Migration):

    # One transaction per batch instead of one for the whole table.
    atomic = False

    dependencies = [
        ("blog", "0002_post_slug_status_expand"),
    ]

    operations = [
        migrations.RunPython(fill_slug_and_status, restore_published_flag),
    ]
