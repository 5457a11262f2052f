"""The demo seed: valid by the services' rules, deterministic, idempotent."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from delegation import seed as delegation_seed
from delegation.authz import user_can
from delegation.models import Delegation, RoleAssignment
from people import seed as people_seed
from people.models import Person


def run_seed() -> tuple[int, int, int]:
    people_seed.seed(size="small", log=lambda line: None)
    delegation_seed.seed(size="small", log=lambda line: None)
    return Person.objects.count(), RoleAssignment.objects.count(), Delegation.objects.count()


def test_small_seed_is_idempotent_and_usable(db: None):
    first = run_seed()
    assert run_seed() == first
    assert first[0] == 58 and first[2] == delegation_seed.DELEGATIONS["small"] + 1
    volunteer = get_user_model().objects.get(username="volunteer")
    assert not volunteer.is_staff
    assert user_can(volunteer, "library.circulate")
    assert not user_can(volunteer, "library.manage")
