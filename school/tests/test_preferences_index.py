"""The preferences' GIN index serves the lookups the people filter makes (PostgreSQL)."""

from __future__ import annotations

import pytest
from django.db import connection

from school.models import PersonPreferences
from school.tests.factories import PersonPreferencesFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "lookup", [{"data__has_key": "language"}, {"data__contains": {"language": "fr"}}]
)
def test_preference_lookups_can_use_the_gin_index(lookup: dict) -> None:
    PersonPreferencesFactory.create_batch(3, data={"language": "fr"})
    with connection.cursor() as cursor:
        # On a few rows a sequential scan is cheaper; forbid it to see whether the index serves.
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = PersonPreferences.objects.filter(**lookup).explain()
    assert "personprefs_data_gin" in plan, plan
