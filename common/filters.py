"""Filters shared by the API's FilterSets."""

from typing import Any

import django_filters

from common.forms import UtcIsoDateTimeField

# Largest value of PostgreSQL's bigint, the type of every primary key here.
MAX_ID = 2**63 - 1


class IdFilter(django_filters.NumberFilter):
    """A primary-key filter: anything outside 1..MAX_ID is a 400 naming the parameter, not a
    value handed to the database (which would fail with an out-of-range error)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        kwargs.setdefault("decimal_places", 0)
        super().__init__(*args, **kwargs)


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """django-filter's ISO 8601 filter, with the time moved to UTC before it reaches a query."""

    field_class = UtcIsoDateTimeField
