"""seed_demo: a second run changes nothing, and a run into fresh state seeds the same data."""

import hashlib
import json
import re
from io import StringIO
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, models, transaction

from common import seed as seeding


def _seed() -> None:
    call_command("seed_demo", "--size", "small", stdout=StringIO())


# Not auto_now, but left to their `timezone.now` default by the seed, so they hold the time of
# the insert: when an account or a library member joined, when a student enrolled, when a hold
# was placed (through the service, which logs it), when an audit or circulation entry was made.
INSERT_TIME = {
    "auth.User.date_joined",
    "common.AuditEntry.at",
    "library.Member.joined_at",
    "library.Hold.placed_at",
    "library.CirculationEvent.at",
    "school.Enrollment.enrolled_at",
}


# Cache invalidations a write queues for its commit (deleted once Redis took them). This test's
# transaction never commits, so every save of a run leaves one, and re-saving a row (the seed
# refreshes its categories) is a write however idempotent: they are not seeded data.
NOT_DATA = {"common.PendingInvalidation"}


def _seeded_models() -> list[type[models.Model]]:
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.label not in NOT_DATA
    ]


def _auto_timestamp(field: models.Field) -> bool:
    return getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)


def _stamped_by_the_clock(field: models.Field) -> bool:
    return _auto_timestamp(field) or f"{field.model._meta.label}.{field.name}" in INSERT_TIME


def _clock_names() -> set[str]:
    """Clock-stamped columns, which also turn up as keys of the audit log's row snapshots (the
    demo accounts' writes audit a member, who joined at insert time, and enrolments)."""
    fields = (field for model in apps.get_models() for field in model._meta.concrete_fields)
    return {field.attname for field in fields if _stamped_by_the_clock(field)}


def _without(names: set[str], value: Any) -> Any:
    if isinstance(value, dict):
        return {key: item for key, item in value.items() if key not in names}
    return value


def _content() -> dict[str, str]:
    """A digest of every table's rows in key order, clock stamps and salted password hashes left
    out (a password's salt is random by design; the seed only has to set the same password)."""
    clock = _clock_names()
    digests = {}
    for model in _seeded_models():
        columns = [
            field.attname
            for field in model._meta.concrete_fields
            if not _stamped_by_the_clock(field) and field.attname != "password"
        ]
        rows = model._default_manager.order_by("pk").values_list(*columns)
        text = json.dumps([[_without(clock, value) for value in row] for row in rows], default=str)
        digests[model._meta.label] = hashlib.sha256(text.encode()).hexdigest()
    return digests


def _row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in _seeded_models()}


def _restart_sequences() -> None:
    """Start every id sequence after the rows present, as in a freshly migrated database
    (sequences survive rollbacks, so earlier tests would otherwise shift the seeded ids)."""
    tables = apps.get_models(include_auto_created=True)
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), tables):
            cursor.execute(statement)


def _seed_into_fresh_state() -> dict[str, str]:
    _restart_sequences()
    _seed()
    return _content()


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_deterministic() -> None:
    fresh = transaction.savepoint()
    first = _seed_into_fresh_state()
    counts = _row_counts()

    _seed()
    assert _row_counts() == counts, "a second run added rows"
    assert _content() == first, "a second run changed rows"

    transaction.savepoint_rollback(fresh)
    assert _seed_into_fresh_state() == first, "a run into fresh state seeded other data"
    assert all(counts[label] for label in ("people.Person", "library.Loan", "blog.Post"))
    assert counts["auth.User"] >= 2


@pytest.mark.django_db
def test_seed_demo_projects_the_graph_when_neo4j_is_the_backend(settings) -> None:
    settings.GRAPH_BACKEND = "neo4j"
    settings.NEO4J_BOLT_URL = "bolt://neo4j:secret@127.0.0.1:1"  # nothing listens: it must try
    with pytest.raises(Exception, match=r"(?i)connect|unavailable") as raised:
        _seed()
    assert "neo4j" in type(raised.value).__module__


@pytest.mark.django_db
def test_bulk_load_reports_progress_and_analyzes_the_table(monkeypatch) -> None:
    monkeypatch.setattr(seeding, "BATCH", 2)
    monkeypatch.setattr(seeding, "PROGRESS_EVERY", 3)
    User = get_user_model()
    lines: list[str] = []
    rows = (User(username=f"progress{number}") for number in range(7))
    assert seeding.bulk_load(User, rows, log=lines.append, label="users", total=7) == 7
    assert lines == ["  users: 4 of 7 rows", "  users: 6 of 7 rows"]
    if connection.vendor == "postgresql":  # ANALYZE counted the rows for the planner
        with connection.cursor() as cursor:
            table = User._meta.db_table
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
            assert cursor.fetchone()[0] == User.objects.count()


@pytest.mark.django_db
def test_seed_demo_reports_each_step_as_it_goes(settings) -> None:
    out = StringIO()
    call_command("seed_demo", "--size", "small", stdout=out)
    text = out.getvalue()
    for step in settings.SEED_DEMO_STEPS:
        assert f"{step} ..." in text
        assert re.search(rf"^{re.escape(step)}: \d+\.\d s$", text, re.MULTILINE)
