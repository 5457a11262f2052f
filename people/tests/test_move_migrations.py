"""The move of units, people and reporting lines (school -> people) and of the audit log and
outbox (delegation -> common), round-tripped on PostgreSQL with rows in every moved table."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.apps.registry import Apps
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

BEFORE_MOVE = [("school", "0002_directory"), ("delegation", "0001_initial")]
# Unapplying these takes every migration of the move with them.
UNDO_MOVE = [*BEFORE_MOVE, ("people", None), ("common", None)]


def _executor() -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    return executor


def _migrate(targets: list) -> Apps:
    _executor().migrate(targets)
    executor = _executor()
    return executor.loader.project_state([t for t in targets if t[1]]).apps


def _latest() -> list:
    return _executor().loader.graph.leaf_nodes()


def _historical(apps: Apps, app_label: str, model_name: str) -> Any:
    """A model as a migration state has it: built at run time, so its fields are untyped (and
    django-stubs would resolve the names against today's models, where some no longer live)."""
    return apps.get_model(app_label, model_name)


@pytest.fixture
def before_move(transactional_db: None) -> Iterator[Apps]:
    """The historical models as they were before the move, with the database migrated there."""
    if connection.vendor != "postgresql":
        pytest.skip("the round trip is asserted on PostgreSQL, the production database")
    yield _migrate(UNDO_MOVE)
    _executor().migrate(_latest())


def _seed_before(apps: Apps) -> dict[str, int]:
    unit = _historical(apps, "school", "OrgUnit").objects.create(code="sci", name="Science")
    Person = _historical(apps, "school", "Person")
    boss = Person.objects.create(given_name="Ada", family_name="Boss", email="a@x.test")
    worker = Person.objects.create(
        given_name="Ben", family_name="Work", email="b@x.test", org_unit=unit
    )
    line = _historical(apps, "school", "ReportingLine").objects.create(person=worker, manager=boss)
    role = _historical(apps, "delegation", "Role").objects.create(code="r", name="R")
    assignment = _historical(apps, "delegation", "RoleAssignment").objects.create(
        person=worker, role=role, scope_unit=unit
    )
    entry = _historical(apps, "delegation", "AuditEntry").objects.create(
        action="create", entity="role", entity_id=role.pk
    )
    event = _historical(apps, "delegation", "OutboxEvent").objects.create(
        kind="person.upsert", payload={"id": worker.pk}
    )
    return {
        "unit": unit.pk,
        "worker": worker.pk,
        "line": line.pk,
        "assignment": assignment.pk,
        "entry": entry.pk,
        "event": event.pk,
    }


def test_forwards_keeps_every_row_and_reference(before_move: Apps) -> None:
    ids = _seed_before(before_move)
    apps = _migrate(_latest())
    worker = _historical(apps, "people", "Person").objects.get(pk=ids["worker"])
    assert (worker.given_name, worker.org_unit_id) == ("Ben", ids["unit"])
    line = _historical(apps, "people", "ReportingLine").objects.get(pk=ids["line"])
    assert line.person_id == ids["worker"]
    assignment = _historical(apps, "delegation", "RoleAssignment").objects.get(pk=ids["assignment"])
    assert (assignment.person.email, assignment.scope_unit.code) == ("b@x.test", "sci")
    assert _historical(apps, "common", "AuditEntry").objects.filter(pk=ids["entry"]).exists()
    event = _historical(apps, "common", "OutboxEvent").objects.get(pk=ids["event"])
    assert event.payload == {"id": ids["worker"]}
    # New rows get fresh ids: the identity sequences moved with their tables.
    created = _historical(apps, "people", "Person").objects.create(
        given_name="Cy", family_name="New", email="c@x.test"
    )
    assert created.pk > ids["worker"]


def test_foreign_keys_still_hold_on_the_renamed_tables(before_move: Apps) -> None:
    ids = _seed_before(before_move)
    _migrate(_latest())
    missing_person = ids["worker"] + 1000
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE delegation_roleassignment SET person_id = %s WHERE id = %s",
            [missing_person, ids["assignment"]],
        )


def test_backwards_puts_every_row_back(before_move: Apps) -> None:
    ids = _seed_before(before_move)
    _migrate(_latest())
    apps = _migrate(UNDO_MOVE)
    worker = _historical(apps, "school", "Person").objects.get(pk=ids["worker"])
    assert worker.org_unit_id == ids["unit"]
    assert _historical(apps, "delegation", "AuditEntry").objects.filter(pk=ids["entry"]).exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('people_person'), to_regclass('school_person')")
        assert cursor.fetchone() == (None, "school_person")
