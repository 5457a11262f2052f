"""Test data: factory-boy factories for the delegation tables (org chart: people.tests)."""

from __future__ import annotations

import factory

from common.testing import ModelFactory
from delegation.models import Permission, Role


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
