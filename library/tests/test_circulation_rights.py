"""Circulation by non-staff users is decided by the delegation graph (`library.circulate`)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from rest_framework.test import APIClient

from delegation import services as delegation_services
from delegation.models import Delegation
from library.models import Loan
from library.tests.factories import CopyFactory, MemberFactory
from people.models import Person

pytestmark = pytest.mark.django_db
CHECKOUT = reverse("library-api:checkout")


def person_for(user: User, family_name: str) -> Person:
    return Person.objects.create(
        user=user, given_name="Pat", family_name=family_name, email=f"{family_name}@x.test"
    )


@pytest.fixture
def librarian_delegation(member_user: User) -> Delegation:
    """The head librarian holds `library.circulate` by role and lends it to `member_user`."""
    circulate = delegation_services.permission_create(actor=None, codename="library.circulate")
    role = delegation_services.role_create(
        actor=None, code="librarian", name="Librarian", permissions=[circulate]
    )
    head = person_for(User.objects.create_user("head"), "Head")
    delegation_services.assignment_create(actor=None, person=head, role=role)
    return delegation_services.delegation_create(
        actor=None,
        delegator=head,
        delegatee=person_for(member_user, "Helper"),
        permission=circulate,
    )


def checkout(client: APIClient) -> int:
    body = {"member": MemberFactory().pk, "copies": [CopyFactory().barcode]}
    return client.post(CHECKOUT, body).status_code


def test_a_user_granted_circulation_through_the_graph_checks_out_for_others(
    member_client: APIClient, librarian_delegation: Delegation
) -> None:
    assert checkout(member_client) == 201
    assert Loan.objects.count() == 1


def test_revoking_the_delegation_takes_the_right_away(
    member_client: APIClient, librarian_delegation: Delegation
) -> None:
    delegation_services.delegation_revoke(actor=None, delegation=librarian_delegation)
    assert checkout(member_client) == 403
    assert Loan.objects.count() == 0


def test_without_any_grant_a_member_may_not_circulate(
    member_client: APIClient, member_user: User
) -> None:
    person_for(member_user, "Alone")
    assert checkout(member_client) == 403
