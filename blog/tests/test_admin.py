import pytest
from django.contrib.auth.models import User
from django.test import Client

from blog.models import AuthorProfile, Comment, Post, Tag
from blog.schema_version import current_schema_version
from blog.tests.factories import CommentFactory, PostFactory, TagFactory
from devtools.testing import assert_constant_admin_changelist

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(staff_user: User) -> Client:
    staff_user.is_superuser = True
    staff_user.save()
    client = Client()
    client.force_login(staff_user)
    return client


@pytest.mark.parametrize("model", [Post, Comment, Tag, AuthorProfile])
def test_changelists_cost_constant_queries(admin_client: Client, model: type) -> None:
    tags = TagFactory.create_batch(2)
    for post in PostFactory.create_batch(11, tags=tags):
        CommentFactory(post=post)
    TagFactory.create_batch(9)
    current_schema_version()  # read once per process every few seconds; not part of the page
    assert_constant_admin_changelist(admin_client, model)


def test_publish_action(admin_client: Client) -> None:
    draft = PostFactory(status=Post.Status.DRAFT, published_at=None)

    response = admin_client.post(
        "/admin/blog/post/", {"action": "publish", "_selected_action": [draft.pk]}
    )

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.is_published and draft.published_at


def test_change_and_add_pages_render(admin_client: Client) -> None:
    post = PostFactory()
    CommentFactory(post=post)
    assert admin_client.get(f"/admin/blog/post/{post.pk}/change/").status_code == 200
    assert admin_client.get("/admin/blog/post/add/").status_code == 200
