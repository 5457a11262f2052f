"""Step 2, copy: each comma-separated name in `tag_list` becomes a Tag and a link.

Names are trimmed and matched by slug ("Django", " django " and "DJANGO" are one tag; the first
spelling met, in post order, names it). Tags and links are inserted with ON CONFLICT DO NOTHING,
so a rerun adds nothing twice. Reverse: `tag_list` rebuilt from the links (names sorted, as a
many-to-many keeps no order) and the links removed.
"""

from django.db import migrations, transaction
from django.utils.text import slugify

from common.migration_ops import pk_batches

NAME_LENGTH, SLUG_LENGTH = 50, 60


def _parse(tag_list):
    """{slug: name} for the names in one post's `tag_list`, in the order written."""
    names = {}
    for raw in tag_list.split(","):
        name = " ".join(raw.split())[:NAME_LENGTH]
        slug = slugify(name)[:SLUG_LENGTH]
        if slug and slug not in names:
            names[slug] = name
    return names


def copy_tags_to_table(apps, schema_editor):
    Post = apps.get_model("blog", "Post")
    Tag = apps.get_model("blog", "Tag")
    Post_tags = apps.get_model("blog", "Post_tags")
    for pks in pk_batches(Post.objects.exclude(tag_list="")):
        with transaction.atomic():
            parsed = {
                pk: _parse(tag_list)
                for pk, tag_list in Post.objects.filter(pk__in=pks).values_list("pk", "tag_list")
            }
            wanted = {}
            for names in parsed.values():
                for slug, name in names.items():
                    wanted.setdefault(slug, name)
            Tag.objects.bulk_create(
                [Tag(slug=slug, name=name) for slug, name in wanted.items()],
                ignore_conflicts=True,
            )
            tag_ids = dict(Tag.objects.filter(slug__in=wanted).values_list("slug", "pk"))
            Post_tags.objects.bulk_create(
                [
                    Post_tags(post_id=pk, tag_id=tag_ids[slug])
                    for pk, names in parsed.items()
                    for slug in names
                ],
                ignore_conflicts=True,
            )


def copy_tags_back_to_text(apps, schema_editor):
    Post = apps.get_model("blog", "Post")
    Post_tags = apps.get_model("blog", "Post_tags")
    for pks in pk_batches(Post.objects.filter(tags__isnull=False).distinct()):
        with transaction.atomic():
            names = {pk: [] for pk in pks}
            links = Post_tags.objects.filter(post_id__in=pks).order_by("tag__name", "tag_id")
            for post_id, name in links.values_list("post_id", "tag__name"):
                names[post_id].append(name)
            posts = [Post(pk=pk, tag_list=", ".join(tags)) for pk, tags in names.items()]
            Post.objects.bulk_update(posts, ["tag_list"])
            Post_tags.objects.filter(post_id__in=pks).delete()


class Migration(migrations.Migration):

    # One transaction per batch instead of one for the whole table.
    atomic = False

    dependencies = [
        ("blog", "0006_tag_expand"),
    ]

    operations = [
        migrations.RunPython(copy_tags_to_table, copy_tags_back_to_text),
    ]
