import pytest
from django.core.management import call_command

from blog.schema_history import STEPS
from blog.schema_version import code_history


def test_steps_tell_every_migration_once_in_order() -> None:
    told = [name for step in STEPS for name in step.migrations]
    assert told == [name for name, _ in code_history()]


def test_every_migration_has_a_description() -> None:
    assert all(description for _, description in code_history())


@pytest.mark.django_db
def test_docs_are_up_to_date() -> None:
    """docs/blog-schema-history.md matches the steps and the SQL; regenerate when this fails."""
    call_command("blog_schema_docs", "--check")
