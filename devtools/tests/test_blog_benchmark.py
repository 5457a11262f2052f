import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from blog.tests.factories import CommentFactory, PostFactory, TagFactory

pytestmark = pytest.mark.django_db


def test_benchmark_compares_strategies_side_by_side() -> None:
    tag = TagFactory()
    for post in PostFactory.create_batch(21, tags=[tag]):
        CommentFactory(post=post)
    out = StringIO()

    call_command("blog_benchmark", "--runs", "1", "--json", stdout=out)

    rows = {(row["case"], row["variant"]): row for row in json.loads(out.getvalue())["rows"]}
    naive = rows[("post page 1", "naive: lazy author, tags, count")]
    optimized = rows[("post page 1", "selector, count by subquery")]
    assert naive["queries"] > optimized["queries"] == 2
    assert rows[("schema guard", "cached per process")]["queries"] == 0


def test_benchmark_needs_a_page_of_posts() -> None:
    with pytest.raises(CommandError, match="seed_demo"):
        call_command("blog_benchmark", "--runs", "1")
