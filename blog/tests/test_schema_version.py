"""The version-aware blog: a check at start-up, 503 while out of step, the rest of the site fine."""

from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User
from django.core.checks import Warning
from django.core.management import call_command
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern
from rest_framework.test import APIClient

from blog import api_urls, schema_version, urls
from blog.checks import blog_schema_version
from blog.schema_version import code_history, current_schema_version, forget_schema_version

LATEST = code_history()[-1][0]
PREVIOUS = code_history()[-2][0]
EXEMPT = {"blog:schema-lab", "blog-api:schema"}


def _routes() -> list[str]:
    """A URL for every blog page and API route (the slug need not exist: the guard runs first)."""
    found = []
    mounts = [(urls, "/blog/", "blog"), (api_urls, "/api/blog/", "blog-api")]
    for module, prefix, namespace in mounts:
        for pattern in module.urlpatterns:
            assert isinstance(pattern, URLPattern)
            if f"{namespace}:{pattern.name}" not in EXEMPT:
                found.append(prefix + str(pattern.pattern).replace("<slug:slug>", "any"))
    return found


@pytest.fixture
def one_step_behind(transactional_db: None) -> Iterator[None]:
    """The database with the blog's last migration unapplied (as after a rollback)."""
    call_command("migrate", "blog", PREVIOUS, verbosity=0)
    yield
    call_command("migrate", "blog", verbosity=0)


@pytest.mark.slow
def test_one_step_behind_blog_answers_503_rest_of_site_works(one_step_behind: None) -> None:
    api = APIClient()
    for url in _routes():
        response = api.get(url)
        assert response.status_code == 503, url
        if url.startswith("/api/"):
            error = response.json()["error"]
            assert error["code"] == "schema_out_of_date"
            assert (error["applied"], error["expected"]) == (PREVIOUS, LATEST)
            assert error["pending"] == [LATEST]
            assert error["command"] == "python manage.py migrate blog"
            assert PREVIOUS in error["message"] and LATEST in error["message"]
        else:
            assert PREVIOUS.encode() in response.content
            assert b"python manage.py migrate blog" in response.content

    assert Client().get("/").status_code == 200
    assert api.get("/api/health/").status_code == 200
    admin = Client()
    admin.force_login(User.objects.create_superuser("boss", "boss@example.com", "pw"))
    for model in ("post", "comment", "tag", "authorprofile"):
        assert admin.get(f"/admin/blog/{model}/").status_code == 503, model
    assert admin.get("/admin/people/person/").status_code == 200
    schema = api.get("/api/blog/schema/").json()
    assert (schema["state"], schema["pending"]) == ("behind", [LATEST])
    assert schema["history"][-1] == {
        "name": LATEST,
        "description": schema["history"][-1]["description"],
        "applied": False,
        "applied_at": None,
    }
    assert Client().get("/blog/schema/").status_code == 200


@pytest.mark.slow
def test_check_warns_when_behind_and_migrate_clears_the_503(one_step_behind: None) -> None:
    (warning,) = blog_schema_version(None)
    assert isinstance(warning, Warning) and warning.id == "blog.W001"
    assert PREVIOUS in warning.msg and LATEST in warning.msg
    assert APIClient().get("/api/blog/posts/").status_code == 503

    call_command("migrate", "blog", verbosity=0)  # post_migrate drops the cached answer

    assert APIClient().get("/api/blog/posts/").status_code == 200
    assert blog_schema_version(None) == []


@pytest.mark.django_db
def test_ahead_of_the_code_is_a_503_naming_the_unknown_migration() -> None:
    MigrationRecorder(connection).record_applied("blog", "0099_from_the_future")

    error = APIClient().get("/api/blog/tags/").json()["error"]

    assert error["state"] == "ahead"
    assert (error["applied"], error["expected"]) == ("0099_from_the_future", LATEST)
    assert error["command"] == f"python manage.py migrate blog {LATEST}"
    assert "0099_from_the_future" in error["message"]
    (warning,) = blog_schema_version(None)
    assert "ahead" in warning.msg


@pytest.mark.django_db
def test_check_is_silent_on_a_never_migrated_blog_and_when_current() -> None:
    assert blog_schema_version(None) == []
    MigrationRecorder.Migration.objects.filter(app="blog").delete()

    version = schema_version.read_schema_version()
    assert (version.state, version.applied, len(version.pending)) == (
        "behind",
        None,
        len(code_history()),
    )
    assert blog_schema_version(None) == []


@pytest.mark.django_db
def test_answer_is_cached_per_process_and_rechecked(monkeypatch: pytest.MonkeyPatch) -> None:
    current_schema_version()
    with CaptureQueriesContext(connection) as cached:
        current_schema_version()
    assert len(cached) == 0

    forget_schema_version()
    with CaptureQueriesContext(connection) as reread:
        current_schema_version()
    assert len(reread) > 0

    monkeypatch.setattr(schema_version, "RECHECK_SECONDS", 0)
    with CaptureQueriesContext(connection) as expired:
        current_schema_version()
    assert len(expired) > 0
