"""FilterSets of the school API."""

from __future__ import annotations

import json
from typing import Any

import django_filters
from django.db import connection
from django.db.models import Q, QuerySet

from people.models import Person
from school import selectors
from school.models import Course
from school.policies import DirectoryAccess


def _preference_lookup(raw: str) -> Q:
    """`key` -> the preferences have that key; `key:value` -> that key holds that value.

    The value is read as JSON when it parses (`newsletter:true`, `level:3`), else as a string
    (`language:fr`). Both lookups are served by the GIN index on the preferences document.
    """
    key, separator, value = raw.partition(":")
    if not separator:
        return Q(preferences__data__has_key=key)
    try:
        parsed: Any = json.loads(value)
    except ValueError:
        parsed = value
    if connection.vendor == "postgresql":
        return Q(preferences__data__contains={key: parsed})
    # SQLite (the embedded default) has no JSON containment; a key lookup answers the same.
    return Q(**{f"preferences__data__{key}": parsed})


class DirectoryPersonFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label="Name or email contains")
    unit = django_filters.CharFilter(field_name="org_unit__code", label="Unit code")
    preference = django_filters.CharFilter(
        method="filter_preference",
        label="Preference `key` (has it) or `key:value` (holds that value)",
    )

    class Meta:
        model = Person
        fields = ["kind", "active"]

    def __init__(self, *args: Any, access: DirectoryAccess | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.access = access or DirectoryAccess()

    def filter_q(self, queryset: QuerySet[Person], name: str, value: str) -> QuerySet[Person]:
        """Each word matches a name (for everyone) or an email (only where the caller may see
        it): "ada ngata" and "Ada B. Ngata", the label the page suggests, find Ada B. Ngata."""
        match = Q()
        for word in value.split():
            match &= (
                Q(given_name__icontains=word)
                | Q(family_name__icontains=word)
                | (Q(email__icontains=word) & self.access.private_rows())
            )
        return queryset.filter(match)

    def filter_preference(
        self, queryset: QuerySet[Person], name: str, value: str
    ) -> QuerySet[Person]:
        """Preferences are never shown, so they match only where the caller may read them."""
        return queryset.filter(_preference_lookup(value) & self.access.preference_rows())


class CourseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label="Code or title contains")
    unit = django_filters.CharFilter(field_name="org_unit__code", label="Unit code")
    term = django_filters.CharFilter(
        method="filter_term", label="Term code: courses running then, with those sections only"
    )

    class Meta:
        model = Course
        fields: list[str] = []

    def filter_q(self, queryset: QuerySet[Course], name: str, value: str) -> QuerySet[Course]:
        return queryset.filter(Q(code__icontains=value) | Q(title__icontains=value))

    def filter_term(self, queryset: QuerySet[Course], name: str, value: str) -> QuerySet[Course]:
        return selectors.courses_in_term(queryset, term_code=value)
