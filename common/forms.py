"""Form fields shared by filters and HTML forms."""

from datetime import UTC, date, datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_filters.fields import IsoDateTimeField


def in_utc(moment: datetime | None) -> datetime | None:
    """`moment` moved to UTC when it carries an offset.

    Python accepts offsets up to ±23:59, PostgreSQL only up to about ±16 hours, so a time typed
    as `...+18:00` must not reach a query as it is; one that leaves the calendar when moved
    (year 1 at +14:00) is a validation error on its field.
    """
    if moment is None or timezone.is_naive(moment):
        return moment
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise ValidationError("This time is out of range.", code="invalid") from None


class UtcDateTimeField(forms.DateTimeField):
    def to_python(self, value: str | datetime | date | None) -> datetime | None:
        return in_utc(super().to_python(value))


class UtcIsoDateTimeField(IsoDateTimeField):
    def to_python(self, value: str | datetime | date | None) -> datetime | None:
        return in_utc(super().to_python(value))
