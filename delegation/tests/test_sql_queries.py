"""The SQL backend's statements render whole and compile on both databases.

The contract suite proves the answers; these tests catch a rendering mistake (a leftover or
misspelt placeholder, a brace or `%` mangled) in every statement, including those a contract
test might not reach, by asking each database to plan it with sample parameters.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import UTC, datetime
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.db.backends.sqlite3.base import SQLiteCursorWrapper

from delegation.graph import sql_queries as q
from delegation.graph.sql import in_list

QUERIES = {name: value for name, value in vars(q).items() if isinstance(value, q.Query)}
AT = datetime(2026, 1, 1, 9, tzinfo=UTC)
# One value for every parameter name the statements use; a new name fails until added here.
SAMPLE: dict[str, Any] = {
    "at": AT,
    "start_at": AT,
    "end": None,
    "nk": "p",
    "nid": 1,
    "codename": "library.circulate",
    "max_chain": 8,
    "min_budget": 0,
    "max_depth": 12,
    "budget": 8,
    "after": 0,
    "limit": 51,
    "scan": 51,
    "dense": 1000,
    "k": 3,
    "source": 1,
    "target": 2,
    "start": 1,
    "a": 1,
    "b": 2,
    "root": None,
    "unit": 1,
    "any_scope": 0,
}
PARAMETER = re.compile(r"%\((\w+)\)s")


def statement(query: q.Query, vendor: str) -> tuple[str, dict[str, Any]]:
    """The query's text for `vendor` with a two-id list, and a value for each parameter."""
    origins, params = in_list([1, 2])
    roles, role_params = in_list([1], "r")
    sql = query.sql(vendor, origins, roles)
    params |= role_params
    return sql, params | {name: SAMPLE[name] for name in PARAMETER.findall(sql) if name in SAMPLE}


def sqlite_with_the_tables() -> sqlite3.Cursor:
    """An in-memory SQLite database with every table the statements read, as untyped columns
    (enough for SQLite to plan a statement), behind Django's own parameter conversion."""
    database = sqlite3.connect(":memory:")
    for model in apps.get_models():
        if model._meta.db_table in q.TABLES.values():
            columns = ", ".join(f'"{field.column}"' for field in model._meta.local_concrete_fields)
            database.execute(f'CREATE TABLE "{model._meta.db_table}" ({columns})')
    return database.cursor(factory=SQLiteCursorWrapper)


@pytest.mark.parametrize("vendor", sorted(q.CONTAINS))
@pytest.mark.parametrize("name", sorted(QUERIES))
def test_every_statement_is_rendered_whole(name: str, vendor: str) -> None:
    sql, params = statement(QUERIES[name], vendor)
    assert "$" not in sql
    assert set(PARAMETER.findall(sql)) <= set(params), "a parameter with no sample value"


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(QUERIES))
def test_every_statement_is_planned_by_postgresql(name: str) -> None:
    sql, params = statement(QUERIES[name], "postgresql")
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        assert cursor.fetchall()


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_every_statement_is_planned_by_sqlite(name: str) -> None:
    sql, params = statement(QUERIES[name], "sqlite")
    params = {
        key: str(value) if isinstance(value, datetime) else value for key, value in params.items()
    }
    cursor = sqlite_with_the_tables()
    cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
    assert cursor.fetchall()


@pytest.mark.django_db
def test_literal_braces_and_percent_signs_pass_through() -> None:
    query = q.Query("""
        SELECT '{' || p.given_name || '} 100%%' FROM $person p WHERE p.id IN ($origins)""")
    origins, params = in_list([0])
    with connection.cursor() as cursor:
        cursor.execute(query.sql("postgresql", origins), params)
        assert cursor.fetchall() == []
    assert "'{' || p.given_name || '} 100%%' FROM people_person p" in query.sql("sqlite")


def test_a_misspelt_or_malformed_placeholder_fails_at_import() -> None:
    with pytest.raises(KeyError, match="persn"):
        q.Query("SELECT 1 FROM $persn")
    with pytest.raises(ValueError, match="Invalid placeholder"):
        q.Query("SELECT $1")


@pytest.mark.parametrize("name", ["CHECK", "SCOPE", "HOLDINGS", "WHO_CAN", "PATHS"])
def test_each_walk_step_reads_only_delegations_valid_at_t(name: str) -> None:
    """On the SQL side, the recursive term's step to the next delegations is
    an index probe that filters on validity itself (so lapsed history is not walked, then
    dropped); on PostgreSQL inside the fenced LATERAL subquery, where an outer filter could
    not reach."""
    sql = QUERIES[name].sql("postgresql")
    recursive = sql.split("UNION ALL", 1)[1]
    step = recursive.split("CROSS JOIN LATERAL (", 1)[1].split("OFFSET 0) d", 1)[0]
    assert "d.valid_from <= %(at)s" in step
    assert "d.expires_at IS NULL OR d.expires_at > %(at)s" in step
    assert "d.revoked_at IS NULL OR d.revoked_at > %(at)s" in step
