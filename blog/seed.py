"""Demo blog: writers, tags, posts (mostly published) and comments.

Deterministic (fixed names, a seeded random) and idempotent (natural keys: usernames, slugs;
comments only for posts that have none), with bulk inserts for the large size.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction

from blog.models import AuthorProfile, Comment, Post, Tag
from common.seed import analyze

SIZES = {"small": (5, 40), "large": (25, 5000)}  # writers, posts
BATCH = 1000
TAGS = [
    "Django", "PostgreSQL", "Redis", "Neo4j", "Migrations", "Indexes",
    "Caching", "Transactions", "Testing", "Graphs", "Performance", "Teaching",
]  # fmt: skip
TOPICS = ["schema changes", "query plans", "cache keys", "batch jobs", "locks", "backfills"]
WRITERS = ["Ada Lovelace", "Grace Hopper", "Edgar Codd", "Barbara Liskov", "Jim Gray"]
COMMENTERS = ["Mia", "Noah", "Olu", "Pia", "Quentin", "Rosa"]
EPOCH = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _writers(count: int) -> list[AuthorProfile]:
    User = get_user_model()
    names = [(f"writer{n:02}", WRITERS[n % len(WRITERS)]) for n in range(count)]
    User.objects.bulk_create(
        [
            User(username=username, first_name=name.split()[0], last_name=name.split()[1])
            for username, name in names
        ],
        ignore_conflicts=True,
    )
    # In username order: the profiles' ids follow it, so two runs write the same rows (heap
    # order is no order).
    users = User.objects.filter(username__in=[u for u, _ in names]).order_by("username")
    AuthorProfile.objects.bulk_create(
        [
            AuthorProfile(user=user, slug=user.username, display_name=user.get_full_name())
            for user in users
        ],
        ignore_conflicts=True,
    )
    return list(AuthorProfile.objects.filter(user__in=users).order_by("slug"))


def _post(number: int, author: AuthorProfile) -> Post:
    topic = TOPICS[number % len(TOPICS)]
    published = number % 10 != 0
    return Post(
        author=author,
        title=f"Notes on {topic}, part {number}",
        slug=f"notes-on-{topic.replace(' ', '-')}-part-{number}",
        body="\n\n".join(
            f"Paragraph {p} about {topic}: what we measured and why." for p in range(3)
        ),
        status=Post.Status.PUBLISHED if published else Post.Status.DRAFT,
        published_at=EPOCH + timedelta(hours=7 * number) if published else None,
    )


def _link_tags(posts: list[Post], tags: list[Tag], rng: random.Random) -> None:
    PostTag = Post.tags.through
    links = [
        PostTag(post_id=post.pk, tag_id=tag.pk)
        for post in posts
        for tag in rng.sample(tags, 1 + post.pk % 3)
    ]
    PostTag.objects.bulk_create(links, batch_size=BATCH, ignore_conflicts=True)


def _comments(posts: list[Post], rng: random.Random) -> list[Comment]:
    """0 to 8 comments per published post, the number fixed by its slug (so reruns add none)."""
    return [
        Comment(post=post, author_name=rng.choice(COMMENTERS), body=f"Comment {n} on this post.")
        for post in posts
        if post.is_published
        for n in range(zlib.crc32(post.slug.encode()) % 9)
    ]


@transaction.atomic
def seed(*, size: str, log: Callable[[str], None]) -> None:
    rng = random.Random(4)
    writer_count, post_count = SIZES[size]
    authors = _writers(writer_count)
    Tag.objects.bulk_create(
        [Tag(name=name, slug=name.lower()) for name in TAGS], ignore_conflicts=True
    )
    tags = list(Tag.objects.filter(slug__in=[name.lower() for name in TAGS]).order_by("slug"))
    Post.objects.bulk_create(
        [_post(n, authors[n % len(authors)]) for n in range(1, post_count + 1)],
        batch_size=BATCH,
        ignore_conflicts=True,
    )
    posts = list(Post.objects.filter(author__in=authors).order_by("pk"))
    _link_tags(posts, tags, rng)
    uncommented = list(
        Post.objects.filter(author__in=authors, comments__isnull=True).order_by("pk")
    )
    Comment.objects.bulk_create(_comments(uncommented, rng), batch_size=BATCH)
    analyze(get_user_model(), AuthorProfile, Post, Post.tags.through, Comment)
    log(
        f"blog: {AuthorProfile.objects.count()} authors, {Post.objects.count()} posts, "
        f"{Tag.objects.count()} tags, {Comment.objects.count()} comments"
    )
