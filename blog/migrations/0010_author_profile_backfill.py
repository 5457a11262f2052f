"""Step 3, backfill: a profile for every user who wrote a post, and each post pointed at it.

Batches of posts without an author: profiles for their users are inserted with ON CONFLICT DO
NOTHING (display name from the user's full name, else the username; slug from the username),
then one UPDATE per batch sets `author` from `user`. Reverse: `user` set from `author`.
"""

from django.db import migrations, transaction
from django.db.models import OuterRef, Subquery

from common.migration_ops import model_field_values, pk_batches, unique_slugs

SLUG_LENGTH = 160


def create_profiles_and_link(apps, schema_editor):
    Post = apps.get_model("blog", "Post")
    AuthorProfile = apps.get_model("blog", "AuthorProfile")
    for pks in pk_batches(Post.objects.filter(author__isnull=True)):
        with transaction.atomic():
            with_profile = AuthorProfile.objects.values("user_id")
            users = (
                Post.objects.filter(pk__in=pks)
                .exclude(user_id__in=with_profile)
                .values_list("user_id", "user__username", "user__first_name", "user__last_name")
                .order_by("user_id")
                .distinct()
            )
            names = {user_id: (username, f"{first} {last}".strip()) for user_id, username, first, last in users}
            slugs = unique_slugs(
                ((user_id, username) for user_id, (username, _) in names.items()),
                lambda candidates: model_field_values(AuthorProfile, "slug", candidates),
                SLUG_LENGTH,
                "author",
            )
            AuthorProfile.objects.bulk_create(
                [
                    AuthorProfile(user_id=user_id, slug=slugs[user_id], display_name=full or username)
                    for user_id, (username, full) in names.items()
                ],
                ignore_conflicts=True,
            )
            profile = AuthorProfile.objects.filter(user_id=OuterRef("user_id")).values("pk")[:1]
            Post.objects.filter(pk__in=pks).update(author_id=Subquery(profile))


def link_posts_back_to_users(apps, schema_editor):
    Post = apps.get_model("blog", "Post")
    AuthorProfile = apps.get_model("blog", "AuthorProfile")
    for pks in pk_batches(Post.objects.filter(user__isnull=True)):
        with transaction.atomic():
            owner = AuthorProfile.objects.filter(pk=OuterRef("author_id")).values("user_id")[:1]
            Post.objects.filter(pk__in=pks).update(user_id=Subquery(owner))


class Migration(migrations.Migration):

    # One transaction per batch instead of one for the whole table.
    atomic = False

    dependencies = [
        ("blog", "0009_author_profile_expand"),
    ]

    operations = [
        migrations.RunPython(create_profiles_and_link, link_posts_back_to_users),
    ]
