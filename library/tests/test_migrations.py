"""Migration 0002 on PostgreSQL: holds the old CHECK let in without a position join their queue
before the closed CHECK is validated, and the migration reverses."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.apps.registry import Apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

BEFORE = [("library", "0001_initial")]


def _executor() -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    return executor


@pytest.fixture
def before_0002(transactional_db: None) -> Iterator[Apps]:
    if connection.vendor != "postgresql":
        pytest.skip("asserted on PostgreSQL, where the CHECK is added NOT VALID and validated")
    _executor().migrate(BEFORE)
    yield _executor().loader.project_state(BEFORE).apps
    _executor().migrate(_executor().loader.graph.leaf_nodes())


def test_unplaced_active_holds_join_the_end_of_their_queue(before_0002):
    apps = before_0002
    User = apps.get_model("auth", "User")
    kind = apps.get_model("library", "MemberCategory").objects.create(
        code="s", name="S", loan_days=7, max_loans=1
    )
    members = [
        apps.get_model("library", "Member").objects.create(
            user=User.objects.create(username=f"u{n}"), category=kind, card_number=f"C{n}"
        )
        for n in range(3)
    ]
    category = apps.get_model("library", "Category").objects.create(name="C", slug="c")
    book = apps.get_model("library", "Book").objects.create(
        title="T", isbn="9780000000001", category=category
    )
    Hold = apps.get_model("library", "Hold")
    placed = Hold.objects.create(book=book, member=members[0], position=1)
    unplaced = [Hold.objects.create(book=book, member=m, position=None) for m in members[1:]]

    _executor().migrate(_executor().loader.graph.leaf_nodes())

    positions = dict(Hold.objects.values_list("pk", "position"))
    assert positions == {placed.pk: 1, unplaced[0].pk: 2, unplaced[1].pk: 3}
