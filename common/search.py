"""Search conditions that indexes serve, shared by the admins (`common.changelists`) and the
selectors that resolve what staff type to ids.

Django's `icontains` compiles to `UPPER("col"::text) LIKE UPPER('%word%')` on PostgreSQL; a GIN
trigram index on `UPPER(col)` (`trigram_index`) is that very expression, so the plain lookup is
indexed there and needs no other code path on SQLite. Keys (barcodes, card numbers, usernames)
are matched by prefix, which their b-tree `varchar_pattern_ops` indexes serve.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import reduce
from operator import and_, or_
from typing import Any

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db.models import Q, QuerySet
from django.db.models.functions import Upper

# Most ids one search term resolves to per kind (books, members...): a common word ("river")
# matches tens of thousands of titles, and an IN list that long costs more than it narrows.
# Past it a search shows the rows of the first MATCH_CAP matches; search_help_text says so.
MATCH_CAP = 1000


def ids(queryset: QuerySet[Any], cap: int = MATCH_CAP) -> list[int]:
    """The keys of the first `cap` rows of `queryset` (an index serves its filter)."""
    return list(queryset.values_list("pk", flat=True)[:cap])


def any_id(field: str, keys: list[int]) -> Q | None:
    """`field IN keys`, or nothing when no key matched (an empty IN is no condition at all)."""
    return Q(**{f"{field}__in": keys}) if keys else None


def present(conditions: Iterable[Q | None]) -> list[Q]:
    return [condition for condition in conditions if condition is not None]


def key_prefix(field: str, term: str) -> Q:
    """Keys as typed or in capitals (barcodes and card numbers are printed in capitals):
    `LIKE 'term%'` on the column itself, served by its b-tree (Django's `varchar_pattern_ops`
    index on unique and indexed text columns)."""
    variants = dict.fromkeys([term, term.upper(), term.lower()])
    return reduce(or_, (Q(**{f"{field}__startswith": variant}) for variant in variants))


def all_words(fields: Iterable[str], term: str) -> Q:
    """Every word of `term` in one of `fields` ("Ada Ngata": Ada in a given name and Ngata in a
    family name). `icontains`: `UPPER(col) LIKE UPPER('%word%')`, served on PostgreSQL by the
    trigram GIN index on `UPPER(col)` (see `trigram_index`)."""
    fields = list(fields)
    words = term.split()
    per_word = (
        reduce(or_, (Q(**{f"{field}__icontains": word}) for field in fields)) for word in words
    )
    return reduce(and_, per_word)


def trigram_index(field: str, name: str) -> Any:
    """A GIN trigram index on `UPPER(field)`: what Django's `icontains` compiles to on
    PostgreSQL (`UPPER("col"::text) LIKE UPPER(%s)`), so plain `icontains` uses it."""
    return GinIndex(OpClass(Upper(field), name="gin_trgm_ops"), name=name)
