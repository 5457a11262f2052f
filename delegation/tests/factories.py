"""Test data: factory-boy factories for the delegation tables (org chart: people.tests)."""

from __future__ import annotations

import factory
from django.contrib.auth.models import User

from delegation import services
from delegation.models import Permission, Role, RoleAssignment
from devtools.testing import ModelFactory
from people.models import OrgUnit, Person
from people.tests.factories import PersonFactory


class PermissionFactory(ModelFactory[Permission]):
    class Meta:
        model = Permission
        django_get_or_create = ["codename"]

    codename = factory.Sequence(lambda n: f"app.action{n}")


class RoleFactory(ModelFactory[Role]):
    class Meta:
        model = Role
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"role-{n}")
    name = factory.LazyAttribute(lambda role: role.code.title())


def grant(
    person: Person, codename: str, *, unit: OrgUnit | None = None, role_code: str = ""
) -> RoleAssignment:
    """Give `person` permission `codename` through a role of its own (scoped to `unit`)."""
    permission = PermissionFactory(codename=codename)
    role = services.role_create(
        actor=None,
        code=role_code or f"holds-{codename.replace('.', '-')}",
        name=f"Holds {codename}",
        permissions=[permission],
    )
    return services.assignment_create(actor=None, person=person, role=role, scope_unit=unit)


def grant_user(user: User, codename: str, *, unit: OrgUnit | None = None) -> Person:
    """Link `user` to a new person holding `codename` (how a member gains a permission)."""
    person = PersonFactory(user=user)
    grant(person, codename, unit=unit)
    return person
