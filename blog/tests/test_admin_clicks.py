"""Admin clicks, as a superuser, on every blog admin: posts are added, changed, published and
deleted through the services, comments removed through `comment_delete`, bylines reworded through
`author_profile_update`, each with its audit entry; refused paths answer 403 (or the "cannot
delete" page) and write nothing."""

from __future__ import annotations

import pytest
from django.test import Client

from blog.models import AuthorProfile, Comment, Post, Tag
from blog.tests.factories import AuthorProfileFactory, CommentFactory, PostFactory, TagFactory
from devtools.testing import Trail, admin_bulk_delete, admin_url

pytestmark = pytest.mark.django_db

# The post form's (read-only) comment inline still posts its management form.
NO_COMMENTS = {"comments-TOTAL_FORMS": "0", "comments-INITIAL_FORMS": "0"}


def test_post_add_change_publish_delete(admin_client: Client):
    tag = TagFactory()
    trail = Trail()
    body = {"title": "Indexes", "body": "On B-trees.", "status": "draft", "tags": [tag.pk]}
    body |= NO_COMMENTS

    added = admin_client.post(admin_url(Post, "add"), body)
    post = Post.objects.get(title="Indexes")
    changed = admin_client.post(admin_url(Post, "change", post.pk), {**body, "title": "B-trees"})
    admin_client.post(
        admin_url(Post, "changelist"), {"action": "publish", "_selected_action": [post.pk]}
    )
    deleted = admin_client.post(admin_url(Post, "delete", post.pk), {"post": "yes"})

    assert (added.status_code, changed.status_code, deleted.status_code) == (302, 302, 302)
    assert not Post.objects.filter(pk=post.pk).exists()
    audit = trail.audit()
    assert audit[0][:2] == ("create", "authorprofile")  # the admin's byline, on a first post
    assert audit[1:] == [(a, "post", post.pk) for a in ("create", "update", "update", "delete")]


def test_post_change_keeps_tags_in_its_audit_entry(admin_client: Client):
    post = PostFactory(tags=[TagFactory()])
    other = TagFactory()
    body = {"title": post.title, "body": post.body, "status": "published", "tags": [other.pk]}
    body |= NO_COMMENTS

    admin_client.post(admin_url(Post, "change", post.pk), body)

    assert list(post.tags.all()) == [other]


def test_posts_are_bulk_deleted_through_the_service(admin_client: Client):
    first, second = PostFactory(), PostFactory()
    trail = Trail()

    assert admin_bulk_delete(admin_client, Post, first, second).status_code == 302

    assert not Post.objects.filter(pk__in=[first.pk, second.pk]).exists()
    assert sorted(trail.audit()) == sorted([("delete", "post", p.pk) for p in (first, second)])


def test_a_post_with_comments_is_not_deleted_and_the_page_says_why(admin_client: Client):
    post = PostFactory()
    CommentFactory(post=post)
    trail = Trail()

    page = admin_client.post(admin_url(Post, "delete", post.pk), {"post": "yes"})
    bulk = admin_bulk_delete(admin_client, Post, post)

    for response in (page, bulk):
        assert response.status_code == 200
        assert any("(1 comment)" in str(item) for item in response.context["protected"])
    assert Post.objects.filter(pk=post.pk).exists() and trail.audit() == []


def test_comments_are_deleted_one_or_in_bulk_audited(admin_client: Client):
    first, second, third = CommentFactory.create_batch(3)
    trail = Trail()

    admin_client.post(admin_url(Comment, "delete", first.pk), {"post": "yes"})
    admin_bulk_delete(admin_client, Comment, second, third)

    assert not Comment.objects.exists()
    audit = trail.audit()
    assert audit[0] == ("delete", "comment", first.pk)
    assert sorted(audit[1:]) == sorted([("delete", "comment", c.pk) for c in (second, third)])


def test_comments_are_neither_added_nor_edited(admin_client: Client):
    comment = CommentFactory()
    trail = Trail()

    add = admin_client.post(admin_url(Comment, "add"), {"post": comment.post_id, "body": "x"})
    change = admin_client.post(admin_url(Comment, "change", comment.pk), {"body": "rewritten"})

    assert add.status_code == 403
    assert change.status_code == 403
    comment.refresh_from_db()
    assert comment.body != "rewritten" and trail.audit() == []


def test_a_byline_is_reworded_audited(admin_client: Client):
    profile = AuthorProfileFactory()
    trail = Trail()

    response = admin_client.post(
        admin_url(AuthorProfile, "change", profile.pk), {"display_name": "Ada L.", "bio": "Hi"}
    )

    assert response.status_code == 302
    profile.refresh_from_db()
    assert (profile.display_name, profile.bio) == ("Ada L.", "Hi")
    assert trail.audit() == [("update", "authorprofile", profile.pk)]


def test_bylines_are_neither_added_nor_deleted(admin_client: Client):
    profile = AuthorProfileFactory()
    trail = Trail()

    add = admin_client.post(admin_url(AuthorProfile, "add"), {"user": profile.user_id})
    delete = admin_client.post(admin_url(AuthorProfile, "delete", profile.pk), {"post": "yes"})
    admin_bulk_delete(admin_client, AuthorProfile, profile)

    assert (add.status_code, delete.status_code) == (403, 403)
    assert AuthorProfile.objects.filter(pk=profile.pk).exists() and trail.audit() == []


def test_tags_are_read_only(admin_client: Client):
    tag = TagFactory()
    trail = Trail()

    add = admin_client.post(admin_url(Tag, "add"), {"name": "New", "slug": "new"})
    change = admin_client.post(admin_url(Tag, "change", tag.pk), {"name": "X", "slug": "x"})
    delete = admin_client.post(admin_url(Tag, "delete", tag.pk), {"post": "yes"})
    admin_bulk_delete(admin_client, Tag, tag)

    assert (add.status_code, change.status_code, delete.status_code) == (403, 403, 403)
    tag.refresh_from_db()
    assert tag.name != "X" and Tag.objects.count() == 1 and trail.audit() == []
