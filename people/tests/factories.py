"""Test data: factory-boy factories for users and the org chart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User

from devtools.testing import ModelFactory
from people.models import OrgUnit, Person, ReportingLine

# A fixed moment for tests that reason about validity windows.
T0 = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)


class UserFactory(ModelFactory[User]):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")


class OrgUnitFactory(ModelFactory[OrgUnit]):
    class Meta:
        model = OrgUnit
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"unit-{n}")
    name = factory.Sequence(lambda n: f"Unit {n}")


class PersonFactory(ModelFactory[Person]):
    class Meta:
        model = Person

    given_name = factory.Sequence(lambda n: f"Given{n}")
    family_name = factory.Sequence(lambda n: f"Family{n}")
    email = factory.Sequence(lambda n: f"person{n}@campus.test")


class ReportingLineFactory(ModelFactory[ReportingLine]):
    class Meta:
        model = ReportingLine

    person = factory.SubFactory(PersonFactory)
    manager = factory.SubFactory(PersonFactory, kind=Person.Kind.STAFF)
