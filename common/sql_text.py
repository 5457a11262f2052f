"""SQL as students should read it: with the values that ran, and laid out to be read.

The lab pages, the explorer and the toolbar's Graph panel show statements through these, so a
student reads what the database received, not `%(at)s` placeholders.
"""

from __future__ import annotations

from typing import Any

import sqlparse
from django.db.backends.base.base import BaseDatabaseWrapper

# A one-line statement longer than this is re-indented for reading; hand-written multi-line SQL
# (the graph's CTEs) is kept as written.
LONG_LINE = 100


def executed(connection: BaseDatabaseWrapper, cursor: Any, sql: str, params: Any) -> str:
    """The statement with its parameters in place, as the database ran it.

    Django's `last_executed_query`: on PostgreSQL with psycopg 3 it is psycopg's own rendering
    (the query text psycopg sent with client-side binding, `ClientCursor.mogrify` with
    server-side binding); on SQLite, Django quotes the parameters with SQLite's `quote()`.
    Falls back to the text with placeholders if the driver cannot render it.
    """
    rendered = connection.ops.last_executed_query(cursor, sql, params)
    return rendered if rendered else sql


def readable(sql: str) -> str:
    """`sql` re-indented when it is one long line (the ORM's), else unchanged."""
    if "\n" in sql.strip() or len(sql) <= LONG_LINE:
        return sql
    return sqlparse.format(sql, reindent=True, keyword_case="upper", wrap_after=LONG_LINE)
